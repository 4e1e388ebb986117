"""Writes of the coach app: opting in, recording hints and what members did with them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from accounts.models import Member
from chats.models import ChatSession
from coach import metrics
from coach.models import AiHint, CoachSettings
from coach.providers import Hint
from coach.selectors import member_may_get_hints
from core import clock
from moderation.selectors import hotlines as crisis_lines


@dataclass(frozen=True)
class HintTarget:
    member_id: int
    ref: str
    use_llm: bool


@dataclass(frozen=True)
class HintDelivery:
    hint_id: int
    tg_id: int
    hotlines: list


def hint_target(*, session_id: int, member_id: int) -> HintTarget | None:
    """The member a hint job works for, or None when they should not get one now."""
    member = Member.objects.filter(pk=member_id).first()
    if member is None or not _session_active(session_id, member_id):
        return None
    settings = CoachSettings.load()
    if not member_may_get_hints(member, enabled=settings.enabled, percent=settings.rollout_percent):
        return None
    return HintTarget(member_id=member.pk, ref=member.ref, use_llm=settings.use_llm)


def _session_active(session_id: int, member_id: int) -> bool:
    return ChatSession.objects.filter(
        Q(member_a_id=member_id) | Q(member_b_id=member_id),
        pk=session_id,
        status=ChatSession.Status.ACTIVE,
        ends_at__gt=clock.now(),
    ).exists()


@transaction.atomic
def hint_record(*, session_id: int, member_id: int, hint: Hint, latency_ms: int) -> HintDelivery | None:
    """Record a computed hint; None (and a dropped row) when the session ended meanwhile."""
    member = Member.objects.select_for_update().get(pk=member_id)
    row = AiHint(
        session_id=session_id,
        member_ref=member.ref,
        situation=hint.situation,
        provider=hint.provider,
        template_key=hint.key[:40],
        latency_ms=latency_ms,
    )
    if not _session_active(session_id, member_id) or member.is_muted() or not member.is_reachable:
        row.status = AiHint.Status.DROPPED
        row.decided_at = clock.now()
        row.save()
        metrics.hints_total.labels(hint.provider, hint.situation, "dropped").inc()
        return None
    row.save()
    metrics.hints_total.labels(hint.provider, hint.situation, "shown").inc()
    hotlines = []
    if hint.situation == AiHint.Situation.CRISIS:
        hotlines = crisis_lines(member=member)  # the member's country, as on /sos
    return HintDelivery(hint_id=row.pk, tg_id=member.tg_id, hotlines=hotlines)


def _own_open_hint(*, hint_id: int, tg_id: int | None = None, member_id: int | None = None) -> AiHint | None:
    members = Member.objects.filter(tg_id=tg_id) if tg_id is not None else Member.objects.filter(pk=member_id)
    member = members.first()
    if member is None:
        return None
    hint = AiHint.objects.select_for_update().filter(pk=hint_id, member_ref=member.ref).first()
    if hint is None or hint.status != AiHint.Status.SHOWN:
        return None
    if not _session_active(hint.session_id, member.pk):
        return None
    return hint


@transaction.atomic
def hint_decide(*, hint_id: int, status: str, tg_id: int | None = None, member_id: int | None = None) -> bool:
    """Mark the member's hint hidden («Скрыть», by tg_id) or used (their own message said its
    phrase, by member_id); False for a foreign, stale or decided one."""
    hint = _own_open_hint(hint_id=hint_id, tg_id=tg_id, member_id=member_id)
    if hint is None:
        return False
    hint.status = status
    hint.decided_at = clock.now()
    hint.save(update_fields=["status", "decided_at"])
    metrics.hints_total.labels(hint.provider, hint.situation, status).inc()
    return True
