"""The one way a service's messages reach members, from a handler or a job.

Services return `Notice`s (who, which template, which keyboard) inside their transaction;
`deliver` sends them after it: one query for the recipients, the template rendered, the
keyboard built by name from the app's `keyboards` module, 403 / 429 / 400 handled by
`core.messaging.send`. Jobs pace themselves and get back what a long flood wait kept unsent.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from telegram.error import RetryAfter

from accounts.models import Member
from core.db import db_call
from core.messaging import retry_after_seconds, send

log = structlog.get_logger(__name__)

# Telegram allows ~30 messages/s overall; fan-out from jobs stays well below it.
PACE_SECONDS = 0.04


@dataclass
class Notice:
    """A message for a member: the template, its context and which keyboard to attach.

    `keyboard` names a builder as "<app>.<function>" in that app's `keyboards` module
    ("matching.proposal", "chats.rate"); it is called with `keyboard_arg` when one is given.
    """

    member_id: int
    template: str
    context: dict = field(default_factory=dict)
    keyboard: str = ""
    keyboard_arg: int | None = None


def markup_for(notice: Notice):
    if not notice.keyboard:
        return None
    app, name = notice.keyboard.split(".", 1)
    build = getattr(importlib.import_module(f"{app}.keyboards"), name)
    return build() if notice.keyboard_arg is None else build(notice.keyboard_arg)


Prepare = Callable[[list[Notice], dict], None]


def _recipients(notices: list[Notice], prepare: Prepare | None) -> list[tuple[int, Notice]]:
    """(chat id, notice) for members who can be reached, in order; `prepare` fills contexts."""

    ids = {n.member_id for n in notices} | {
        n.context["partner_id"] for n in notices if n.context.get("partner_id")
    }
    members = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    if prepare is not None:
        prepare(notices, members)
    out = []
    for notice in notices:
        member = members.get(notice.member_id)
        if member is not None and member.is_reachable and member.tg_id is not None:
            out.append((member.tg_id, notice))
    return out


async def deliver(
    bot, notices: list[Notice], *, pace: bool = False, prepare: Prepare | None = None
) -> list[Notice]:
    """Send each notice in order. In a job (`pace=True`) a long flood wait stops the fan-out and
    the unsent notices are returned for later; in a handler it propagates (the webhook hands the
    update back to Telegram)."""
    if not notices:
        return []
    recipients = await db_call(_recipients, notices, prepare)
    for index, (chat_id, notice) in enumerate(recipients):
        try:
            await send(bot, chat_id, notice.template, notice.context, reply_markup=markup_for(notice))
        except RetryAfter as exc:
            if not pace:
                raise
            log.warning("notices.flood_wait", template=notice.template, retry_after=retry_after_seconds(exc))
            return [n for _, n in recipients[index:]]
        if pace:
            await asyncio.sleep(PACE_SECONDS)
    return []
