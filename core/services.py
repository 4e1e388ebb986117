"""Webhook bookkeeping: the update dedup mark and the dead-letter table."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from core import clock
from core.models import DeadLetterUpdate, ProcessedUpdate

# A claim that was never completed (the process died, or the database went away mid-update)
# can be taken again after this long, so a retried update is not lost.
STALE_CLAIM = dt.timedelta(seconds=60)

_REDACTED_KEYS = {
    "text",
    "caption",
    "entities",
    "caption_entities",
    "poll",
    "contact",
    "location",
    "venue",
    "first_name",
    "last_name",
    "username",
    "bio",
    "quote",
}


def update_claim(*, update_id: int) -> bool:
    """Mark an update as being processed; False when it was already handled (or is in flight)."""
    now = clock.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ProcessedUpdate._meta.db_table} (update_id, claimed_at, completed)
            VALUES (%s, %s, false)
            ON CONFLICT (update_id) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
            WHERE {ProcessedUpdate._meta.db_table}.completed = false
              AND {ProcessedUpdate._meta.db_table}.claimed_at < %s
            RETURNING update_id
            """,
            [update_id, now, now - STALE_CLAIM],
        )
        return cursor.fetchone() is not None


def update_complete(*, update_id: int) -> None:
    ProcessedUpdate.objects.filter(update_id=update_id).update(completed=True)


def update_release(*, update_id: int) -> None:
    """Forget a claim so that Telegram's retry of this update is processed."""
    ProcessedUpdate.objects.filter(update_id=update_id, completed=False).delete()


def redact_update(value: Any) -> Any:
    """A copy of update JSON without message text, captions, names or other content."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "text" and isinstance(item, str) and item.startswith("/"):
                out[key] = item.split()[0][:64]  # keep a command, never its arguments
            elif key in _REDACTED_KEYS:
                out[key] = "[redacted]"
            else:
                out[key] = redact_update(item)
        return out
    if isinstance(value, list):
        return [redact_update(item) for item in value]
    return value


@transaction.atomic
def dead_letter_record(
    *, update_id: int, update_type: str, payload: dict, error: BaseException, member_ref: str = ""
) -> DeadLetterUpdate:
    now = clock.now()
    letter, created = DeadLetterUpdate.objects.select_for_update().get_or_create(
        update_id=update_id,
        defaults={
            "update_type": update_type,
            "payload": redact_update(payload),
            "error_type": type(error).__name__,
            "error_message": str(error)[:2000],
            "member_ref": member_ref,
            "created_at": now,
            "last_attempt_at": now,
        },
    )
    if not created:
        letter.attempts += 1
        letter.status = DeadLetterUpdate.Status.FAILED_AGAIN
        letter.error_type = type(error).__name__
        letter.error_message = str(error)[:2000]
        letter.last_attempt_at = now
        letter.save()
    ProcessedUpdate.objects.filter(update_id=update_id).update(completed=True)
    return letter


def dead_letter_mark_replayed(*, letter_id: int) -> None:
    DeadLetterUpdate.objects.filter(pk=letter_id).update(
        status=DeadLetterUpdate.Status.REPLAYED, last_attempt_at=clock.now()
    )


def processed_updates_prune() -> int:
    """Delete dedup marks older than the retention (Telegram never resends after a day)."""
    cutoff = clock.now() - dt.timedelta(days=settings.PROCESSED_UPDATE_RETENTION_DAYS)
    deleted, _ = ProcessedUpdate.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted
