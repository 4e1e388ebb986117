"""Reads of the tips app: who may thank whom, and a member's tip history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from accounts.models import Member
from chats.models import ChatSession
from core import clock
from moderation.models import Block, Report
from tips.models import Tip

# A member may thank the partner during the conversation and up to this long after it ended.
TIP_WINDOW = dt.timedelta(hours=24)
HISTORY_ROWS = 5


@dataclass(frozen=True)
class Eligibility:
    """Whether a member may tip the partner of a session now; `reason` says why not."""

    ok: bool
    reason: str = ""
    session_id: int | None = None
    partner_id: int | None = None


def _pair_fell_out(member_id: int, partner_id: int) -> bool:
    """A block or a report between the two, in either direction, ever."""

    blocks = Block.objects.filter(
        Q(blocker_id=member_id, blocked_id=partner_id) | Q(blocker_id=partner_id, blocked_id=member_id)
    )
    reports = Report.objects.filter(
        Q(reporter_id=member_id, reported_id=partner_id) | Q(reporter_id=partner_id, reported_id=member_id)
    )
    return blocks.exists() or reports.exists()


def _sessions_of(member_id: int):
    return ChatSession.objects.filter(Q(member_a_id=member_id) | Q(member_b_id=member_id))


def tip_eligibility(*, member_id: int, session_id: int | None = None) -> Eligibility:
    """May the member thank the partner of `session_id` (default: the active or latest session)?"""
    sessions = _sessions_of(member_id)
    if session_id is not None:
        session = sessions.filter(pk=session_id).first()
    else:
        session = sessions.filter(status=ChatSession.Status.ACTIVE).first() or (
            sessions.filter(ended_at__isnull=False).order_by("-ended_at").first()
        )
    if session is None:
        return Eligibility(False, "no_session")
    partner_id = session.partner_id_of(member_id)
    if partner_id == member_id:
        return Eligibility(False, "no_session")
    if session.status != ChatSession.Status.ACTIVE and (
        session.ended_at is None or session.ended_at < clock.now() - TIP_WINDOW
    ):
        return Eligibility(False, "too_late", session.pk, partner_id)
    if _pair_fell_out(member_id, partner_id):
        return Eligibility(False, "not_possible", session.pk, partner_id)
    partner = Member.objects.filter(pk=partner_id).only("status", "deleted_at").first()
    if partner is None or partner.is_deleted:
        return Eligibility(False, "partner_gone", session.pk, partner_id)
    return Eligibility(True, "", session.pk, partner_id)


@dataclass
class History:
    sent_count: int = 0
    sent_stars: int = 0
    received_count: int = 0
    received_stars: int = 0
    received_net: int = 0
    rows: list[dict] = field(default_factory=list)


def tip_history(*, member_id: int) -> History:
    """Paid and refunded tips the member sent and received, with the latest few."""
    done = (Tip.Status.PAID, Tip.Status.REFUNDED)
    paid = Q(status=Tip.Status.PAID)
    sent = Tip.objects.filter(payer_id=member_id, status__in=done).aggregate(
        count=Count("pk", filter=paid), stars=Sum("amount", filter=paid)
    )
    received = Tip.objects.filter(recipient_id=member_id, status__in=done).aggregate(
        count=Count("pk", filter=paid), stars=Sum("amount", filter=paid), net=Sum("net", filter=paid)
    )
    latest = (
        Tip.objects.filter(Q(payer_id=member_id) | Q(recipient_id=member_id), status__in=done)
        .order_by("-paid_at")
        .values("payer_id", "amount", "status", "paid_at")[:HISTORY_ROWS]
    )
    rows = [
        {
            "sent": row["payer_id"] == member_id,
            "amount": row["amount"],
            "refunded": row["status"] == Tip.Status.REFUNDED,
            "date": row["paid_at"],
        }
        for row in latest
    ]
    return History(
        sent_count=sent["count"] or 0,
        sent_stars=sent["stars"] or 0,
        received_count=received["count"] or 0,
        received_stars=received["stars"] or 0,
        received_net=received["net"] or 0,
        rows=rows,
    )


def recent_payments(*, member_id: int, limit: int = 5) -> list[Tip]:
    """The member's latest paid or refunded tips (sent), for a /paysupport ticket."""
    return list(
        Tip.objects.filter(payer_id=member_id, status__in=(Tip.Status.PAID, Tip.Status.REFUNDED)).order_by(
            "-paid_at"
        )[:limit]
    )
