"""Reads of the moderation app."""

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
