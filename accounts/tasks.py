"""RQ jobs of the accounts app: the weekly digest and co-list notices (opt-in, paced)."""

from __future__ import annotations

import asyncio
import datetime as dt

import django_rq
import structlog
from telegram.error import RetryAfter

from accounts import keyboards, services
from config.telegram import build_bot
from core.messaging import retry_after_seconds, send

log = structlog.get_logger(__name__)
# About 25 messages a second overall: under Telegram's ~30/s for the whole bot.
PACE_SECONDS = 0.04
BATCH = 500


async def _deliver(items: list[services.Notice], template: str, markup) -> list[int]:
    """Send each notice in order, paced; returns the member ids not reached because of a flood wait."""
    async with build_bot() as bot:
        for index, item in enumerate(items):
            try:
                # A 403 marks the member unreachable through core.hooks.member_unreachable.
                await send(bot, item.tg_id, template, item.context, reply_markup=markup)
            except RetryAfter as exc:
                log.warning(
                    "accounts.notice_flood_wait", template=template, retry_after=retry_after_seconds(exc)
                )
                return [i.member_id for i in items[index:]]
            await asyncio.sleep(PACE_SECONDS)
    return []


def digest_send() -> int:
    """The weekly digest for members who opted in; a batch at a time, re-enqueued until done."""
    items = services.digest_claim(limit=BATCH)
    unsent = asyncio.run(_deliver(items, "accounts/digest", keyboards.digest()))
    if unsent:
        services.digest_release(member_ids=unsent)
        django_rq.get_queue("default").enqueue_in(dt.timedelta(seconds=30), digest_send)
    elif len(items) == BATCH:
        django_rq.get_queue("default").enqueue(digest_send)
    return len(items) - len(unsent)


def colist_notify() -> int:
    """Tell opted-in members (at most once a day) that someone with a topic from their co-list is searching."""
    items = services.colist_claim(limit=BATCH)
    unsent = asyncio.run(_deliver(items, "accounts/colist_notice", keyboards.colist_notice()))
    if unsent:
        services.colist_release(member_ids=unsent)
    return len(items) - len(unsent)
