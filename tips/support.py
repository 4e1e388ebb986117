"""/paysupport: a member's question about a payment becomes a ticket with their recent payments
attached; a moderator's answer is delivered by a job."""

from __future__ import annotations

import django_rq
from django.db import transaction

from accounts.onboarding import awaiting_clear, awaiting_set
from accounts.services import member_touch
from core import clock
from tips import selectors
from tips.models import SupportTicket, Tip

SUPPORT_TEXT_MAX = 2000


@transaction.atomic
def support_start(*, tg_id: int) -> list[Tip]:
    """/paysupport: the member's next message is their request; returns their last payments."""
    member = member_touch(tg_id=tg_id)
    awaiting_set(member_id=member.pk, what="tips:support")
    return selectors.recent_payments(member_id=member.pk)


@transaction.atomic
def ticket_open(*, tg_id: int, text: str) -> SupportTicket:
    member = member_touch(tg_id=tg_id)
    if member.awaiting.startswith("tips:"):
        awaiting_clear(member_id=member.pk)
    ticket = SupportTicket.objects.create(member=member, text=text.strip()[:SUPPORT_TEXT_MAX])
    ticket.tips.set(selectors.recent_payments(member_id=member.pk))
    return ticket


@transaction.atomic
def tips_awaiting_cancel(*, tg_id: int) -> bool:
    member = member_touch(tg_id=tg_id)
    if not member.awaiting.startswith("tips:"):
        return False
    awaiting_clear(member_id=member.pk)
    return True


@transaction.atomic
def ticket_answer(*, ticket_id: int, answer: str, staff_id: int | None) -> None:
    """A moderator answered: store it and have a job deliver it to the member."""
    SupportTicket.objects.filter(pk=ticket_id).update(
        answer=answer.strip(),
        answered_by_id=staff_id,
        answered_at=clock.now(),
        answer_sent_at=None,
        status=SupportTicket.Status.ANSWERED,
    )
    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue("tips.tasks.ticket_answer_send", ticket_id)
    )


@transaction.atomic
def ticket_answer_delivered(*, ticket_id: int) -> None:
    SupportTicket.objects.filter(pk=ticket_id).update(answer_sent_at=clock.now())
