"""One database hop per update of the accounts app: the member is marked seen (created on first
contact), the service the update asks for runs, and what the answer needs is read, in one thread
call and one transaction (a command that needs nothing of the member only touches it, on the
event loop). The async side (bot.py, buttons.py) only renders and sends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from telegram import Update

from accounts import onboarding, selectors, services
from accounts.models import Member
from core.db import db_call


@dataclass
class Turn:
    """What one update did to a member and what answering it needs."""

    member: Member
    was_onboarded: bool
    outcome: onboarding.Outcome | None = None
    stale: bool = False
    result: Any = None
    route: str = ""
    view: dict = field(default_factory=dict)


def apply(turn: Turn, work: Callable[[Member], Any]) -> None:
    try:
        result = work(turn.member)
    except onboarding.StaleAction:
        turn.stale = True
        return
    if isinstance(result, onboarding.Outcome):
        turn.outcome, turn.member = result, result.member
    elif isinstance(result, Member):
        turn.member = result
    else:
        turn.result = result


@transaction.atomic
def member_turn(*, tg_id: int, work: Callable[[Member], Any] | None = None, view: bool = True) -> Turn:
    member = services.member_touch(tg_id=tg_id)
    turn = Turn(member, was_onboarded=member.is_onboarded)
    if work is not None:
        apply(turn, work)
    if view:
        turn.view = selectors.member_view(member=turn.member)
    return turn


async def run(update: Update, work: Callable[[Member], Any] | None = None, *, view: bool = True) -> Turn:
    return await db_call(member_turn, tg_id=update.effective_user.id, work=work, view=view)


async def touch(update: Update) -> None:
    """Only mark the member seen (created on first contact): one statement, no thread hop."""
    await services.member_mark_seen(tg_id=update.effective_user.id)


def clear_awaiting(member: Member) -> Member:
    return onboarding.awaiting_clear(member_id=member.pk)
