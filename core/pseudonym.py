"""The one pseudonym function: what analysts and logs see instead of a Telegram id."""

import hashlib
import hmac

from django.conf import settings


def pseudonymous_ref(tg_id: int) -> str:
    """Short hex of HMAC(PSEUDONYM_SECRET, tg_id)."""
    key = settings.PSEUDONYM_SECRET.encode()
    return hmac.new(key, str(tg_id).encode(), hashlib.sha256).hexdigest()[:16]
