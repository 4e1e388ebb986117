"""Reads of the coach app: who may get hints, and how hints are received."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Count, Q

from accounts.models import Member
from chats.models import ChatSession
from coach.models import AiHint, CoachSettings
from core import clock


def in_rollout(ref: str, percent: int) -> bool:
    """A stable share of members by the hash of their pseudonymous reference."""
    bucket = int.from_bytes(hashlib.sha256(f"coach:{ref}".encode()).digest()[:4], "big") % 100
    return bucket < percent


def member_may_get_hints(member: Member, settings: CoachSettings) -> bool:
    return (
        settings.enabled
        and member.coach_opt_in
        and member.is_reachable
        and not member.is_muted()
        and in_rollout(member.ref, settings.rollout_percent)
    )


def eligible_members(*, session_id: int) -> list[int]:
    """Ids of the session's members who get hints now (none when the session is over)."""
    session = (
        ChatSession.objects.filter(pk=session_id, status=ChatSession.Status.ACTIVE, ends_at__gt=clock.now())
        .select_related("member_a", "member_b")
        .first()
    )
    if session is None:
        return []
    settings = CoachSettings.load()
    return [m.pk for m in (session.member_a, session.member_b) if member_may_get_hints(m, settings)]


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
