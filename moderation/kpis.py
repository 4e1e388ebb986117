"""The figures of the KPI dashboard, over a date range and per A/B arm (reads only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, DateField, F, Q, Sum
from django.db.models.functions import Coalesce, Trunc

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
    # A conversation lasts until its last message, not until /end or the 24-hour timer: a pair that
    # said hello and went quiet talked for a minute, not for a day.
    duration = ended.aggregate(avg=Avg(Coalesce("last_message_at", "started_at") - F("started_at")))["avg"]
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
    minutes = duration.total_seconds() / 60 if duration is not None else None
    avg_tip = paid_tips.aggregate(a=Avg("amount"))["a"]
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
        "avg_tip": round(avg_tip, 1) if avg_tip is not None else None,
        "targets": [
            Target("Нашли собеседника за 24 ч", _ratio(matched_24h, search_count), 60, True),
            Target("Приняли предложение (accept_rate)", _ratio(confirmed, decided.count()), 40, True),
            Target(
                "Средняя длительность разговора",
                round(minutes, 1) if minutes is not None else None,
                10,
                True,
                "мин",
            ),
            Target("Разговоры с чаевыми", _ratio(tipped_sessions, ended.count()), 8, True),
            Target(
                "Средние чаевые (avg_tip)",
                round(avg_tip, 1) if avg_tip is not None else None,
                settings.KPI_AVG_TIP_TARGET,
                True,
                "⭐",
            ),
            Target("Разговоры с жалобой", _ratio(sessions_reported, session_count), 3, False),
        ],
    }


# The chart's resolution: days up to a quarter, weeks up to two years, months beyond.
BUCKETS = ((92, "day", dt.timedelta(days=1)), (731, "week", dt.timedelta(weeks=1)), (None, "month", None))


def first_day() -> dt.date | None:
    """The first day anything was counted (an indexed look-up per table): nothing happened before."""
    firsts = [
        queryset.order_by(field).values_list(field, flat=True).first()
        for queryset, field in (
            (Member.objects, "created_at"),
            (SearchRequest.objects, "created_at"),
            (ChatSession.objects, "started_at"),
            (Report.objects, "created_at"),
        )
    ]
    return min((first.astimezone(dt.UTC).date() for first in firsts if first), default=None)


def _bucket_starts(start: dt.date, end: dt.date, kind: str, step: dt.timedelta | None) -> list[dt.date]:
    if kind == "week":
        start -= dt.timedelta(days=start.weekday())
    elif kind == "month":
        start = start.replace(day=1)
    starts = []
    while start <= end:
        starts.append(start)
        if step:
            start += step
        else:
            start = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return starts


def daily(start: dt.date, end: dt.date, arm: str | None = None) -> tuple[str, list[dict]]:
    """New members, searches, sessions and reports per day, week or month (counted in SQL).

    Returns the bucket kind ("day", "week", "month") and one row per bucket; a long range gets
    coarser buckets, so the chart never has more than about a hundred bars.
    """
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    span = (end - start).days + 1
    kind, step = next((k, s) for limit, k, s in BUCKETS if limit is None or span <= limit)
    series = {
        d: {"day": d, "members": 0, "searches": 0, "sessions": 0, "reports": 0}
        for d in _bucket_starts(start, end, kind, step)
    }
    searches, sessions = SearchRequest.objects.all(), ChatSession.objects.all()
    if arm:
        searches, sessions = searches.filter(arm=arm), sessions.filter(match__arm=arm)
    for key, queryset, field in (
        ("members", Member.objects.all(), "created_at"),
        ("searches", searches, "created_at"),
        ("sessions", sessions, "started_at"),
        ("reports", Report.objects.all(), "created_at"),
    ):
        rows = (
            queryset.filter(Q(**{f"{field}__gte": since}) & Q(**{f"{field}__lt": until}))
            .annotate(bucket=Trunc(field, kind, output_field=DateField(), tzinfo=dt.UTC))
            .values("bucket")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            if row["bucket"] in series:
                series[row["bucket"]][key] = row["n"]
    return kind, list(series.values())
