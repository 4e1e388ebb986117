"""«Talk again»: within 7 days of a chat either side asks, the other decides; never after a block
or a standing report (the rule matching applies too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from accounts.models import Member
from accounts.notices import Notice
from chats import services
from chats.models import ChatSession, ReconnectRequest
from core import clock
from matching.models import SearchRequest
from matching.selectors import barred_pairs
from matching.services import conversation_start

RECONNECT_WINDOW = dt.timedelta(days=7)
RECONNECT_ANSWER_WITHIN = dt.timedelta(hours=24)


@dataclass
class ReconnectOutcome:
    reason: str  # "sent" | "started" | "declined" | a refusal: see templates/bot/chats/again_*.html
    notices: list[Notice] = field(default_factory=list)


def _pair_barred(a: int, b: int) -> bool:
    """A block, or a report not dismissed as unfounded, between them: never again (the rule
    matching applies too)."""
    return (min(a, b), max(a, b)) in barred_pairs(member_ids=[a])


def _busy(member_id: int) -> str:
    """ "" when the member is free to start a conversation, else why not."""
    if services._active_session_for(member_id, lock=False) is not None:
        return "in_chat"
    if SearchRequest.objects.filter(member_id=member_id, status=SearchRequest.Status.PROPOSED).exists():
        return "proposal"
    return ""


def _ended_session_of(session_id: int, member_id: int) -> ChatSession | None:
    return (
        ChatSession.objects.select_for_update()
        .filter(
            Q(member_a_id=member_id) | Q(member_b_id=member_id),
            pk=session_id,
            status=ChatSession.Status.ENDED,
        )
        .first()
    )


@transaction.atomic
def reconnect_request(*, session_id: int, member_id: int) -> ReconnectOutcome:
    """A member asks to talk again with the partner of an ended session."""
    now = clock.now()
    session = _ended_session_of(session_id, member_id)
    if session is None:
        return ReconnectOutcome("stale")
    partner_id = session.partner_id_of(member_id)
    if session.ended_at < now - RECONNECT_WINDOW:
        return ReconnectOutcome("too_late")
    partner = Member.objects.get(pk=partner_id)
    if _pair_barred(member_id, partner_id) or partner.is_deleted or not partner.is_reachable:
        return ReconnectOutcome("unavailable")
    if busy := _busy(member_id):
        return ReconnectOutcome(f"busy_{busy}")
    theirs = ReconnectRequest.objects.filter(
        session=session, from_member_id=partner_id, status=ReconnectRequest.Status.PENDING, expires_at__gt=now
    ).first()
    if theirs is not None:  # both want it: start at once
        return _reconnect_accept(theirs, now)
    mine, created = ReconnectRequest.objects.get_or_create(
        session=session,
        from_member_id=member_id,
        status=ReconnectRequest.Status.PENDING,
        defaults={
            "to_member_id": partner_id,
            "expires_at": min(now + RECONNECT_ANSWER_WITHIN, session.ended_at + RECONNECT_WINDOW),
        },
    )
    if not created:
        return ReconnectOutcome("already")
    me = Member.objects.get(pk=member_id)
    return ReconnectOutcome(
        "sent",
        [
            Notice(
                partner_id,
                "chats/again_invite",
                {"pseudonym": me.pseudonym, "started_at": session.started_at},
                keyboard="chats.again_invite",
                keyboard_arg=mine.pk,
            )
        ],
    )


@transaction.atomic
def reconnect_decide(*, request_id: int, member_id: int, accept: bool) -> ReconnectOutcome:
    """The invited member accepts or declines; a late or foreign tap is "stale"."""
    now = clock.now()
    request = (
        ReconnectRequest.objects.select_for_update()
        .filter(pk=request_id, to_member_id=member_id, status=ReconnectRequest.Status.PENDING)
        .first()
    )
    if request is None:
        return ReconnectOutcome("stale")
    if request.expires_at <= now:
        request.status = ReconnectRequest.Status.EXPIRED
        request.save(update_fields=["status"])
        return ReconnectOutcome("expired")
    if not accept:
        request.status, request.decided_at = ReconnectRequest.Status.DECLINED, now
        request.save(update_fields=["status", "decided_at"])
        return ReconnectOutcome(
            "declined",
            [
                Notice(request.from_member_id, "chats/again_declined"),
                Notice(member_id, "chats/again_you_declined"),
            ],
        )
    if _pair_barred(request.from_member_id, member_id):
        return ReconnectOutcome("unavailable")
    if busy := _busy(member_id):
        return ReconnectOutcome(f"busy_{busy}")
    return _reconnect_accept(request, now)


def _reconnect_accept(request, now: dt.datetime) -> ReconnectOutcome:
    a, b = request.from_member_id, request.to_member_id
    if _busy(a):
        return ReconnectOutcome("partner_busy")
    _, session = conversation_start(member_a_id=a, member_b_id=b, now=now, is_reconnect=True)
    request.status, request.decided_at, request.new_session = ReconnectRequest.Status.ACCEPTED, now, session
    request.save(update_fields=["status", "decided_at", "new_session"])
    pseudonyms = dict(Member.objects.filter(pk__in=(a, b)).values_list("pk", "pseudonym"))
    return ReconnectOutcome(
        "started",
        [
            notice
            for me, other in ((a, b), (b, a))
            for notice in services.session_start_notices(
                member_id=me,
                session_id=session.pk,
                intro="chats/again_started",
                context={"partner_pseudonym": pseudonyms[other]},
            )
        ],
    )
