"""What members do about each other: block a partner, report a conversation, comment on a report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from accounts.onboarding import awaiting_clear, awaiting_set
from accounts.services import member_touch
from chats import services as chats_services
from chats.models import ChatSession
from core import clock
from moderation import flags, metrics
from moderation.models import Block, Report

REPORT_WINDOW = dt.timedelta(hours=24)
EVIDENCE_KEEP = dt.timedelta(days=90)
# Reports can't be weaponised: one report never sanctions or hides anyone. It ends the reporter's
# own conversation and keeps that pair apart (like a block); the member stays in matching. Repeated
# reports from different members raise a flag (flags.flag_repeated_reports); people decide.
# Automatic measures come from the detector alone, never from what members say about each other.


@dataclass
class Outcome:
    ok: bool
    reason: str = ""
    notices: list = field(default_factory=list)
    session_id: int | None = None
    report_id: int | None = None
    ended: bool = False  # the report or block ended the conversation


def _recent_session(member_id: int, session_id: int | None = None) -> ChatSession | None:
    """The member's active session, or the last one that ended less than 24 h ago; with
    `session_id` (a button on that conversation's intro), that one if it still qualifies."""
    sessions = ChatSession.objects.filter(Q(member_a_id=member_id) | Q(member_b_id=member_id))
    recent = Q(status=ChatSession.Status.ACTIVE) | Q(ended_at__gte=clock.now() - REPORT_WINDOW)
    if session_id is not None:
        return sessions.filter(recent, pk=session_id).first()
    active = sessions.filter(status=ChatSession.Status.ACTIVE).first()
    if active:
        return active
    return sessions.filter(ended_at__gte=clock.now() - REPORT_WINDOW).order_by("-ended_at").first()


@transaction.atomic
def block_partner(*, tg_id: int, session_id: int | None = None) -> Outcome:
    """/block (or «Заблокировать» on a conversation's intro): end the chat, never match the pair
    again; only the blocker is told."""
    member = member_touch(tg_id=tg_id)
    session = _recent_session(member.pk, session_id)
    if session is None:
        return Outcome(False, "no_partner")
    partner_id = session.partner_id_of(member.pk)
    Block.objects.get_or_create(blocker=member, blocked_id=partner_id, defaults={"session": session})
    notices = []
    ended = session.status == ChatSession.Status.ACTIVE
    if ended:
        notices = chats_services.session_end(
            member_id=member.pk, session_id=session.pk, reason=ChatSession.EndReason.BLOCKED
        )
    return Outcome(True, notices=notices, session_id=session.pk, ended=ended)


@transaction.atomic
def report_session(*, tg_id: int, session_id: int | None = None) -> Outcome:
    """/report (or «Пожаловаться» on an intro): which conversation the report would be about."""
    member = member_touch(tg_id=tg_id)
    session = _recent_session(member.pk, session_id)
    if session is None:
        return Outcome(False, "no_partner")
    return Outcome(True, session_id=session.pk)


@transaction.atomic
def report_create(
    *, tg_id: int, session_id: int, reason: str, evidence: tuple[str, str] | None = None
) -> Outcome:
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
    if Report.objects.filter(reporter=member, session=session).exists():
        return Outcome(False, "already")  # one report per conversation: details go in its comment
    partner_id = session.partner_id_of(member.pk)
    report = Report.objects.create(reporter=member, reported_id=partner_id, session=session, reason=reason)
    if evidence is not None:  # the one message the member chose to show (kept 90 days)
        report.evidence_text, report.evidence_kind = evidence
        report.evidence_purge_at = clock.now() + EVIDENCE_KEEP
        report.save(update_fields=["evidence_text", "evidence_kind", "evidence_purge_at"])
    metrics.reports_total.labels(reason).inc()
    if reason == Report.Reason.DANGER:
        flags.alert_on_commit("report", report.pk)
    flags.flag_repeated_reports(reported_id=partner_id)
    # Report / block / auto-break (spec Must): a report ends the conversation it is about; the
    # partner hears a neutral ending. Matching keeps the pair apart unless the report is dismissed.
    ended = session.status == ChatSession.Status.ACTIVE
    notices = (
        chats_services.session_end(
            member_id=member.pk, session_id=session.pk, reason=ChatSession.EndReason.REPORTED
        )
        if ended
        else []
    )
    return Outcome(True, reason, notices, session_id=session.pk, report_id=report.pk, ended=ended)


@transaction.atomic
def report_comment_start(*, tg_id: int, report_id: int) -> bool:
    """«Добавить комментарий»: the member's next message is the comment (their own report only)."""
    member = member_touch(tg_id=tg_id)
    if not Report.objects.filter(pk=report_id, reporter=member, comment="").exists():
        return False
    awaiting_set(member_id=member.pk, what="moderation:comment", context={"report_id": report_id})
    return True


@transaction.atomic
def report_comment_save(*, member_id: int, report_id: int, text: str) -> bool:
    awaiting_clear(member_id=member_id)
    return bool(Report.objects.filter(pk=report_id, reporter_id=member_id).update(comment=text[:500]))
