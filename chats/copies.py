"""The copies of a member's messages in their partners' chats, kept for the 48 hours in which
Telegram lets a bot delete its own messages, so that /delete can take them back (the spec's
Must: erasure deletes the profile and the dialogues).

Only chat and message ids are kept, in Redis, next to the relay's id map: no text, nothing in
PostgreSQL, and no extra round trip on the relay (the ids ride in the relay's own pipeline).
Redis is disposable: losing it means copies are not deleted, which /delete's answer already
says may happen.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict

import django_rq
import structlog
from django.db import transaction
from telegram.error import BadRequest, Forbidden, RetryAfter

from config.telegram import build_bot
from core import clock
from core.messaging import retry_after_seconds
from core.redis import connection

log = structlog.get_logger(__name__)

DELETABLE = dt.timedelta(hours=48)  # Telegram: a bot deletes its messages up to 48 h old
MARGIN = dt.timedelta(minutes=5)  # a copy this close to the limit may already be out of reach
MAX_REMEMBERED = 5000  # per member; a chat is limited to 15 messages a minute anyway
BATCH = 100  # deleteMessages takes at most 100 ids


def _key(member_id: int) -> str:
    return f"chats:copies:{member_id}"


def remember(pipe, *, member_id: int, partner_chat_id: int, copy_id: int) -> None:
    """Add one delivered copy to the relay's Redis pipeline (executed by the caller)."""
    key = _key(member_id)
    pipe.rpush(key, f"{partner_chat_id}:{copy_id}:{int(clock.now().timestamp())}")
    pipe.ltrim(key, -MAX_REMEMBERED, -1)
    pipe.expire(key, int(DELETABLE.total_seconds()))


def member_erased(member) -> None:
    """The member_erased hook (inside the erasure): delete the copies in the background."""

    member_id = member.pk
    transaction.on_commit(lambda: django_rq.get_queue("telegram").enqueue(copies_delete, member_id))


def _deletable(entries: list[bytes | str], now: float) -> dict[int, list[int]]:
    oldest = now - (DELETABLE - MARGIN).total_seconds()
    by_chat: dict[int, list[int]] = defaultdict(list)
    for entry in entries:
        chat_id, copy_id, sent_at = (int(part) for part in _text(entry).split(":"))
        if sent_at >= oldest:
            by_chat[chat_id].append(copy_id)
    return by_chat


def _text(entry: bytes | str) -> str:
    return entry.decode() if isinstance(entry, bytes) else entry


def copies_delete(member_id: int) -> int:
    """RQ job: delete an erased member's copies from their partners' chats; how many were asked.

    A flood answer puts the job back for later with the list intact; a partner who blocked the
    bot or a copy already gone is skipped.
    """

    redis = connection()
    by_chat = _deletable(redis.lrange(_key(member_id), 0, -1), clock.now().timestamp())
    try:
        asked = asyncio.run(_delete(by_chat))
    except RetryAfter as exc:
        wait = dt.timedelta(seconds=retry_after_seconds(exc) + 1)
        django_rq.get_queue("telegram").enqueue_in(wait, copies_delete, member_id)
        return 0
    redis.delete(_key(member_id))
    log.info("chats.copies_deleted", chats=len(by_chat), messages=asked)
    return asked


async def _delete(by_chat: dict[int, list[int]]) -> int:
    asked = 0
    async with build_bot() as bot:
        for chat_id, ids in by_chat.items():
            for start in range(0, len(ids), BATCH):
                try:
                    await bot.delete_messages(chat_id=chat_id, message_ids=ids[start : start + BATCH])
                    asked += len(ids[start : start + BATCH])
                except (Forbidden, BadRequest) as exc:  # blocked the bot, or all already gone
                    log.info("chats.copies_not_deleted", error=type(exc).__name__)
                await asyncio.sleep(0.05)
    return asked
