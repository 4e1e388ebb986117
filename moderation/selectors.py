"""Reads of the moderation app."""

from moderation.models import Hotline


def hotlines(*, country: str = "RU") -> list[Hotline]:
    lines = list(Hotline.objects.filter(is_active=True, country=country))
    return lines or list(Hotline.objects.filter(is_active=True, country="RU"))
