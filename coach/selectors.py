"""Reads of the coach app: who may get hints, and how hints are received."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Count, Q

from accounts.models import Member
from chats.models import ChatSession
from coach.models import AiHint, CoachSettings
from core import clock
from core.redis import connection


def in_rollout(ref: str, percent: int) -> bool:
    """A stable share of members by the hash of their pseudonymous reference."""
    bucket = int.from_bytes(hashlib.sha256(f"coach:{ref}".encode()).digest()[:4], "big") % 100
    return bucket < percent


def member_may_get_hints(member: Member, *, enabled: bool, percent: int) -> bool:
    return (
        enabled
        and member.coach_opt_in
        and member.is_reachable
        and not member.is_muted()
        and in_rollout(member.ref, percent)
    )


SWITCH_KEY = "coach:switch"
SWITCH_TTL_SECONDS = 30


def switch_from_cache(cached: bytes) -> tuple[bool, int]:
    """The switch and rollout share as cached under SWITCH_KEY."""
    enabled, percent = cached.decode().split(":")
    return enabled == "1", int(percent)


def coach_switch() -> tuple[bool, int]:
    """The global switch and rollout share, cached in Redis so a switched-off coach costs no query."""

    cached = connection().get(SWITCH_KEY)
    if cached is not None:
        return switch_from_cache(cached)
    settings = CoachSettings.load()
    connection().set(SWITCH_KEY, f"{int(settings.enabled)}:{settings.rollout_percent}", ex=SWITCH_TTL_SECONDS)
    return settings.enabled, settings.rollout_percent


def eligible_members(*, session_id: int) -> list[int]:
    """Ids of the session's members who get hints now (none when the session is over)."""
    enabled, percent = coach_switch()
    if not enabled or percent == 0:
        return []
    session = (
        ChatSession.objects.filter(pk=session_id, status=ChatSession.Status.ACTIVE, ends_at__gt=clock.now())
        .select_related("member_a", "member_b")
        .first()
    )
    if session is None:
        return []
    members = (session.member_a, session.member_b)
    return [m.pk for m in members if member_may_get_hints(m, enabled=enabled, percent=percent)]


def coach_available(member: Member) -> bool:
    """Whether hints reach this member once opted in (the global switch and the rollout)."""
    settings = CoachSettings.load()
    return settings.enabled and in_rollout(member.ref, settings.rollout_percent)


def _rates(rows) -> list[dict]:
    result = []
    for row in rows:
        delivered = row["shown"] + row["used"] + row["hidden"]
        result.append(
            {
                **row,
                "delivered": delivered,
                "acceptance": round(row["used"] / delivered, 3) if delivered else None,
            }
        )
    return result


def hint_stats(start: dt.datetime, end: dt.datetime) -> dict[str, list[dict]]:
    """Hints created in [start, end): counts and acceptance (used / delivered) per provider and situation."""
    hints = AiHint.objects.filter(created_at__gte=start, created_at__lt=end)
    counts = {
        status: Count("id", filter=Q(status=status)) for status in ("shown", "used", "hidden", "dropped")
    }
    by_provider = hints.values("provider").annotate(total=Count("id"), **counts).order_by("provider")
    by_situation = hints.values("situation").annotate(total=Count("id"), **counts).order_by("situation")
    return {"by_provider": _rates(by_provider), "by_situation": _rates(by_situation)}
