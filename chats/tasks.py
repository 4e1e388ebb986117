"""RQ jobs of the chats app."""

from __future__ import annotations

import asyncio

from chats import delivery, services
from config.telegram import build_bot


async def _send(notices) -> None:
    async with build_bot() as bot:
        await delivery.deliver(bot, notices, pace=True)


def sessions_sweep() -> int:
    notices = services.sessions_sweep()
    asyncio.run(_send(notices))
    return len(notices)


def notify(notices: list[dict]) -> int:
    asyncio.run(_send([services.Notice(**n) for n in notices]))
    return len(notices)
