"""Services of the crisis step: what the sender chose, the partner's card, the check-in after the chat.

A "likely" step opens a high-risk flag (moderators alerted); a "possible" one is only a private
check-in, until the member answers it with «Мне нужна помощь сейчас». Nothing here holds what was written.
"""

from __future__ import annotations

import django_rq
from django.db import transaction

from accounts.models import Member
from chats.models import ChatSession
from core import clock
from moderation import flags
from moderation.models import CrisisStep


@transaction.atomic
def crisis_step_open(
    *, member_id: int, session_id: int | None, tier: str, rule: str = ""
) -> CrisisStep | None:
    """A step for the sender; None while one in this chat still waits for a tap, or for a second
    gentle question after they answered one."""
    waiting = CrisisStep.objects.filter(member_id=member_id, session_id=session_id, choice="")
    if session_id is not None and waiting.filter(tier__in=[tier, CrisisStep.Tier.LIKELY]).exists():
        if tier == CrisisStep.Tier.LIKELY:
            flags.crisis_flag(member_id=member_id, session_id=session_id)
        return None
    answered = CrisisStep.objects.filter(member_id=member_id, session_id=session_id).exclude(choice="")
    if session_id is not None and tier == CrisisStep.Tier.POSSIBLE and answered.exists():
        return None  # they told us how they are: a gentle question is not asked twice in one chat
    step = CrisisStep.objects.create(
        member_id=member_id, session_id=session_id, tier=tier, rule=rule[:20], shown_at=clock.now()
    )
    if tier == CrisisStep.Tier.LIKELY:
        flags.crisis_flag(member_id=member_id, session_id=session_id)
    return step


@transaction.atomic
def crisis_step_choose(*, tg_id: int, step_id: int, choice: str) -> str:
    """The sender's tap: "ok", "already" (an earlier tap counted) or "stale" (not theirs).
    «Мне нужна помощь сейчас» also pages moderators (`flags.crisis_help_asked`)."""
    step = CrisisStep.objects.select_for_update().filter(pk=step_id, member__tg_id=tg_id).first()
    if step is None or choice not in CrisisStep.Choice.values:
        return "stale"
    if step.choice:
        return "already"
    step.choice = choice
    step.chosen_at = clock.now()
    step.save(update_fields=["choice", "chosen_at"])
    if choice == CrisisStep.Choice.HELP:
        flags.crisis_help_asked(member_id=step.member_id, session_id=step.session_id)
    return "ok"


@transaction.atomic
def crisis_partner_card_claim(*, session_id: int) -> int | None:
    """The partner's chat id for the guidance card, once per chat (None: already sent or gone)."""
    step = (
        CrisisStep.objects.select_for_update()
        .filter(session_id=session_id, tier=CrisisStep.Tier.LIKELY)
        .order_by("shown_at")
        .first()
    )
    if (
        step is None
        or CrisisStep.objects.filter(session_id=session_id, partner_card_at__isnull=False).exists()
    ):
        return None
    session = ChatSession.objects.select_related("member_a", "member_b").get(pk=session_id)
    partner = session.partner_of(step.member)
    if not partner.is_reachable or partner.tg_id is None:
        return None
    step.partner_card_at = clock.now()
    step.save(update_fields=["partner_card_at"])
    return partner.tg_id


def session_ended(session_id: int) -> None:
    """core.hooks.session_ended: a chat with a likely crisis gets a check-in for both, from a job."""
    if CrisisStep.objects.filter(session_id=session_id, tier=CrisisStep.Tier.LIKELY).exists():
        django_rq.get_queue("telegram").enqueue("moderation.tasks.crisis_debrief", session_id)


@transaction.atomic
def crisis_debrief_claim(*, session_id: int) -> list[tuple[int, str]]:
    """(chat id, template) for the check-in after a hard chat: the sender and the partner, once."""
    steps = CrisisStep.objects.select_for_update().filter(
        session_id=session_id, tier=CrisisStep.Tier.LIKELY, debrief_at__isnull=True
    )
    senders = set(steps.values_list("member_id", flat=True))
    if not senders:
        return []
    steps.update(debrief_at=clock.now())
    session = ChatSession.objects.get(pk=session_id)
    members = Member.objects.in_bulk([session.member_a_id, session.member_b_id])
    out = []
    for member_id, member in members.items():
        if member.is_reachable and member.tg_id is not None:
            out.append(
                (
                    member.tg_id,
                    "moderation/crisis_debrief_" + ("sender" if member_id in senders else "partner"),
                )
            )
    return out
