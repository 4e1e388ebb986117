"""Reads of the moderation app."""

import datetime as dt

from django.db.models import Case, When

from moderation.models import Hotline, Report, SafetyFlag, Sanction, SanctionReason

DEFAULT_COUNTRY = "RU"  # the members' main market, for those who have not chosen a country yet
INTERNATIONAL = "ZZ"


def hotlines(*, country: str = "", member=None, tg_id: int | None = None) -> list[Hotline]:
    """Active crisis lines for a country (or a member's), else international resources."""
    if member is None and tg_id is not None:
        from accounts.models import Member

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


def report_awaits_comment(*, tg_id: int, report_id: int) -> bool:
    """Whether this is the member's own report, still without a comment (the comment buttons)."""
    return Report.objects.filter(pk=report_id, reporter__tg_id=tg_id, comment="").exists()


def crisis_step_stats(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Crisis steps shown in [start, end) per tier: help opened, kept talking, "not about me", unanswered."""
    from django.db.models import Count, Q

    from moderation.models import CrisisStep

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
    from django.db.models import Q

    from chats.models import ChatSession

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
