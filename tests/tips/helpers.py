"""Arranging conversations and paid tips for the tips tests."""

from __future__ import annotations

import datetime as dt

import django_rq
from rq import SimpleWorker

from chats.models import ChatSession
from core import clock
from matching.models import Match
from tests.accounts.factories import MemberFactory
from tips import payload as tip_payload
from tips.models import Tip

ANNA, BORIS = 7500001, 7500002


def conversation(*, ended_hours_ago: float | None = None, anna=ANNA, boris=BORIS) -> ChatSession:
    """Anna and Boris talking now, or a conversation that ended `ended_hours_ago`."""
    a = MemberFactory(tg_id=anna, pseudonym="Анна")
    b = MemberFactory(tg_id=boris, pseudonym="Борис")
    match = Match.objects.create(member_a=a, member_b=b)
    session = ChatSession.objects.create(
        match=match, member_a=a, member_b=b, ends_at=clock.now() + dt.timedelta(hours=24)
    )
    if ended_hours_ago is not None:
        session.status = ChatSession.Status.ENDED
        session.ended_at = clock.now() - dt.timedelta(hours=ended_hours_ago)
        session.end_reason = ChatSession.EndReason.MEMBER_ENDED
        session.save()
    return session


def paid_tip(session: ChatSession, *, amount: int = 10, charge_id: str = "charge-1") -> Tip:
    tip = Tip.objects.create(
        session=session,
        payer=session.member_a,
        recipient=session.member_b,
        amount=amount,
        commission_percent=10,
        commission=(amount * 10 + 50) // 100,
        net=amount - (amount * 10 + 50) // 100,
        status=Tip.Status.PAID,
        telegram_payment_charge_id=charge_id,
        paid_at=clock.now(),
    )
    return tip


def signed(tip: Tip) -> str:
    return tip_payload.sign(tip_id=tip.pk, amount=tip.amount)


def run_jobs(queue: str = "telegram") -> int:
    """Run what was enqueued, in this process, as the worker would."""
    q = django_rq.get_queue(queue)
    count = q.count
    SimpleWorker([q], connection=q.connection).work(burst=True)
    return count
