"""Checks on what members type: a pseudonym must not reveal or reach anyone."""

from __future__ import annotations

import functools
import re
import zoneinfo

from accounts.keyboards import TIMEZONES
from core.messaging import button
from moderation.detector.personal import contact_details

PSEUDONYM_MIN, PSEUDONYM_MAX = 2, 24
BIO_MAX = 300

_ALLOWED = re.compile(r"^[\w\s.\-’'ё]+$", re.I)
# Roots of words that must not be a pseudonym (kept short; the moderation filter covers chat text).
_PROFANE_ROOTS = (
    "хуй",
    "хуе",
    "хую",
    "пизд",
    "ебан",
    "ебат",
    "ёбан",
    "бляд",
    "блят",
    "сука",
    "суки",
    "мудак",
    "гандон",
    "пидор",
    "пидар",
    "шлюх",
    "залуп",
    "fuck",
    "shit",
    "bitch",
)
_SPELLED_OUT = re.compile(r"(?<!\w)(\w)[\s.\-]+(?=\w(?!\w))")
_LOOKALIKE = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "m": "м", "3": "з", "0": "о", "6": "б", "@": "а", "*": ""})  # fmt: skip


class InvalidInput(ValueError):
    """Carries a template key that explains to the member what to change."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def clean_pseudonym(raw: str) -> str:
    value = " ".join((raw or "").split())
    if len(value) < PSEUDONYM_MIN:
        raise InvalidInput("too_short")
    if len(value) > PSEUDONYM_MAX:
        raise InvalidInput("too_long")
    contacts = contact_details(value)
    for kind in ("email", "handle", "link"):
        if kind in contacts:
            raise InvalidInput(kind)
    if contacts & {"phone", "card"} or sum(ch.isdigit() for ch in value) >= 5:
        raise InvalidInput("phone")
    if not _ALLOWED.match(value):
        raise InvalidInput("symbols")
    # "х у й" is read as one word; "Страх уйдёт" stays two.
    folded = _SPELLED_OUT.sub(r"\1", value.lower().translate(_LOOKALIKE))
    if any(root in folded for root in _PROFANE_ROOTS):
        raise InvalidInput("profanity")
    return value


def clean_bio(raw: str) -> str:
    value = (raw or "").strip()
    if len(value) > BIO_MAX:
        raise InvalidInput("bio_too_long")
    if contact_details(value):
        raise InvalidInput("bio_contacts")
    return value


_OFFSET = re.compile(r"^(utc|gmt|мск|msk)?([+-])(\d{1,2})(?::?00)?$", re.I)
_MOSCOW_OFFSET = 3


def clean_timezone(raw: str) -> str:
    """An IANA name ("Europe/Moscow"), an offset ("UTC+3", "+5", "МСК+4") or a city from the
    timezone buttons ("Новосибирск") → an IANA name."""
    value = (raw or "").strip()
    match = _OFFSET.match(value.replace(" ", ""))
    if match:
        base = _MOSCOW_OFFSET if (match.group(1) or "").lower() in ("мск", "msk") else 0
        hours = base + int(match.group(3)) * (1 if match.group(2) == "+" else -1)
        if not -12 <= hours <= 14:
            raise InvalidInput("timezone")
        if hours == 0:
            return "Etc/UTC"
        # POSIX-style Etc names have the inverted sign: UTC+3 is Etc/GMT-3.
        return f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    if value.lower() in ("utc", "gmt"):
        return "Etc/UTC"
    if value.lower() in ("мск", "msk"):
        return "Europe/Moscow"
    name = _iana_names().get(value.lower().replace(" ", "_")) or _city_names().get(
        value.lower().replace("ё", "е")
    )
    if name is None:
        raise InvalidInput("timezone")
    return name


@functools.cache
def _iana_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@functools.cache
def _city_names() -> dict[str, str]:
    """Cities named on the timezone buttons ("Москва, Петербург (UTC+3)"), lower-cased."""

    cities = {}
    for name in TIMEZONES:
        label = button(f"accounts.tz.{name}").split("(", 1)[0]
        for city in label.split(","):
            cities[city.strip().lower().replace("ё", "е")] = name
    return cities
