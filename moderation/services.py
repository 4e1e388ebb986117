"""Writes of the moderation app: blocks and reports from members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from rq import Retry

from accounts.services import member_touch
from chats import services as chats_services
from chats.models import ChatSession
from core import clock
from moderation import metrics
from moderation.models import Appeal, Block, Report, SafetyFlag, Sanction

REPORT_WINDOW = dt.timedelta(hours=24)
EVIDENCE_KEEP = dt.timedelta(days=90)
# Reports can't be weaponised: one report never sanctions or hides anyone. It ends the reporter's
# own conversation and keeps that pair apart (like a block); the member stays in matching. Only
# reports from this many *different* members within the window raise a flag for moderators, and
# still no automatic measure: people decide. Automatic measures come from the detector alone
# (toxic_mute, crisis_flag), never from what members say about each other.
REPORTERS_TO_FLAG = 2
REPORTERS_WINDOW = dt.timedelta(days=7)


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
    partner_id = session.member_b_id if session.member_a_id == member.pk else session.member_a_id
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
    partner_id = session.member_b_id if session.member_a_id == member.pk else session.member_a_id
    report = Report.objects.create(reporter=member, reported_id=partner_id, session=session, reason=reason)
    if evidence is not None:  # the one message the member chose to show (kept 90 days)
        report.evidence_text, report.evidence_kind = evidence
        report.evidence_purge_at = clock.now() + EVIDENCE_KEEP
        report.save(update_fields=["evidence_text", "evidence_kind", "evidence_purge_at"])
    metrics.reports_total.labels(reason).inc()
    if reason == Report.Reason.DANGER:
        _alert_on_commit("report", report.pk)
    _flag_repeated_reports(reported_id=partner_id)
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


# --- member safety: filters, automatic mute, crisis flags, appeals -------------------------------

TOXIC_LIMIT = 3  # blocked messages…
TOXIC_WINDOW = dt.timedelta(minutes=10)  # …within this window
AUTO_MUTE = dt.timedelta(hours=1)
AUTO_MUTE_PAGE_EVERY = dt.timedelta(hours=1)  # moderators are paged on the first of a member's mutes


@dataclass
class MuteNotice:
    sanction_id: int
    until: dt.datetime
    timezone: str
    reason: str


def _open_flag(*, member_id: int, session_id: int | None, kind: str, severity: int, details: str):
    """A new flag, or the open one of the same kind for the same session (no pile of duplicates)."""
    existing = (
        SafetyFlag.objects.select_for_update()
        .filter(member_id=member_id, kind=kind, session_id=session_id, status__in=SafetyFlag.OPEN)
        .first()
    )
    if existing is not None:
        return existing, False
    flag = SafetyFlag.objects.create(
        member_id=member_id, session_id=session_id, kind=kind, severity=severity, details=details[:200]
    )
    metrics.safety_flags_total.labels(kind).inc()
    return flag, True


def _flag_repeated_reports(*, reported_id: int) -> None:
    """Reports from REPORTERS_TO_FLAG different members within the window (dismissed ones aside): one
    open «repeated reports» flag for moderators, its details kept current. Nothing else happens."""
    reporters = (
        Report.objects.filter(reported_id=reported_id, created_at__gte=clock.now() - REPORTERS_WINDOW)
        .exclude(status=Report.Status.DISMISSED)
        .values("reporter_id")
        .distinct()
        .count()
    )
    if reporters < REPORTERS_TO_FLAG:
        return
    details = f"Жалобы от {reporters} разных участников за {REPORTERS_WINDOW.days} дней"
    # In the queue, not paged (pages are for danger); HIGH would mean "in crisis" to matching.
    flag, created = _open_flag(
        member_id=reported_id,
        session_id=None,
        kind=SafetyFlag.Kind.REPORTS,
        severity=SafetyFlag.Severity.MEDIUM,
        details=details,
    )
    if not created and flag.details != details:
        flag.details = details
        flag.save(update_fields=["details"])


def _alert_on_commit(kind: str, object_id: int) -> None:
    import django_rq

    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue(
            "moderation.tasks.alert_moderators", kind, object_id, retry=Retry(max=3, interval=[10, 60, 300])
        )
    )


@transaction.atomic
def toxic_mute(*, member_id: int, session_id: int | None, categories: list[str]) -> MuteNotice:
    """The third blocked message in 10 minutes: a 1 h mute, on record, and a flag for moderators."""
    from accounts.models import Member

    member = Member.objects.select_for_update().get(pk=member_id)
    now = clock.now()
    until = max(member.muted_until or now, now + AUTO_MUTE)
    reason = render_reason("moderation/reason_auto_mute", {"categories": categories})
    sanction = Sanction.objects.create(member=member, kind=Sanction.Kind.MUTE, reason=reason, until=until)
    flag, _ = _open_flag(
        member_id=member_id,
        session_id=session_id,
        kind=SafetyFlag.Kind.TOXICITY,
        severity=SafetyFlag.Severity.MEDIUM,
        details=f"{TOXIC_LIMIT} сообщения не переданы фильтром за 10 минут: {', '.join(sorted(categories))}",
    )
    sanction.flag = flag
    sanction.notified_at = now
    sanction.save(update_fields=["flag", "notified_at"])
    member.muted_until = until
    member.save(update_fields=["muted_until"])
    metrics.sanctions_total.labels(Sanction.Kind.MUTE).inc()
    # Moderators hear of automatic mutes too, at most once per member per hour (the member row
    # is locked above, so two mutes at once cannot both decide they are the first).
    paged_lately = (
        Sanction.objects.filter(
            member=member,
            kind=Sanction.Kind.MUTE,
            created_by=None,
            created_at__gte=now - AUTO_MUTE_PAGE_EVERY,
        )
        .exclude(pk=sanction.pk)
        .exists()
    )
    if not paged_lately:
        _alert_on_commit("mute", sanction.pk)
    return MuteNotice(sanction.pk, until, member.timezone, reason)


def render_reason(template: str, context: dict) -> str:
    from core.messaging import render

    return render(template, context)


@transaction.atomic
def crisis_flag(*, member_id: int, session_id: int | None) -> bool:
    """Crisis language in a chat: a high-risk flag (one per session) and moderators alerted."""
    flag, created = _open_flag(
        member_id=member_id,
        session_id=session_id,
        kind=SafetyFlag.Kind.CRISIS,
        severity=SafetyFlag.Severity.HIGH,
        details="Кризисные слова в разговоре (текст не хранится)",
    )
    if created:
        _alert_on_commit("flag", flag.pk)
    return created


def mute_notice(*, member_id: int) -> MuteNotice | None:
    """The member's current mute, with the sanction to appeal (None when not muted)."""
    from accounts.models import Member

    member = Member.objects.get(pk=member_id)
    now = clock.now()
    if not member.is_muted(now):
        return None
    sanction = (
        Sanction.objects.filter(member=member, kind=Sanction.Kind.MUTE, until__gt=now)
        .order_by("-created_at")
        .first()
    )
    return MuteNotice(
        sanction.pk if sanction else 0,
        member.muted_until,
        member.timezone,
        sanction.reason if sanction else "",
    )


@dataclass
class AppealOutcome:
    reason: str  # "ask" | "saved" | "stale" | "already" | "over"
    sanction_id: int | None = None


def _appealable(member_id: int, sanction_id: int) -> tuple[Sanction | None, str]:
    sanction = Sanction.objects.filter(pk=sanction_id, member_id=member_id).first()
    if sanction is None or sanction.kind in (Sanction.Kind.LIFT,):
        return None, "stale"
    if Appeal.objects.filter(sanction=sanction).exists():
        return None, "already"
    if sanction.kind != Sanction.Kind.WARN and sanction.until is not None and sanction.until <= clock.now():
        return None, "over"
    return sanction, ""


@transaction.atomic
def appeal_start(*, tg_id: int, sanction_id: int) -> AppealOutcome:
    """The «Обжаловать» button: the member's next message is the appeal."""
    from accounts.onboarding import awaiting_set

    member = member_touch(tg_id=tg_id)
    sanction, refusal = _appealable(member.pk, sanction_id)
    if sanction is None:
        return AppealOutcome(refusal)
    awaiting_set(member_id=member.pk, what="moderation:appeal", context={"sanction_id": sanction.pk})
    return AppealOutcome("ask", sanction.pk)


@transaction.atomic
def appeal_create(*, member_id: int, sanction_id: int, text: str) -> AppealOutcome:
    from accounts.onboarding import awaiting_clear

    awaiting_clear(member_id=member_id)
    sanction, refusal = _appealable(member_id, sanction_id)
    if sanction is None:
        return AppealOutcome(refusal)
    appeal = Appeal.objects.create(sanction=sanction, member_id=member_id, text=text[:2000])
    _alert_on_commit("appeal", appeal.pk)
    return AppealOutcome("saved", sanction.pk)


# --- staff actions: sanctions, appeals, triage ------------------------------------------------------

SANCTION_DURATIONS = {
    "mute_1h": (Sanction.Kind.MUTE, dt.timedelta(hours=1)),
    "mute_24h": (Sanction.Kind.MUTE, dt.timedelta(hours=24)),
    "mute_7d": (Sanction.Kind.MUTE, dt.timedelta(days=7)),
    "ban_7d": (Sanction.Kind.BAN, dt.timedelta(days=7)),
    "ban_30d": (Sanction.Kind.BAN, dt.timedelta(days=30)),
    "ban_forever": (Sanction.Kind.BAN, None),
    "warn": (Sanction.Kind.WARN, None),
    "lift": (Sanction.Kind.LIFT, None),
}


def escalation_for(member_id: int) -> str:
    """What history suggests next: nothing → warn → mute 24 h → ban 7 days → ban for good."""
    kinds = list(
        Sanction.objects.filter(member_id=member_id)
        .exclude(kind=Sanction.Kind.LIFT)
        .exclude(appeal__status="overturned")
        .values_list("kind", flat=True)
    )
    bans, mutes = kinds.count(Sanction.Kind.BAN), kinds.count(Sanction.Kind.MUTE)
    if bans:
        return "ban_forever"
    if mutes:
        return "ban_7d"
    if kinds:
        return "mute_24h"
    return "warn"


def _notify_on_commit(sanction_id: int) -> None:
    import django_rq

    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue(
            "moderation.tasks.sanction_notify", sanction_id, retry=Retry(max=3, interval=[10, 60, 300])
        )
    )


@transaction.atomic
def sanction_apply(*, member_id: int, choice: str, reason: str, by, report=None, flag=None) -> Sanction:
    """A moderator's decision: the member's columns carry the effect, the row is the record.

    A ban ends the member's conversation and search; the member is told (reason, end time, appeal).
    """
    from accounts.models import Member
    from matching import services as matching_services

    if not reason.strip():
        raise ValueError("a sanction needs a reason the member will read")
    kind, duration = SANCTION_DURATIONS[choice]
    member = Member.objects.select_for_update().get(pk=member_id)
    now = clock.now()
    until = now + duration if duration else None
    if kind == Sanction.Kind.MUTE:
        member.muted_until = until
    elif kind == Sanction.Kind.BAN:
        member.status, member.banned_until = Member.Status.BANNED, until
    elif kind == Sanction.Kind.LIFT:
        member.muted_until = None
        if member.status == Member.Status.BANNED:
            member.status, member.banned_until = Member.Status.ACTIVE, None
    member.save(update_fields=["muted_until", "status", "banned_until"])
    sanction = Sanction.objects.create(
        member=member, kind=kind, reason=reason.strip(), until=until, created_by=by, report=report, flag=flag
    )
    if kind == Sanction.Kind.BAN:
        notices = chats_services.session_end(member_id=member.pk, reason=ChatSession.EndReason.MODERATION)
        _deliver_on_commit(notices)
        matching_services.search_stop(member_id=member.pk)
    metrics.sanctions_total.labels(kind).inc()
    _notify_on_commit(sanction.pk)
    return sanction


def _deliver_on_commit(notices) -> None:
    import dataclasses

    import django_rq

    if notices:
        payload = [dataclasses.asdict(n) for n in notices]
        transaction.on_commit(lambda: django_rq.get_queue("telegram").enqueue("chats.tasks.notify", payload))


def appeal_decidable_by(appeal: Appeal, user) -> bool:
    """Four eyes: the moderator who imposed a sanction never decides its appeal."""
    return appeal.sanction.created_by_id is None or appeal.sanction.created_by_id != user.pk


@transaction.atomic
def appeal_decide(*, appeal_id: int, overturn: bool, note: str, by) -> Appeal:
    """Uphold or overturn; overturning lifts the sanction's effect. The member hears either way."""
    import django_rq

    appeal = Appeal.objects.select_for_update().select_related("sanction").get(pk=appeal_id)
    if appeal.status != Appeal.Status.PENDING:
        return appeal
    if not appeal_decidable_by(appeal, by):
        raise PermissionDenied("Обжалование решает другой модератор, не тот, кто применил меру.")
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decision_note, appeal.decided_by, appeal.decided_at = note.strip(), by, clock.now()
    appeal.save()
    if overturn and appeal.sanction.kind in (Sanction.Kind.MUTE, Sanction.Kind.BAN):
        from accounts.models import Member

        member = Member.objects.select_for_update().get(pk=appeal.member_id)
        if appeal.sanction.kind == Sanction.Kind.MUTE:
            member.muted_until = None
        elif member.status == Member.Status.BANNED:
            member.status, member.banned_until = Member.Status.ACTIVE, None
        member.save(update_fields=["muted_until", "status", "banned_until"])
    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue("moderation.tasks.appeal_notify", appeal.pk)
    )
    return appeal


@transaction.atomic
def report_comment_start(*, tg_id: int, report_id: int) -> bool:
    """«Добавить комментарий»: the member's next message is the comment (their own report only)."""
    from accounts.onboarding import awaiting_set

    member = member_touch(tg_id=tg_id)
    if not Report.objects.filter(pk=report_id, reporter=member, comment="").exists():
        return False
    awaiting_set(member_id=member.pk, what="moderation:comment", context={"report_id": report_id})
    return True


@transaction.atomic
def report_comment_save(*, member_id: int, report_id: int, text: str) -> bool:
    from accounts.onboarding import awaiting_clear

    awaiting_clear(member_id=member_id)
    return bool(Report.objects.filter(pk=report_id, reporter_id=member_id).update(comment=text[:500]))


@transaction.atomic
def case_take(*, case: Report | SafetyFlag, by, take_over: bool = False) -> bool:
    """Claim a report or flag. Someone else's claim is a lock: taken over only when asked to."""
    case = type(case).objects.select_for_update().get(pk=case.pk)
    if case.status not in ("new", "in_review"):
        return False
    if case.assignee_id not in (None, by.pk) and not take_over:
        return False
    case.status, case.assignee = "in_review", by
    case.save(update_fields=["status", "assignee"])
    return True


@transaction.atomic
def case_close(
    *, case: Report | SafetyFlag, by, dismiss: bool = False, measure: str = "", reason: str = ""
) -> Sanction | None:
    """Resolve (or dismiss) a case; a measure is applied to the member first and linked to the case."""
    case = type(case).objects.select_for_update().get(pk=case.pk)
    sanction = None
    if measure:
        member_id = case.reported_id if isinstance(case, Report) else case.member_id
        link = {"report": case} if isinstance(case, Report) else {"flag": case}
        sanction = sanction_apply(member_id=member_id, choice=measure, reason=reason, by=by, **link)
    case.status = "dismissed" if dismiss else "resolved"
    case.resolved_at, case.assignee = clock.now(), case.assignee or by
    case.save(update_fields=["status", "resolved_at", "assignee"])
    if isinstance(case, Report):  # the reporter hears that it was handled, not how
        import django_rq

        transaction.on_commit(
            lambda: django_rq.get_queue("telegram").enqueue("moderation.tasks.report_closed_notify", case.pk)
        )
    return sanction
