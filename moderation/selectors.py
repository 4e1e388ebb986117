"""Reads of the moderation app."""

import datetime as dt

from moderation.models import Hotline

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
    lines = list(Hotline.objects.filter(is_active=True, country=country))
    if not lines and country != INTERNATIONAL:
        lines = list(Hotline.objects.filter(is_active=True, country=INTERNATIONAL))
    return lines or list(Hotline.objects.filter(is_active=True, country=DEFAULT_COUNTRY))


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
