"""CSV exports for analysts: pseudonymous refs only, filtered by date, streamed.

Rows are read in keyset batches (`pk > last ORDER BY pk LIMIT n`), each batch one thread hop,
and written out as they come: a million rows never sit in memory, under ASGI as well (Django
would buffer a synchronous iterator there). Never a Telegram id, a pseudonym, a bio, report
evidence or comments: a test checks every export's columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.apps import apps

BATCH = 5000


@dataclass(frozen=True)
class Export:
    title: str
    model: str  # "app.Model"
    date_field: str
    columns: tuple[tuple[str, str], ...]  # (CSV header, values_list path)
    arm_path: str | None = None  # where the A/B arm is, for exports that can be split by arm


EXPORTS: dict[str, Export] = {
    "members": Export(
        "Участники",
        "accounts.Member",
        "created_at",
        (
            ("ref", "ref"),
            ("status", "status"),
            ("onboarding_step", "onboarding_step"),
            ("timezone", "timezone"),
            ("created_at", "created_at"),
            ("onboarded_at", "onboarded_at"),
            ("last_seen_at", "last_seen_at"),
            ("helpfulness", "helpfulness"),
            ("ratings_count", "ratings_count"),
        ),
    ),
    "searches": Export(
        "Поиски",
        "matching.SearchRequest",
        "created_at",
        (
            ("id", "id"),
            ("member_ref", "member__ref"),
            ("arm", "arm"),
            ("widened", "widened"),
            ("status", "status"),
            ("created_at", "created_at"),
            ("first_proposal_at", "first_proposal_at"),
            ("ended_at", "ended_at"),
            ("requeues", "requeues"),
        ),
        arm_path="arm",
    ),
    "proposals": Export(
        "Предложения",
        "matching.Proposal",
        "created_at",
        (
            ("id", "id"),
            ("member_a_ref", "member_a__ref"),
            ("member_b_ref", "member_b__ref"),
            ("arm", "arm"),
            ("score", "score"),
            ("status", "status"),
            ("decision_a", "decision_a"),
            ("decision_b", "decision_b"),
            ("created_at", "created_at"),
            ("decided_at", "decided_at"),
        ),
        arm_path="arm",
    ),
    "matches": Export(
        "Пары",
        "matching.Match",
        "created_at",
        (
            ("id", "id"),
            ("member_a_ref", "member_a__ref"),
            ("member_b_ref", "member_b__ref"),
            ("arm", "arm"),
            ("score", "score"),
            ("is_reconnect", "is_reconnect"),
            ("created_at", "created_at"),
        ),
        arm_path="arm",
    ),
    "sessions": Export(
        "Разговоры",
        "chats.ChatSession",
        "started_at",
        (
            ("id", "id"),
            ("match_id", "match_id"),
            ("member_a_ref", "member_a__ref"),
            ("member_b_ref", "member_b__ref"),
            ("status", "status"),
            ("started_at", "started_at"),
            ("ended_at", "ended_at"),
            ("first_message_at", "first_message_at"),
            ("last_message_at", "last_message_at"),
            ("end_reason", "end_reason"),
            ("messages_a", "messages_a"),
            ("messages_b", "messages_b"),
            ("media_a", "media_a"),
            ("media_b", "media_b"),
            ("extensions", "extensions"),
        ),
        arm_path="match__arm",
    ),
    "ratings": Export(
        "Оценки",
        "chats.Rating",
        "created_at",
        (
            ("session_id", "session_id"),
            ("rater_ref", "rater__ref"),
            ("rated_ref", "rated__ref"),
            ("score", "score"),
            ("chip", "chip"),
            ("created_at", "created_at"),
        ),
        arm_path="session__match__arm",
    ),
    "tips": Export(
        "Чаевые",
        "tips.Tip",
        "created_at",
        (
            ("id", "id"),
            ("session_id", "session_id"),
            ("payer_ref", "payer__ref"),
            ("recipient_ref", "recipient__ref"),
            ("amount", "amount"),
            ("commission", "commission"),
            ("net", "net"),
            ("status", "status"),
            ("created_at", "created_at"),
            ("paid_at", "paid_at"),
        ),
        arm_path="session__match__arm",
    ),
    "reports": Export(
        "Жалобы",
        "moderation.Report",
        "created_at",
        (
            ("id", "id"),
            ("reporter_ref", "reporter__ref"),
            ("reported_ref", "reported__ref"),
            ("session_id", "session_id"),
            ("reason", "reason"),
            ("status", "status"),
            ("created_at", "created_at"),
            ("resolved_at", "resolved_at"),
        ),
        arm_path="session__match__arm",
    ),
    "flags": Export(
        "Сигналы безопасности",
        "moderation.SafetyFlag",
        "created_at",
        (
            ("id", "id"),
            ("member_ref", "member__ref"),
            ("kind", "kind"),
            ("severity", "severity"),
            ("status", "status"),
            ("created_at", "created_at"),
            ("resolved_at", "resolved_at"),
        ),
    ),
    "sanctions": Export(
        "Санкции",
        "moderation.Sanction",
        "created_at",
        (
            ("id", "id"),
            ("member_ref", "member__ref"),
            ("kind", "kind"),
            ("until", "until"),
            ("automatic", "created_by_id"),
            ("created_at", "created_at"),
        ),
    ),
}

# Fields never exported (identifying, or free text members or staff wrote).
FORBIDDEN_FIELDS = frozenset(
    {"tg_id", "pseudonym", "bio", "evidence_text", "comment", "text", "details", "decision_note"}
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _batch(
    export: Export, after: int, start: dt.date | None, end: dt.date | None, arm: str | None
) -> list[tuple]:
    model = apps.get_model(export.model)
    query = model.objects.filter(pk__gt=after)
    if arm and export.arm_path:
        query = query.filter(**{export.arm_path: arm})
    if start:
        query = query.filter(**{f"{export.date_field}__date__gte": start})
    if end:
        query = query.filter(**{f"{export.date_field}__date__lte": end})
    paths = ["pk", *(path for _, path in export.columns)]
    return list(query.order_by("pk").values_list(*paths)[:BATCH])


def rows(
    export: Export, start: dt.date | None, end: dt.date | None, arm: str | None = None
) -> AsyncIterator[str]:
    """The CSV as text chunks (a header, then one chunk per batch); `arm` where the rows have one."""
    transform: dict[str, Callable] = {"automatic": lambda v: "no" if v else "yes"}

    async def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([header for header, _ in export.columns])
        yield buffer.getvalue()
        after = 0
        while True:
            batch = await sync_to_async(_batch)(export, after, start, end, arm)
            if not batch:
                return
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in batch:
                writer.writerow(
                    [
                        transform.get(header, _cell)(value) if header in transform else _cell(value)
                        for (header, _), value in zip(export.columns, row[1:], strict=True)
                    ]
                )
            after = batch[-1][0]
            yield buffer.getvalue()

    return generate()
