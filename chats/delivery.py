from __future__ import annotations

import asyncio

from accounts.models import Member
from chats import keyboards
from core.db import db_call
from core.messaging import send


def _recipients(member_ids: set[int]) -> dict[int, int]:
    return {
        m.pk: m.tg_id
        for m in Member.objects.filter(pk__in=member_ids, unreachable_since__isnull=True, tg_id__isnull=False)
    }


async def deliver(bot, notices, *, pace: bool = False) -> None:
    if not notices:
        return
    chats = await db_call(_recipients, {n.member_id for n in notices})
    for notice in notices:
        chat_id = chats.get(notice.member_id)
        if chat_id is None:
            continue
        await send(bot, chat_id, notice.template, notice.context, reply_markup=keyboards.for_notice(notice))
        if pace:
            await asyncio.sleep(0.05)
