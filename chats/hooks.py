"""Extension points of the relay for other apps: moderation's filters, the coach, tips.

Apps append to these lists in their `register(application)`. A hook gets ids and, for the
message being relayed, its text in memory only: nothing here may store that text in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot


@dataclass(frozen=True)
class Outgoing:
    """A member's message about to be relayed. `text` is the text or caption ("" for media)."""

    bot: Bot
    chat_id: int
    tg_id: int
    message_id: int
    text: str
    member_id: int | None = None  # the sender's Member id (known on the relay path)
    session_id: int | None = None
    muted_until: dt.datetime | None = None  # the sender's mute deadline, if any


@dataclass(frozen=True)
class Relayed:
    """A message the partner has received (a copy, or the coach hint a member chose to use)."""

    bot: Bot
    session_id: int
    member_id: int
    partner_member_id: int
    chat_id: int
    message_id: int
    text: str


# Run in order before a message is relayed; a check that returns False keeps the message from
# the partner and has already told the sender why (e.g. the toxicity filter).
before_relay: list[Callable[[Outgoing], Awaitable[bool]]] = []
# Run after the partner received a message (crisis alerts, the coach's context window).
after_relay: list[Callable[[Relayed], Awaitable[None]]] = []
# Run after a member rated a session: (bot, chat_id, member tg id, session_id, score).
after_rating: list[Callable[[Bot, int, int, int, int], Awaitable[None]]] = []


async def allowed(outgoing: Outgoing) -> bool:
    for check in before_relay:
        if not await check(outgoing):
            return False
    return True


async def relayed(event: Relayed) -> None:
    for hook in after_relay:
        await hook(event)
