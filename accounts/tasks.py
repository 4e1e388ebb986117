"""RQ jobs of the accounts app: the weekly digest and co-list notices (opt-in, paced)."""

from __future__ import annotations

import asyncio
import datetime as dt

import django_rq
import structlog

from accounts import services
from accounts.notices import Notice, deliver
from config.telegram import build_bot

log = structlog.get_logger(__name__)
BATCH = 500


async def _deliver(notices: list[Notice]) -> list[int]:
    """Send paced; the member ids a flood wait kept unsent (a 403 marks a member unreachable)."""
    async with build_bot() as bot:
        unsent = await deliver(bot, notices, pace=True)
    return [n.member_id for n in unsent]


def digest_send() -> int:
    """The weekly digest for members who opted in; a batch at a time, re-enqueued until done."""
    items = services.digest_claim(limit=BATCH)
    unsent = asyncio.run(_deliver(items))
    if unsent:
        services.digest_release(member_ids=unsent)
        django_rq.get_queue("default").enqueue_in(dt.timedelta(seconds=30), digest_send)
    elif len(items) == BATCH:
        django_rq.get_queue("default").enqueue(digest_send)
    return len(items) - len(unsent)


def colist_notify() -> int:
    """Tell opted-in members (at most once a day) that someone with a topic from their co-list is searching."""
    items = services.colist_claim(limit=BATCH)
    unsent = asyncio.run(_deliver(items))
    if unsent:
        services.colist_release(member_ids=unsent)
    return len(items) - len(unsent)
