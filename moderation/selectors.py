"""Reads of the moderation app."""

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from accounts.models import Member
from chats.models import ChatSession
from moderation.models import CrisisStep, Hotline, Report, SafetyFlag, Sanction, SanctionReason

DEFAULT_COUNTRY = "RU"  # the members' main market, for those who have not chosen a country yet
INTERNATIONAL = "ZZ"


def hotlines(*, country: str = "", member=None, tg_id: int | None = None) -> list[Hotline]:
    """Active crisis lines for a country (or a member's), else international resources."""
    if member is None and tg_id is not None:
        member = Member.objects.filter(tg_id=tg_id).only("country").first()
    if member is not None:
        country = country or member.country
    country = country or DEFAULT_COUNTRY
    lines = _active(country)
    if not lines and country != INTERNATIONAL:
        lines = _active(INTERNATIONAL)
    return lines or _active(DEFAULT_COUNTRY)


def _active(country: str) -> list[Hotline]:
    """A country's lines, adults' first: the service is 18+, children's lines come last (for parents)."""
    last = Case(When(audience=Hotline.Audience.CHILDREN, then=1), default=0)
    return list(Hotline.objects.filter(is_active=True, country=country).order_by(last, "order", "name"))


# A reporter whose reports moderators dismissed at least this often, and more often than they
# upheld them, sinks: their open reports come after others' of the same urgency.
SINK_AFTER_DISMISSED = 2


def _reporter_count(status: str) -> Coalesce:
    closed = (
        Report.objects.filter(reporter=OuterRef("reporter"), status=status)
        .order_by()
        .values("reporter")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(closed, output_field=IntegerField()), Value(0))


def _triage_keys() -> dict:
    """urgent (0 danger, 1 other), the reporter's dismissed and upheld reports, and sinks (0/1)."""
    dismissed = _reporter_count(Report.Status.DISMISSED)
    upheld = _reporter_count(Report.Status.RESOLVED)
    sinks = Case(
        When(
            GreaterThanOrEqual(dismissed, SINK_AFTER_DISMISSED),
            then=Case(When(GreaterThan(dismissed, upheld), then=1), default=0),
        ),
        default=0,
    )
    urgent = Case(When(reason=Report.Reason.DANGER, then=0), default=1)
    return {"urgent": urgent, "reporter_dismissed": dismissed, "reporter_upheld": upheld, "sinks": sinks}


def report_triage_ordering() -> list:
    """The order a moderator should work through reports in: danger first; within each, reports
    from members whose reports are repeatedly dismissed last; then the oldest (expressions, so
    any report queryset can use them, e.g. the admin's)."""
    keys = _triage_keys()
    return [keys["urgent"].asc(), keys["sinks"].asc(), F("created_at").asc()]


def reports_in_triage_order(reports: QuerySet | None = None) -> QuerySet:
    """Reports in triage order, annotated with `urgent`, `reporter_dismissed`, `reporter_upheld`
    and `sinks` for what the queue shows."""
    reports = Report.objects.all() if reports is None else reports
    return reports.annotate(**_triage_keys()).order_by("urgent", "sinks", "created_at")


def report_awaits_comment(*, tg_id: int, report_id: int) -> bool:
    """Whether this is the member's own report, still without a comment (the comment buttons)."""
    return Report.objects.filter(pk=report_id, reporter__tg_id=tg_id, comment="").exists()


def crisis_step_stats(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Crisis steps shown in [start, end) per tier: help opened, kept talking, "not about me", unanswered."""

    choices = {choice: Count("id", filter=Q(choice=choice)) for choice in CrisisStep.Choice.values}
    rows = (
        CrisisStep.objects.filter(shown_at__gte=start, shown_at__lt=end)
        .values("tier")
        .annotate(
            shown=Count("id"),
            unanswered=Count("id", filter=Q(choice="")),
            partner_cards=Count("id", filter=Q(partner_card_at__isnull=False)),
            **choices,
        )
        .order_by("tier")
    )
    labels = dict(CrisisStep.Tier.choices)
    return [{**row, "label": labels[row["tier"]]} for row in rows]


def sanction_reasons(*, case_reason: str = "", kind: str = "") -> list[SanctionReason]:
    """Active canned reasons for a case, the best first: those that fit the measure, the case's own,
    the measure's own, then in staff's order. The first one is the one to prefill.

    `case_reason` is a report's reason or a flag's kind; `kind` a Sanction.Kind (blank: any).
    """
    rows = SanctionReason.objects.filter(is_active=True, case_reason__in={case_reason, ""})
    return sorted(
        rows, key=lambda r: (r.kind not in (kind, ""), r.case_reason != case_reason, r.kind != kind)
    )


def member_summary(member) -> dict:
    """A member's case file at a glance: measures in force, reports both ways, flags, blocks, talks.

    Refs and counts only (analysts read it too); the open cases link to their case pages.
    """

    sanctions = member.sanctions.select_related("created_by", "appeal").order_by("-created_at")
    muted, banned = member.is_muted(), member.is_banned()
    # The columns carry the effect; the latest mute or ban is the decision behind it.
    in_force = [
        sanction
        for kind, active in ((Sanction.Kind.BAN, banned), (Sanction.Kind.MUTE, muted))
        if active and (sanction := sanctions.filter(kind=kind).first()) is not None
    ]
    open_ = ("new", "in_review")
    return {
        "member": member,
        "muted": muted,
        "banned": banned,
        "in_force": in_force,
        "sanctions": sanctions[:5],
        "sanction_count": sanctions.count(),
        "appeals_pending": member.appeals.filter(status="pending").count(),
        "reports_against": member.reports_received.count(),
        "reports_against_open": list(member.reports_received.filter(status__in=open_).order_by("created_at")),
        "reports_made": member.reports_made.count(),
        "reports_made_dismissed": member.reports_made.filter(status=Report.Status.DISMISSED).count(),
        "flags": member.safety_flags.count(),
        "flags_open": list(member.safety_flags.filter(status__in=SafetyFlag.OPEN).order_by("-severity")),
        "blocked_by": member.blocks_received.count(),
        "blocks_made": member.blocks_made.count(),
        "sessions": ChatSession.objects.filter(Q(member_a=member) | Q(member_b=member)).count(),
        "ratings": member.ratings_count,
        "helpfulness": member.helpfulness,
    }
