"""Sending a service's notices to members (from a handler or a job)."""

from __future__ import annotations

import asyncio

from core.db import db_call
from core.messaging import send
from matching import keyboards, selectors

# Telegram allows ~30 messages/s overall; fan-out from jobs stays well below it.
PACE_SECONDS = 0.05


async def deliver(bot, notices, *, pace: bool = False) -> None:
    if not notices:
        return
    for chat_id, notice in await db_call(selectors.notices_for_delivery, notices):
        await send(bot, chat_id, notice.template, notice.context, reply_markup=keyboards.for_notice(notice))
        if pace:
            await asyncio.sleep(PACE_SECONDS)
