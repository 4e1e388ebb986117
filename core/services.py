"""Webhook bookkeeping: the dead-letter table and pruning the dedup marks (claims are taken on the
event loop, in core.asyncdb)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from core import clock
from core.models import DeadLetterUpdate, ProcessedUpdate

# Content that is dropped from a kept update; names are replaced so the update still parses.
_DROPPED_KEYS = {"caption", "caption_entities", "poll", "contact", "location", "venue", "quote", "bio"}
_NAME_KEYS = {"first_name", "last_name", "username", "title"}


def redact_update(value: Any) -> Any:
    """A copy of update JSON without message text, captions, names or other content.

    A command keeps its name (not its arguments) so that a replay still reaches its handler.
    """
    if isinstance(value, list):
        return [redact_update(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in _DROPPED_KEYS:
            continue
        if key in _NAME_KEYS and isinstance(item, str):
            if key == "first_name":
                out[key] = "—"
            continue
        if key == "text" and isinstance(item, str):
            if item.startswith("/"):
                out[key] = item.split()[0][:64]
            continue
        if key == "entities":
            kept = [e for e in item if e.get("type") == "bot_command" and e.get("offset") == 0]
            if kept and isinstance(value.get("text"), str) and value["text"].startswith("/"):
                command = value["text"].split()[0][:64]
                out[key] = [{**kept[0], "length": min(kept[0]["length"], len(command))}]
            continue
        out[key] = redact_update(item)
    return out


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
