"""RQ jobs of the core app: they fetch by id and call one service."""

import asyncio

import structlog

from config import telegram as telegram_app
from core import asyncdb, services
from core import redis as core_redis
from core.models import DeadLetterUpdate
from core.webhook import replay_update

log = structlog.get_logger(__name__)


def processed_updates_prune() -> int:
    deleted = services.processed_updates_prune()
    log.info("processed_updates.pruned", deleted=deleted)
    return deleted


async def _replay(payload: dict) -> BaseException | None:
    try:
        return await replay_update(payload)
    finally:  # the worker lives on after this event loop: close what was opened on it
        await asyncdb.reset()
        await core_redis.reset()
        await telegram_app.reset()


def dead_letter_replay(letter_id: int) -> str:
    """Run a dead-lettered update through the handlers again (staff asked for it in admin)."""
    letter = DeadLetterUpdate.objects.get(pk=letter_id)
    error = asyncio.run(_replay(letter.payload))
    if error is None:
        services.dead_letter_mark_replayed(letter_id=letter_id)
        return "replayed"
    services.dead_letter_record(
        update_id=letter.update_id, update_type=letter.update_type, payload=letter.payload, error=error
    )
    return f"failed again: {type(error).__name__}"
