"""Writes of the moderation app: blocks and reports from members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from accounts.services import member_touch
from chats import services as chats_services
from chats.models import ChatSession
from core import clock
from moderation.models import Block, Report

REPORT_WINDOW = dt.timedelta(hours=24)


@dataclass
class Outcome:
    ok: bool
    reason: str = ""
    notices: list = field(default_factory=list)
    session_id: int | None = None


def _recent_session(member_id: int) -> ChatSession | None:
    """The member's active session, or the last one that ended less than 24 h ago."""
    sessions = ChatSession.objects.filter(Q(member_a_id=member_id) | Q(member_b_id=member_id))
    active = sessions.filter(status=ChatSession.Status.ACTIVE).first()
    if active:
        return active
    return sessions.filter(ended_at__gte=clock.now() - REPORT_WINDOW).order_by("-ended_at").first()


@transaction.atomic
def block_partner(*, tg_id: int) -> Outcome:
    """/block: end the chat, never match the pair again; only the blocker is told."""
    member = member_touch(tg_id=tg_id)
    session = _recent_session(member.pk)
    if session is None:
        return Outcome(False, "no_partner")
    partner_id = session.member_b_id if session.member_a_id == member.pk else session.member_a_id
    Block.objects.get_or_create(blocker=member, blocked_id=partner_id, defaults={"session": session})
    notices = []
    if session.status == ChatSession.Status.ACTIVE:
        notices = chats_services.session_end(
            member_id=member.pk, session_id=session.pk, reason=ChatSession.EndReason.BLOCKED
        )
    return Outcome(True, notices=notices, session_id=session.pk)


@transaction.atomic
def report_session(*, tg_id: int) -> Outcome:
    """/report: which conversation the report would be about."""
    member = member_touch(tg_id=tg_id)
    session = _recent_session(member.pk)
    if session is None:
        return Outcome(False, "no_partner")
    return Outcome(True, session_id=session.pk)


@transaction.atomic
def report_create(*, tg_id: int, session_id: int, reason: str) -> Outcome:
    member = member_touch(tg_id=tg_id)
    session = (
        ChatSession.objects.filter(pk=session_id).filter(Q(member_a=member) | Q(member_b=member)).first()
    )
    if session is None or reason not in Report.Reason.values:
        return Outcome(False, "stale")
    if session.ended_at and session.ended_at < clock.now() - REPORT_WINDOW:
        return Outcome(False, "too_late")
    if Report.objects.filter(
        reporter=member, created_at__gte=clock.now() - dt.timedelta(seconds=60)
    ).exists():
        return Outcome(False, "too_often")
    partner_id = session.member_b_id if session.member_a_id == member.pk else session.member_a_id
    Report.objects.create(reporter=member, reported_id=partner_id, session=session, reason=reason)
    return Outcome(True, reason)
