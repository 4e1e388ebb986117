"""RQ jobs of the accounts app: the weekly digest, co-list notices and loneliness checks (opt-in, paced)."""

from __future__ import annotations

import asyncio
import datetime as dt

import django_rq
import structlog

from accounts import loneliness, services
from accounts.notices import Notice, deliver
from config.telegram import build_bot
from matching import colist

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


def _claim_and_deliver(claim, release) -> int:
    """Claim a batch of notices, send them, and hand back the members Telegram did not take."""
    items = claim(limit=BATCH)
    unsent = asyncio.run(_deliver(items))
    if unsent:
        release(member_ids=unsent)
    return len(items) - len(unsent)


def colist_notify() -> int:
    """Tell opted-in members (at most once a day) that someone with a topic from their co-list is searching."""
    return _claim_and_deliver(colist.colist_claim, colist.colist_release)


def loneliness_offer() -> int:
    """Offer the loneliness check to members whose wave (day 0, 30, 60, 90) is due (accounts.loneliness)."""
    return _claim_and_deliver(loneliness.loneliness_claim, loneliness.loneliness_release)
