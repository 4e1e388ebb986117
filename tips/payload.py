"""The invoice payload: the tip it pays for and its amount, signed so nobody can forge one."""

from __future__ import annotations

import base64
import hmac
import re

from django.utils.crypto import salted_hmac

_SALT = "tips.invoice_payload"
_FORMAT = re.compile(r"^t(\d{1,18})\.(\d{1,6})\.([A-Za-z0-9_-]{22})$")


def _signature(body: str) -> str:
    mac = salted_hmac(_SALT, body, algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(*, tip_id: int, amount: int) -> str:
    """ "t<tip id>.<amount>.<signature>": at most 48 bytes, well under Telegram's 128."""
    body = f"t{tip_id}.{amount}"
    return f"{body}.{_signature(body)}"


def verify(payload: str) -> tuple[int, int] | None:
    """(tip id, amount) of a payload we signed; None for anything else."""
    match = _FORMAT.match(payload or "")
    if match is None:
        return None
    tip_id, amount, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(f"t{tip_id}.{amount}")):
        return None
    return int(tip_id), int(amount)
