"""Extension points of the relay for other apps: moderation's filters, the coach, tips.

Apps connect to `core.hooks.before_relay` / `after_relay` / `after_rating` in their
`AppConfig.ready()`. A hook gets ids and, for the message being relayed, its text in memory only:
nothing here may store that text in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from telegram import Bot

from core import hooks as core_hooks


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
    # The values of core.hooks.after_relay_keys, read with the relay's id map (empty when Redis
    # failed: a hook then reads what it needs itself).
    cached: dict[str, bytes | None] = field(default_factory=dict, compare=False)


def wanted_keys(event: Relayed) -> list[str]:
    return [key for hook in core_hooks.after_relay_keys for key in hook(event)]


async def allowed(outgoing: Outgoing) -> bool:
    for check in core_hooks.before_relay:
        if not await check(outgoing):
            return False
    return True


async def relayed(event: Relayed) -> None:
    for hook in core_hooks.after_relay:
        await hook(event)
