"""Reads for the dashboard's «Did it help?» section: mood before/after per topic and A/B arm,
loneliness cohort curves, silent starts. Pseudonymous counts only; nothing names a member."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from django.db import connection

from accounts.models import LonelinessCheck, Member, Topic
from chats.models import ChatSession, MoodCheck
from core import clock
from matching.models import Match, Proposal

ARMS = ("strict", "soft", "mixed")  # "mixed": the two members were in different arms
COHORT_YEARS = dt.timedelta(days=365)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _tally(rows) -> dict:
    answered = len(rows)
    better = sum(1 for before, after in rows if after > before)
    worse = sum(1 for before, after in rows if after < before)
    return {
        "answered": answered,
        "better": better,
        "same": answered - better - worse,
        "worse": worse,
        "better_share": _share(better, answered),
    }


def mood_change(since: dt.datetime, until: dt.datetime) -> dict:
    """Chats started in [since, until) where a member answered «как вы сейчас?» both before and
    after: how many felt better (after > before), in all, per A/B arm and per shared topic."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.arm, p.shared_topic_ids, b.score, a.score"
            f" FROM {MoodCheck._meta.db_table} b"
            f" JOIN {MoodCheck._meta.db_table} a ON a.session_id = b.session_id"
            "  AND a.member_id = b.member_id AND a.phase = %s"
            f" JOIN {ChatSession._meta.db_table} s ON s.id = b.session_id"
            f" JOIN {Match._meta.db_table} m ON m.id = s.match_id"
            f" LEFT JOIN {Proposal._meta.db_table} p ON p.match_id = m.id"
            " WHERE b.phase = %s AND s.started_at >= %s AND s.started_at < %s",
            [MoodCheck.Phase.AFTER, MoodCheck.Phase.BEFORE, since, until],
        )
        rows = cursor.fetchall()
    by_arm: dict[str, list] = defaultdict(list)
    by_topic: dict[int, list] = defaultdict(list)
    for arm, topic_ids, before, after in rows:
        by_arm[arm].append((before, after))
        # Django's connection reads jsonb as text; a reconnect has no proposal (no topics).
        for topic_id in json.loads(topic_ids) if isinstance(topic_ids, str) else topic_ids or []:
            by_topic[topic_id].append((before, after))
    titles = dict(Topic.objects.filter(pk__in=list(by_topic)).values_list("pk", "title"))
    topics = [{"title": titles.get(pk, "—"), **_tally(pairs)} for pk, pairs in by_topic.items()]
    topics.sort(key=lambda row: (-row["answered"], row["title"]))
    return {
        "all": _tally([(b, a) for _, _, b, a in rows]),
        "arms": {arm: _tally(by_arm.get(arm, [])) for arm in ARMS},
        "topics": topics,
    }


def silent_starts(since: dt.datetime, until: dt.datetime) -> dict:
    """Chats started in [since, until) where nobody wrote for 3 minutes (a starter was sent),
    and how many of those began after it; in all and per A/B arm."""

    def count(sessions) -> dict:
        silent = sessions.filter(starter_sent_at__isnull=False)
        began = silent.filter(first_message_at__isnull=False).count()
        total, silent_n = sessions.count(), silent.count()
        return {
            "sessions": total,
            "silent": silent_n,
            "began_after": began,
            "began_share": _share(began, silent_n),
        }

    sessions = ChatSession.objects.filter(started_at__gte=since, started_at__lt=until)
    return {"all": count(sessions), "arms": {arm: count(sessions.filter(match__arm=arm)) for arm in ARMS}}


def loneliness_cohorts(since: dt.datetime, until: dt.datetime) -> dict:
    """Members who finished the profile in [since, until), by month: the mean loneliness score
    (3–9, lower is better) and the share still active at day 0, 30, 60 and 90."""
    now = clock.now()
    members = Member.objects.filter(onboarded_at__gte=since, onboarded_at__lt=until)
    cohorts: dict[dt.date, list] = defaultdict(list)
    for member_id, onboarded_at, last_seen_at in members.values_list("pk", "onboarded_at", "last_seen_at"):
        cohorts[onboarded_at.astimezone(dt.UTC).date().replace(day=1)].append(
            (member_id, onboarded_at, last_seen_at)
        )
    scores = {
        (row["member_id"], row["wave"]): row["score"]
        for row in LonelinessCheck.objects.filter(member__in=members, score__isnull=False).values(
            "member_id", "wave", "score"
        )
    }

    def curve(rows: list) -> list[dict]:
        points = []
        for wave in LonelinessCheck.WAVES:
            reached = [(pk, at, seen) for pk, at, seen in rows if at + dt.timedelta(days=wave) <= now]
            active = [pk for pk, at, seen in reached if seen and seen >= at + dt.timedelta(days=wave)]
            answered = [scores[(pk, wave)] for pk, _, _ in reached if (pk, wave) in scores]
            points.append(
                {
                    "wave": wave,
                    "members": len(reached),
                    "active_share": _share(len(active), len(reached)) if wave else 100.0 if reached else None,
                    "answered": len(answered),
                    "mean_score": round(sum(answered) / len(answered), 2) if answered else None,
                }
            )
        return points

    rows = [
        {"month": month, "size": len(members_), "points": curve(members_)}
        for month, members_ in sorted(cohorts.items())
    ]
    everyone = [m for members_ in cohorts.values() for m in members_]
    return {"cohorts": rows, "all": {"size": len(everyone), "points": curve(everyone)}, "chart": _chart(rows)}


def _chart(cohorts: list[dict]) -> dict:
    """Polylines for the inline SVG: x by wave, y by mean score (3 at the bottom, 9 at the top)."""
    lines = []
    for index, cohort in enumerate(cohorts):
        points = [
            (40 + p["wave"] * 6, round(150 - (p["mean_score"] - 3) / 6 * 140, 1))
            for p in cohort["points"]
            if p["mean_score"] is not None
        ]
        if points:
            lines.append(
                {
                    "month": cohort["month"],
                    "points": " ".join(f"{x},{y}" for x, y in points),
                    "dots": [{"x": x, "y": y} for x, y in points],
                    "colour": ("#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828")[index % 5],
                }
            )
    return {"lines": lines}


def figures(start: dt.date, end: dt.date) -> dict:
    """Everything the «Did it help?» section shows for [start, end] (dates inclusive)."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return {
        "mood": mood_change(since, until),
        "silent": silent_starts(since, until),
        # Cohorts need months to reach day 90: they are the year up to the period's end.
        "loneliness": loneliness_cohorts(until - COHORT_YEARS, until),
    }
