"""Pair eligibility and score: 0.6 · topic overlap + 0.2 · time overlap + 0.2 · helpfulness
(weights and the timezone gap are `Rules`, edited in admin) + 0.1 · how well their expectations
meet, times a discount when neither side is in a steadier place (topic sensitivity, "strain")."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

DAY_PARTS = {"morning", "day", "evening", "night"}
DAY_KINDS = {"weekdays", "weekends"}
# How hard a member's topics are for them now (Preferences.sensitivity) → strain 0, 1, 2.
STRAIN = {"light": 0, "difficult": 1, "very_hard": 2}
VERY_HARD = 2
# Score factor by the steadier side's strain: a pair is preferred when at least one side is
# light; two people for whom it is very hard right now are proposed only when nothing better fits.
STRAIN_FACTOR = (1.0, 0.9, 0.75)


@dataclass(frozen=True)
class Rules:
    """The score's weights and the widest timezone gap a pair may have (spec: 0.6/0.2/0.2, ≤ 3 h)."""

    topics: float = 0.6
    time: float = 0.2
    helpfulness: float = 0.2
    max_tz_gap_hours: float = 3.0
    # The spec makes expectations a matching signal: a small term on top of the 0.6/0.2/0.2.
    expectations: float = 0.1


SPEC_RULES = Rules()


@dataclass(frozen=True)
class Candidate:
    """What the round knows about one waiting member (no personal data beyond the profile)."""

    member_id: int
    search_id: int
    topics: frozenset[int]
    timezone: str
    availability: frozenset[str]
    helpfulness: float
    strict: bool
    high_risk: bool = False
    requeued: bool = False
    strain: int = 0  # 0 light (or not said), 1 difficult, 2 very hard
    expectations: frozenset[str] = frozenset()  # accounts.Member.Expectation values


# What one side wants that the other offers (either way round): someone who needs to speak out
# and someone ready to listen, advice and lived experience, support and listening or sharing.
_FITS = frozenset(
    frozenset(pair)
    for pair in (
        ("vent", "listen"),
        ("advice", "share"),
        ("support", "listen"),
        ("support", "share"),
        ("support", "support"),
        ("share", "share"),
        ("friendship", "friendship"),
    )
)


def expectation_fit(a: frozenset[str], b: frozenset[str]) -> float:
    """1 when what one wants meets what the other offers, 0.5 when either said nothing, else 0."""
    if not a or not b:
        return 0.5
    return 1.0 if any(frozenset((x, y)) in _FITS for x in a for y in b) else 0.0


@lru_cache(maxsize=512)
def utc_offset_hours(name: str) -> float:
    try:
        offset = dt.datetime.now(zoneinfo.ZoneInfo(name)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0.0
    return offset.total_seconds() / 3600 if offset else 0.0


def tz_gap_hours(a: str, b: str) -> float:
    return abs(utc_offset_hours(a) - utc_offset_hours(b))


def time_overlap(a: Candidate, b: Candidate, *, max_gap: float = SPEC_RULES.max_tz_gap_hours) -> float:
    """0..1: shared parts of the day and kinds of day, discounted by the timezone gap."""
    gap = tz_gap_hours(a.timezone, b.timezone)
    if gap > max_gap:
        return 0.0
    parts_a, parts_b = a.availability & DAY_PARTS, b.availability & DAY_PARTS
    kinds_a, kinds_b = a.availability & DAY_KINDS, b.availability & DAY_KINDS
    if parts_a and parts_b and not parts_a & parts_b:
        return 0.0
    if kinds_a and kinds_b and not kinds_a & kinds_b:
        return 0.0
    parts = len(parts_a & parts_b) / len(parts_a | parts_b) if parts_a and parts_b else 0.5
    return parts * (1 - gap / (2 * max_gap)) if max_gap else parts


def score(
    a: Candidate, b: Candidate, *, high_topics: frozenset[int] = frozenset(), rules: Rules = SPEC_RULES
) -> float | None:
    """The pair's score, or None when the pair must not be proposed."""
    shared = a.topics & b.topics
    needed = 2 if (a.strict or b.strict) else 1
    if len(shared) < needed:
        return None
    if a.high_risk and b.high_risk:
        return None  # crisis-aware pairing: never two people in acute crisis
    if (a.high_risk and b.strain == VERY_HARD) or (b.high_risk and a.strain == VERY_HARD):
        return None  # nor someone in acute crisis with someone for whom it is very hard now
    if len(shared) == 1 and shared <= high_topics:
        return None  # a single shared topic that is a crisis topic for both
    overlap = time_overlap(a, b, max_gap=rules.max_tz_gap_hours)
    if overlap <= 0:
        return None
    topics = min(len(shared) / 5, 1.0)
    helpfulness = (a.helpfulness + b.helpfulness) / 2
    factor = STRAIN_FACTOR[min(a.strain, b.strain)]
    fit = expectation_fit(a.expectations, b.expectations)
    base = rules.topics * topics + rules.time * overlap + rules.helpfulness * helpfulness
    return round(factor * (base + rules.expectations * fit), 6)
