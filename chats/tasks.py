"""RQ jobs of the chats app."""

from __future__ import annotations

import asyncio

from accounts.notices import Notice, deliver
from chats import services
from config.telegram import build_bot


async def _send(notices) -> None:
    async with build_bot() as bot:
        await deliver(bot, notices, pace=True)


def sessions_sweep() -> int:
    notices = services.sessions_sweep()
    asyncio.run(_send(notices))
    return len(notices)


def notify(notices: list[dict]) -> int:
    asyncio.run(_send([Notice(**n) for n in notices]))
    return len(notices)
