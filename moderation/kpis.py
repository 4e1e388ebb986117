"""The figures of the KPI dashboard, over a date range and per A/B arm (reads only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import TruncDate

from accounts.models import Member
from chats.models import ChatSession, Rating
from core import clock
from matching.models import Proposal, SearchRequest
from moderation.models import Report, SafetyFlag, Sanction
from tips.models import Tip


@dataclass(frozen=True)
class Target:
    """One of the seed's success KPIs: its value, its target and which side is good."""

    title: str
    value: float | None
    target: float
    at_least: bool  # True: value ≥ target is good; False: value ≤ target is good
    unit: str = "%"

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.target if self.at_least else self.value <= self.target


def _ratio(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _percentiles(start: dt.datetime, end: dt.datetime, arm: str | None) -> tuple[float | None, float | None]:
    """Time from /find to the first proposal, p50 and p95, in seconds."""
    sql = (
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.95) WITHIN GROUP (ORDER BY d)"
        " FROM (SELECT EXTRACT(EPOCH FROM first_proposal_at - created_at) AS d"
        f" FROM {SearchRequest._meta.db_table} WHERE first_proposal_at IS NOT NULL"
        " AND created_at >= %s AND created_at < %s" + (" AND arm = %s" if arm else "") + ") t"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end, arm] if arm else [start, end])
        p50, p95 = cursor.fetchone()
    return p50, p95


def figures(start: dt.date, end: dt.date, arm: str | None = None) -> dict:
    """Everything the dashboard shows for [start, end] (dates inclusive), optionally one arm."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    in_range = {"created_at__gte": since, "created_at__lt": until}
    searches = SearchRequest.objects.filter(**in_range)
    proposals = Proposal.objects.filter(**in_range)
    sessions = ChatSession.objects.filter(started_at__gte=since, started_at__lt=until)
    if arm:
        searches = searches.filter(arm=arm)
        proposals = proposals.filter(arm=arm)
        sessions = sessions.filter(match__arm=arm)
    members = Member.objects.filter(**in_range)
    now = clock.now()
    decided = proposals.filter(status__in=["confirmed", "declined", "expired"])
    confirmed = proposals.filter(status="confirmed").count()
    ended = sessions.filter(ended_at__isnull=False)
    duration = ended.aggregate(avg=Avg(F("ended_at") - F("started_at")))["avg"]
    session_count = sessions.count()
    matched_24h = searches.filter(
        status="matched", ended_at__isnull=False, ended_at__lte=F("created_at") + dt.timedelta(hours=24)
    ).count()
    search_count = searches.count()
    reports = Report.objects.filter(**in_range)
    sessions_reported = reports.exclude(session=None).values("session").distinct().count()
    paid_tips = Tip.objects.filter(status="paid", paid_at__gte=since, paid_at__lt=until)
    if arm:
        paid_tips = paid_tips.filter(session__match__arm=arm)
    tipped_sessions = paid_tips.values("session").distinct().count()
    p50, p95 = _percentiles(since, until, arm)
    minutes = duration.total_seconds() / 60 if duration else None
    ratings = Rating.objects.filter(session__in=sessions)
    return {
        "new_members": members.count(),
        "dau": Member.objects.filter(last_seen_at__gte=now - dt.timedelta(days=1)).count(),
        "wau": Member.objects.filter(last_seen_at__gte=now - dt.timedelta(days=7)).count(),
        "searches": search_count,
        "proposals": proposals.count(),
        "acceptance": _ratio(confirmed, decided.count()),
        "ttp_p50": p50,
        "ttp_p95": p95,
        "sessions": session_count,
        "duration_minutes": round(minutes, 1) if minutes is not None else None,
        "rating": round(ratings.aggregate(a=Avg("score"))["a"] or 0, 2) or None,
        "reports": reports.count(),
        "reports_per_100": round(100 * reports.count() / session_count, 1) if session_count else None,
        "flags": SafetyFlag.objects.filter(**in_range).count(),
        "high_flags": SafetyFlag.objects.filter(**in_range, severity=SafetyFlag.Severity.HIGH).count(),
        "sanctions": Sanction.objects.filter(**in_range).count(),
        "tips": paid_tips.count(),
        "stars": paid_tips.aggregate(s=Sum("amount"))["s"] or 0,
        "targets": [
            Target("Нашли собеседника за 24 ч", _ratio(matched_24h, search_count), 60, True),
            Target("Приняли предложение", _ratio(confirmed, decided.count()), 40, True),
            Target("Средняя длительность разговора", round(minutes, 1) if minutes else None, 10, True, "мин"),
            Target("Разговоры с чаевыми", _ratio(tipped_sessions, ended.count()), 8, True),
            Target("Разговоры с жалобой", _ratio(sessions_reported, session_count), 3, False),
        ],
    }


def daily(start: dt.date, end: dt.date) -> list[dict]:
    """Per day: new members, searches, sessions, reports (for the charts)."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    series: dict[dt.date, dict] = {}
    day = start
    while day <= end:
        series[day] = {"day": day, "members": 0, "searches": 0, "sessions": 0, "reports": 0}
        day += dt.timedelta(days=1)
    for key, queryset, field in (
        ("members", Member.objects, "created_at"),
        ("searches", SearchRequest.objects, "created_at"),
        ("sessions", ChatSession.objects, "started_at"),
        ("reports", Report.objects, "created_at"),
    ):
        rows = (
            queryset.filter(Q(**{f"{field}__gte": since}) & Q(**{f"{field}__lt": until}))
            .annotate(day=TruncDate(field, tzinfo=dt.UTC))
            .values("day")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            if row["day"] in series:
                series[row["day"]][key] = row["n"]
    return list(series.values())
