"""Writes of the matching app: the search queue, rounds, proposals and their deadlines.

Services never talk to Telegram: they return Notices, and the bot handler or job sends them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from accounts.models import Member
from accounts.notices import Notice
from accounts.onboarding import TOPICS_MIN
from chats import services as chats_services
from chats.models import ChatSession
from chats.outcomes import SILENT_AFTER
from core import clock, metrics
from matching import selectors
from matching.models import (
    ExperimentAssignment,
    ExperimentSettings,
    Match,
    PairCooldown,
    Proposal,
    ProposalRejection,
    SearchRequest,
)

SEARCH_TTL = dt.timedelta(hours=24)
PROPOSAL_TTL = dt.timedelta(minutes=5)
DECLINE_COOLDOWN = dt.timedelta(hours=72)
RECENT_PARTNER_COOLDOWN = dt.timedelta(days=7)
HONEST_AFTER_REQUEUES = 2
# Sprint 2: a member whose proposals keep expiring is requeued at most twice, then told honestly.
MAX_EXPIRY_REQUEUES = 2
# Cards of a proposal not marked sent this long after the round are sent again by the sweep.
CARDS_GRACE = dt.timedelta(seconds=20)
# Honest waiting: nobody waits in silence; without a candidate by then, one notice with options.
QUIET_AFTER = dt.timedelta(minutes=30)


@dataclass
class Outcome:
    ok: bool
    reason: str = ""
    notices: list[Notice] = field(default_factory=list)
    search: SearchRequest | None = None
    context: dict = field(default_factory=dict)  # what the member's answer shows (the wait estimate)


def arm_for(member: Member) -> str:
    """The member's sticky arm of the strict-vs-soft experiment."""
    assignment = ExperimentAssignment.objects.filter(member=member).first()
    if assignment is None:
        soft = int(member.ref[:8], 16) % 100 < ExperimentSettings.current().soft_percent
        arm = SearchRequest.Arm.SOFT if soft else SearchRequest.Arm.STRICT
        assignment, _ = ExperimentAssignment.objects.get_or_create(member=member, defaults={"arm": arm})
    return assignment.arm


def _in_chat(member_id: int) -> bool:
    return ChatSession.objects.filter(
        Q(member_a_id=member_id) | Q(member_b_id=member_id), status=ChatSession.Status.ACTIVE
    ).exists()


def search_start(*, member_id: int) -> Outcome:
    """Put the member in the queue (or say why not); a new search comes with the wait estimate."""
    outcome = _search_open(member_id=member_id)
    if outcome.ok:
        # Read after the commit: a two-week percentile need not hold the member's row lock.
        outcome.context = {"estimate": selectors.wait_estimate(member_id=member_id, now=clock.now())}
    return outcome


@transaction.atomic
def _search_open(*, member_id: int) -> Outcome:
    member = Member.objects.select_for_update().get(pk=member_id)
    now = clock.now()
    if not member.is_onboarded:
        return Outcome(False, "not_onboarded")
    if member.is_banned(now):
        return Outcome(False, "banned")
    if member.is_muted(now):
        return Outcome(False, "muted", [Notice(member.pk, "", {"until": member.muted_until})])
    if _in_chat(member.pk):
        return Outcome(False, "in_chat")
    # Topics can be unticked in /profile and the edit abandoned: the profile is checked again here.
    if member.member_topics.count() < TOPICS_MIN:
        return Outcome(False, "few_topics")
    active = SearchRequest.objects.filter(
        member=member, status__in=[SearchRequest.Status.WAITING, SearchRequest.Status.PROPOSED]
    ).first()
    if active and active.status == SearchRequest.Status.PROPOSED:
        return Outcome(False, "has_proposal")
    if active and active.expires_at > now:
        return Outcome(False, "already_searching", search=active)
    if active:
        _end_search(active, SearchRequest.Status.EXPIRED, now)
    search = SearchRequest.objects.create(
        member=member,
        arm=arm_for(member),
        created_at=now,
        queued_at=now,
        expires_at=now + SEARCH_TTL,
        quiet_notice_due_at=now + QUIET_AFTER,
    )
    return Outcome(True, search=search)


def _end_search(search: SearchRequest, status: str, now: dt.datetime) -> None:
    search.status = status
    search.ended_at = now
    search.save(update_fields=["status", "ended_at"])


@transaction.atomic
def search_stop(*, member_id: int) -> bool:
    search = (
        SearchRequest.objects.select_for_update()
        .filter(member_id=member_id, status=SearchRequest.Status.WAITING)
        .first()
    )
    if search is None:
        return False
    _end_search(search, SearchRequest.Status.CANCELLED, clock.now())
    return True


@transaction.atomic
def search_widen(*, member_id: int, search_id: int) -> bool:
    updated = SearchRequest.objects.filter(
        pk=search_id, member_id=member_id, status=SearchRequest.Status.WAITING, widened=False
    ).update(widened=True)
    return bool(updated)


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _reject(proposal: Proposal, reason: str, side: str, now: dt.datetime) -> None:
    """The reject log: why this proposal fell through (codes only)."""
    ProposalRejection.objects.get_or_create(
        proposal=proposal, defaults={"reason": reason, "side": side, "created_at": now}
    )


def count_outcome(outcome: str, n: int = 1) -> None:
    transaction.on_commit(lambda: metrics.proposals_total.labels(outcome).inc(n))


def pair_arm(arm_a: str, arm_b: str) -> str:
    return arm_a if arm_a == arm_b else "mixed"


@transaction.atomic
def proposal_decide(*, proposal_id: int, member_id: int, accept: bool) -> Outcome:
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    now = clock.now()
    if proposal is None or member_id not in (proposal.member_a_id, proposal.member_b_id):
        return Outcome(False, "stale")
    if proposal.status == Proposal.Status.WAITING and proposal.expires_at <= now:
        notices = _expire(proposal, now)
        return Outcome(False, "expired", notices)
    if proposal.status != Proposal.Status.WAITING:
        return Outcome(False, "stale")
    side = proposal.side_of(member_id)
    setattr(
        proposal, f"decision_{side}", Proposal.Decision.ACCEPTED if accept else Proposal.Decision.DECLINED
    )
    other_id = proposal.member_b_id if side == "a" else proposal.member_a_id
    searches = {
        s.pk: s
        for s in SearchRequest.objects.select_for_update().filter(
            pk__in=[proposal.search_a_id, proposal.search_b_id]
        )
    }
    mine = searches[proposal.search_a_id if side == "a" else proposal.search_b_id]
    theirs = searches[proposal.search_b_id if side == "a" else proposal.search_a_id]
    if not accept:
        proposal.status = Proposal.Status.DECLINED
        count_outcome("declined")
        proposal.decided_at = now
        proposal.save()
        _reject(proposal, ProposalRejection.Reason.DECLINED, side, now)
        low, high = pair_key(member_id, other_id)
        PairCooldown.objects.update_or_create(
            member_low_id=low,
            member_high_id=high,
            defaults={"reason": PairCooldown.Reason.DECLINED, "until": now + DECLINE_COOLDOWN},
        )
        _requeue(mine, now, first=False)
        _requeue(theirs, now, first=True)
        return Outcome(True, "declined", [
            Notice(member_id, "matching/declined_you", keyboard="matching.declined", keyboard_arg=proposal.pk),
            Notice(other_id, "matching/declined_other", keyboard="matching.searching"),
        ])  # fmt: skip
    if proposal.decision_a == proposal.decision_b == Proposal.Decision.ACCEPTED:
        match, session = _confirm(proposal, mine, theirs, now)
        return Outcome(True, "confirmed", [
            notice
            for me, other in ((proposal.member_a_id, proposal.member_b_id), (proposal.member_b_id, proposal.member_a_id))
            for notice in chats_services.session_start_notices(
                member_id=me, session_id=session.pk, intro="matching/chat_started", context={"partner_id": other}
            )
        ])  # fmt: skip
    proposal.save()
    return Outcome(True, "waiting_other", [Notice(member_id, "matching/waiting_other")])


def _confirm(proposal: Proposal, mine: SearchRequest, theirs: SearchRequest, now: dt.datetime):
    match, session = conversation_start(
        member_a_id=proposal.member_a_id,
        member_b_id=proposal.member_b_id,
        now=now,
        searches=(mine, theirs),
        score=proposal.score,
        arm=proposal.arm,
    )
    proposal.status = Proposal.Status.CONFIRMED
    count_outcome("confirmed")
    proposal.decided_at = now
    proposal.match = match
    proposal.save()
    return match, session


def conversation_start(
    *,
    member_a_id: int,
    member_b_id: int,
    now: dt.datetime,
    searches: tuple[SearchRequest, ...] | None = None,
    **match_fields,
) -> tuple[Match, ChatSession]:
    """The one way two members start talking (a confirmed proposal, or «talk again»): `searches`
    (default: their waiting ones) end as matched, a Match and a ChatSession, and the pair rests from matching for
    RECENT_PARTNER_COOLDOWN. Called inside the caller's transaction."""
    if searches is None:
        searches = SearchRequest.objects.select_for_update().filter(
            member_id__in=(member_a_id, member_b_id), status=SearchRequest.Status.WAITING
        )
    for search in searches:
        _end_search(search, SearchRequest.Status.MATCHED, now)
    match = Match.objects.create(
        member_a_id=member_a_id, member_b_id=member_b_id, created_at=now, **match_fields
    )
    session = ChatSession.objects.create(
        match=match,
        member_a_id=member_a_id,
        member_b_id=member_b_id,
        started_at=now,
        ends_at=now + chats_services.chat_length(),
        starter_due_at=now + SILENT_AFTER,
    )
    low, high = pair_key(member_a_id, member_b_id)
    PairCooldown.objects.update_or_create(
        member_low_id=low,
        member_high_id=high,
        defaults={"reason": PairCooldown.Reason.RECENT, "until": now + RECENT_PARTNER_COOLDOWN},
    )
    return match, session


def _requeue(search: SearchRequest, now: dt.datetime, *, first: bool) -> None:
    search.status = SearchRequest.Status.WAITING
    search.requeues += 1
    # First in line: a queue position before everyone who is waiting now.
    search.queued_at = search.created_at - dt.timedelta(days=1) if first else now
    search.save(update_fields=["status", "requeues", "queued_at"])


def _expire(proposal: Proposal, now: dt.datetime) -> list[Notice]:
    proposal.status = Proposal.Status.EXPIRED
    count_outcome("expired")
    proposal.decided_at = now
    proposal.save()
    silent = [s for s in ("a", "b") if getattr(proposal, f"decision_{s}") != Proposal.Decision.ACCEPTED]
    side = silent[0] if len(silent) == 1 else ProposalRejection.Side.BOTH
    _reject(proposal, ProposalRejection.Reason.EXPIRED, side, now)
    notices = []
    searches = SearchRequest.objects.select_for_update().filter(
        pk__in=[proposal.search_a_id, proposal.search_b_id]
    )
    for search in searches:
        if ("a" if search.pk == proposal.search_a_id else "b") in silent:
            _end_search(search, SearchRequest.Status.CANCELLED, now)
            notices.append(Notice(search.member_id, "matching/proposal_expired_silent"))
        elif search.expiry_requeues >= MAX_EXPIRY_REQUEUES:
            _end_search(search, SearchRequest.Status.EXPIRED, now)
            notices.append(Notice(search.member_id, "matching/requeue_limit"))
        else:
            search.expiry_requeues += 1
            search.save(update_fields=["expiry_requeues"])
            _requeue(search, now, first=True)
            template = (
                "matching/requeued_honest"
                if search.requeues >= HONEST_AFTER_REQUEUES
                else "matching/requeued"
            )
            notices.append(Notice(search.member_id, template, keyboard="matching.searching"))
    return notices


@transaction.atomic
def proposal_decline_why(*, proposal_id: int, member_id: int, why: str) -> bool:
    """The decliner's optional one-tap «почему?», once; False for a stale or foreign tap."""
    if why not in ProposalRejection.Why.values or not why:
        return False
    rejection = (
        ProposalRejection.objects.select_for_update()
        .select_related("proposal")
        .filter(proposal_id=proposal_id, reason=ProposalRejection.Reason.DECLINED, why="")
        .first()
    )
    if rejection is None:
        return False
    proposal = rejection.proposal
    if member_id not in (proposal.member_a_id, proposal.member_b_id):
        return False
    if proposal.side_of(member_id) != rejection.side:
        return False
    rejection.why = why
    rejection.save(update_fields=["why"])
    return True


def proposal_cards(proposal_id: int, member_a_id: int, member_b_id: int) -> list[Notice]:
    return [
        Notice(
            me,
            "matching/proposal",
            {"partner_id": other, "proposal_id": proposal_id},
            "matching.proposal",
            proposal_id,
        )
        for me, other in ((member_a_id, member_b_id), (member_b_id, member_a_id))
    ]


def proposal_cards_sent(*, notices: list[Notice]) -> int:
    """Record that the preview cards among `notices` reached Telegram."""
    ids = [notice.keyboard_arg for notice in notices if notice.keyboard == "matching.proposal"]
    if not ids:
        return 0
    return Proposal.objects.filter(pk__in=ids, cards_sent_at__isnull=True).update(cards_sent_at=clock.now())


def _resend_cards(now: dt.datetime) -> list[Notice]:
    """Cards a round committed but never sent (its worker died): send them, with a fresh deadline.

    Nobody is expired for not answering a card they never saw.
    """
    notices: list[Notice] = []
    for proposal in Proposal.objects.select_for_update(skip_locked=True).filter(
        status=Proposal.Status.WAITING, cards_sent_at__isnull=True, created_at__lte=now - CARDS_GRACE
    ):
        proposal.expires_at = max(proposal.expires_at, now + PROPOSAL_TTL)
        proposal.save(update_fields=["expires_at"])
        notices += proposal_cards(proposal.pk, proposal.member_a_id, proposal.member_b_id)
    return notices


@transaction.atomic
def sweep() -> list[Notice]:
    """Act on deadlines: expired proposals and searches, widening offers (reads check them too)."""
    now = clock.now()
    notices: list[Notice] = _resend_cards(now)
    for proposal in Proposal.objects.select_for_update(skip_locked=True).filter(
        status=Proposal.Status.WAITING, expires_at__lte=now
    ):
        notices += _expire(proposal, now)
    for search in SearchRequest.objects.select_for_update(skip_locked=True).filter(
        status=SearchRequest.Status.WAITING, expires_at__lte=now
    ):
        _end_search(search, SearchRequest.Status.EXPIRED, now)
        notices.append(Notice(search.member_id, "matching/search_expired"))
    widen_after = dt.timedelta(minutes=ExperimentSettings.current().widen_after_minutes)
    for search in SearchRequest.objects.select_for_update(skip_locked=True).filter(
        status=SearchRequest.Status.WAITING,
        arm=SearchRequest.Arm.STRICT,
        widened=False,
        widen_offered_at__isnull=True,
        first_proposal_at__isnull=True,
        created_at__lte=now - widen_after,
    ):
        search.widen_offered_at = now
        search.save(update_fields=["widen_offered_at"])
        notices.append(
            Notice(
                search.member_id, "matching/widen_offer", keyboard="matching.widen", keyboard_arg=search.pk
            )
        )
    for search in SearchRequest.objects.select_for_update(skip_locked=True).filter(
        status=SearchRequest.Status.WAITING,
        first_proposal_at__isnull=True,
        quiet_notice_sent_at__isnull=True,
        quiet_notice_due_at__lte=now,
    ):
        search.quiet_notice_sent_at = now
        search.save(update_fields=["quiet_notice_sent_at"])
        notices.append(
            Notice(search.member_id, "matching/still_searching", keyboard="matching.still_searching")
        )
    return notices


def member_erased(member: Member) -> None:
    """Erasure hook: end the member's search and waiting proposals."""
    now = clock.now()
    for search in SearchRequest.objects.select_for_update().filter(
        member=member, status__in=[SearchRequest.Status.WAITING, SearchRequest.Status.PROPOSED]
    ):
        _end_search(search, SearchRequest.Status.CANCELLED, now)
    for proposal in Proposal.objects.select_for_update().filter(
        Q(member_a=member) | Q(member_b=member), status=Proposal.Status.WAITING
    ):
        proposal.status = Proposal.Status.DECLINED
        count_outcome("declined")
        proposal.decided_at = now
        proposal.save(update_fields=["status", "decided_at"])
        _reject(proposal, ProposalRejection.Reason.LEFT, proposal.side_of(member.pk), now)
        other_search = proposal.search_b if proposal.member_a_id == member.pk else proposal.search_a
        if other_search.status == SearchRequest.Status.PROPOSED:
            _requeue(other_search, now, first=True)
