"""RQ jobs of the matching app: rounds and the deadline sweep."""

from __future__ import annotations

import asyncio
import datetime as dt

import django_rq
import structlog
from rq import Retry

from accounts.notices import deliver
from config.telegram import build_bot
from core import metrics, redis
from core.db import db_call
from matching import selectors, services

log = structlog.get_logger(__name__)
ROUND_EVERY = dt.timedelta(seconds=5)
_SCHEDULED_KEY = "matching:round:scheduled"
# A round whose worker died (kill -9, OOM) is found abandoned by rq and run again; its
# transaction never committed, so the second run pairs the same people once.
ROUND_RETRY = Retry(max=3, interval=[5, 30, 60])


def _queue():
    # The process's one Redis client: django_rq.get_queue alone would connect anew on every call.
    return django_rq.get_queue("default", connection=redis.connection())


def enqueue_round() -> None:
    """Ask for a round soon; a burst of /find asks for one round, not many."""
    if redis.connection().set(_SCHEDULED_KEY, "1", nx=True, ex=3):
        _queue().enqueue(matching_round, retry=ROUND_RETRY)


def _send_if_any(notices) -> None:
    # Most rounds pair nobody new: no event loop, no Bot, no HTTP client for them.
    if notices:
        asyncio.run(_send(notices))


async def _send(notices) -> None:
    """Send the notices; preview cards are marked sent (the sweep re-sends unmarked ones)."""
    async with build_bot() as bot:
        unsent = await deliver(bot, notices, pace=True, prepare=selectors.notice_context)
    if unsent:
        log.warning("matching.flood_wait", unsent=len(unsent))
    kept = {id(n) for n in unsent}
    await db_call(services.proposal_cards_sent, notices=[n for n in notices if id(n) not in kept])


def matching_round() -> int:
    """Sweep deadlines, pair the queue, tell everyone; again in a few seconds while anyone waits."""
    connection = redis.connection()
    connection.delete(_SCHEDULED_KEY)
    # Imported by the job, not the module: web processes import this module for enqueue_round,
    # and rounds bring numpy and the matcher (~28 MiB) that only the worker's rounds use.
    from matching import rounds

    with metrics.matching_round_seconds.time():
        notices = services.sweep() + rounds.round_run()
    _send_if_any(notices)
    if selectors.waiting_count() and connection.set(
        "matching:round:next", "1", nx=True, ex=ROUND_EVERY.seconds
    ):
        _queue().enqueue_in(ROUND_EVERY, matching_round, retry=ROUND_RETRY)
    return len(notices)


def matching_sweep() -> int:
    """Deadlines every 30 s (cron), and a round if anyone waits: the chain of rounds a lost
    worker broke starts again here."""
    notices = services.sweep()
    _send_if_any(notices)
    if selectors.waiting_count():
        enqueue_round()
    return len(notices)
