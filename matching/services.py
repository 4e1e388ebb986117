"""Writes of the matching app: the search queue, rounds, proposals and their deadlines.

Services never talk to Telegram: they return Notices, and the bot handler or job sends them.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from django.db import transaction
from django.db.models import Q

from accounts.models import Member, Topic
from chats import services as chats_services
from chats.models import ChatSession
from core import clock
from matching import scoring
from matching.models import (
    ExperimentAssignment,
    ExperimentSettings,
    Match,
    PairCooldown,
    Proposal,
    SearchRequest,
)

SEARCH_TTL = dt.timedelta(hours=24)
PROPOSAL_TTL = dt.timedelta(minutes=5)
DECLINE_COOLDOWN = dt.timedelta(hours=72)
RECENT_PARTNER_COOLDOWN = dt.timedelta(days=7)
HONEST_AFTER_REQUEUES = 2


@dataclass
class Notice:
    """A message for a member: the template, its context and which keyboard to attach."""

    member_id: int
    template: str
    context: dict = field(default_factory=dict)
    keyboard: str = ""  # "searching", "proposal", "widen", "" (none)
    keyboard_arg: int | None = None


@dataclass
class Outcome:
    ok: bool
    reason: str = ""
    notices: list[Notice] = field(default_factory=list)
    search: SearchRequest | None = None


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


@transaction.atomic
def search_start(*, member_id: int) -> Outcome:
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
        member=member, arm=arm_for(member), created_at=now, queued_at=now, expires_at=now + SEARCH_TTL
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


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _blocked_pairs(member_ids: list[int]) -> set[tuple[int, int]]:
    from django.apps import apps

    try:
        block = apps.get_model("moderation", "Block")
    except LookupError:
        return set()
    rows = block.objects.filter(Q(blocker_id__in=member_ids) | Q(blocked_id__in=member_ids)).values_list(
        "blocker_id", "blocked_id"
    )
    return {_pair(a, b) for a, b in rows}


def _high_risk_members(member_ids: list[int]) -> set[int]:
    from moderation.models import SafetyFlag

    return set(
        SafetyFlag.objects.filter(
            member_id__in=member_ids, severity=SafetyFlag.Severity.HIGH, status__in=SafetyFlag.OPEN
        ).values_list("member_id", flat=True)
    )


def candidates_for_pool(searches: list[SearchRequest]) -> list[scoring.Candidate]:
    ids = [s.member_id for s in searches]
    topics: dict[int, set[int]] = defaultdict(set)
    from accounts.models import MemberTopic

    for member_id, topic_id in MemberTopic.objects.filter(member_id__in=ids).values_list(
        "member_id", "topic_id"
    ):
        topics[member_id].add(topic_id)
    high_risk = _high_risk_members(ids)
    members = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    now = clock.now()
    out = []
    for search in searches:
        member = members[search.member_id]
        if member.is_muted(now) or member.is_banned(now) or not member.is_reachable:
            continue
        out.append(
            scoring.Candidate(
                member_id=member.pk,
                search_id=search.pk,
                topics=frozenset(topics[member.pk]),
                timezone=member.timezone,
                availability=frozenset(member.availability),
                helpfulness=member.helpfulness,
                strict=search.is_strict,
                high_risk=member.pk in high_risk,
            )
        )
    return out


# Each member keeps only their best few candidates in the matching graph: the blossom algorithm
# is cubic in the worst case, and a member's 11th-best candidate almost never ends up chosen.
CANDIDATES_PER_MEMBER = 8


# Exact matching runs over windows of the queue (oldest first); members who had candidates but
# were not paired are carried into the next window. This keeps the cubic blossom algorithm on
# small graphs and keeps queue order fair, at the price of optimality across distant windows.
WINDOW = 150


def pair_pool(pool: list[scoring.Candidate], *, excluded: set[tuple[int, int]], high_topics: frozenset[int]):
    """Pairs for the pool in queue order: [(a, b, score)] (see WINDOW)."""
    if len(pool) <= 2 * WINDOW:
        return _pair_exact(pool, excluded=excluded, high_topics=high_topics)[0]
    result, carry = [], []
    for start in range(0, len(pool), WINDOW):
        window = carry + pool[start : start + WINDOW]
        pairs, connected = _pair_exact(window, excluded=excluded, high_topics=high_topics)
        result += pairs
        matched = {c.member_id for a, b, _ in pairs for c in (a, b)}
        carry = [c for c in window if c.member_id in connected and c.member_id not in matched][:WINDOW]
    return result


def _pair_exact(
    pool: list[scoring.Candidate], *, excluded: set[tuple[int, int]], high_topics: frozenset[int]
):
    """Maximum-weight matching over each member's best eligible pairs, and who had any pair."""
    by_topic: dict[int, list[int]] = defaultdict(list)
    for index, candidate in enumerate(pool):
        for topic in candidate.topics:
            by_topic[topic].append(index)
    best: dict[int, list[tuple[float, int]]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for members in by_topic.values():
        for i_pos, i in enumerate(members):
            for j in members[i_pos + 1 :]:
                key = (i, j) if i < j else (j, i)
                if key in seen:
                    continue
                seen.add(key)
                a, b = pool[i], pool[j]
                if _pair(a.member_id, b.member_id) in excluded:
                    continue
                value = scoring.score(a, b, high_topics=high_topics)
                if value is not None:
                    # Ties are broken pseudo-randomly so that equal candidates spread out.
                    tie = ((i + 1) * 2654435761 ^ (j + 1) * 40503) % 1000003
                    best[i].append((value, tie, j))
                    best[j].append((value, tie, i))
    graph = nx.Graph()
    for i, edges in best.items():
        for value, _tie, j in heapq.nlargest(CANDIDATES_PER_MEMBER, edges):
            graph.add_edge(i, j, weight=value)
    matching = nx.max_weight_matching(graph, maxcardinality=False)
    connected = {pool[i].member_id for i in best}
    return [(pool[i], pool[j], graph[i][j]["weight"]) for i, j in matching], connected


@transaction.atomic
def round_run(*, limit: int = 2000) -> list[Notice]:
    """Pair the waiting queue as a whole; safe with concurrent rounds (SKIP LOCKED)."""
    now = clock.now()
    searches = list(
        SearchRequest.objects.select_for_update(skip_locked=True)
        .filter(status=SearchRequest.Status.WAITING, expires_at__gt=now)
        .order_by("queued_at")[:limit]
    )
    if len(searches) < 2:
        return []
    ids = [s.member_id for s in searches]
    busy = set(
        ChatSession.objects.filter(status=ChatSession.Status.ACTIVE)
        .filter(Q(member_a_id__in=ids) | Q(member_b_id__in=ids))
        .values_list("member_a_id", "member_b_id")
        .iterator()
    )
    busy_ids = {m for pair in busy for m in pair}
    pool = [c for c in candidates_for_pool(searches) if c.member_id not in busy_ids]
    excluded = {
        (low, high)
        for low, high in PairCooldown.objects.filter(until__gt=now)
        .filter(Q(member_low_id__in=ids) | Q(member_high_id__in=ids))
        .values_list("member_low_id", "member_high_id")
    } | _blocked_pairs(ids)
    high_topics = frozenset(
        Topic.objects.filter(sensitivity=Topic.Sensitivity.HIGH).values_list("pk", flat=True)
    )
    notices: list[Notice] = []
    by_search = {s.pk: s for s in searches}
    for a, b, value in pair_pool(pool, excluded=excluded, high_topics=high_topics):
        search_a, search_b = by_search[a.search_id], by_search[b.search_id]
        proposal = Proposal.objects.create(
            member_a_id=a.member_id,
            member_b_id=b.member_id,
            search_a=search_a,
            search_b=search_b,
            score=value,
            shared_topic_ids=sorted(a.topics & b.topics),
            arm=search_a.arm if search_a.arm == search_b.arm else "mixed",
            created_at=now,
            expires_at=now + PROPOSAL_TTL,
        )
        for search in (search_a, search_b):
            search.status = SearchRequest.Status.PROPOSED
            search.first_proposal_at = search.first_proposal_at or now
            search.save(update_fields=["status", "first_proposal_at"])
        for me, other in ((a, b), (b, a)):
            notices.append(
                Notice(
                    me.member_id,
                    "matching/proposal",
                    {"partner_id": other.member_id, "proposal_id": proposal.pk},
                    "proposal",
                    proposal.pk,
                )
            )
    return notices


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
        proposal.decided_at = now
        proposal.save()
        low, high = _pair(member_id, other_id)
        PairCooldown.objects.update_or_create(
            member_low_id=low,
            member_high_id=high,
            defaults={"reason": PairCooldown.Reason.DECLINED, "until": now + DECLINE_COOLDOWN},
        )
        _requeue(mine, now, first=False)
        _requeue(theirs, now, first=True)
        return Outcome(True, "declined", [
            Notice(member_id, "matching/declined_you", keyboard="searching"),
            Notice(other_id, "matching/declined_other", keyboard="searching"),
        ])  # fmt: skip
    if proposal.decision_a == proposal.decision_b == Proposal.Decision.ACCEPTED:
        match, session = _confirm(proposal, mine, theirs, now)
        return Outcome(True, "confirmed", [
            Notice(proposal.member_a_id, "matching/chat_started", {"partner_id": proposal.member_b_id, "session_id": session.pk}),
            Notice(proposal.member_b_id, "matching/chat_started", {"partner_id": proposal.member_a_id, "session_id": session.pk}),
        ])  # fmt: skip
    proposal.save()
    return Outcome(True, "waiting_other", [Notice(member_id, "matching/waiting_other")])


def _confirm(proposal: Proposal, mine: SearchRequest, theirs: SearchRequest, now: dt.datetime):
    match = Match.objects.create(
        member_a_id=proposal.member_a_id,
        member_b_id=proposal.member_b_id,
        created_at=now,
        score=proposal.score,
        arm=proposal.arm,
    )
    session = ChatSession.objects.create(
        match=match,
        member_a_id=proposal.member_a_id,
        member_b_id=proposal.member_b_id,
        started_at=now,
        ends_at=now + chats_services.chat_length(),
    )
    proposal.status = Proposal.Status.CONFIRMED
    proposal.decided_at = now
    proposal.match = match
    proposal.save()
    for search in (mine, theirs):
        _end_search(search, SearchRequest.Status.MATCHED, now)
    low, high = _pair(proposal.member_a_id, proposal.member_b_id)
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
    proposal.decided_at = now
    proposal.save()
    notices = []
    searches = SearchRequest.objects.select_for_update().filter(
        pk__in=[proposal.search_a_id, proposal.search_b_id]
    )
    for search in searches:
        side = "a" if search.pk == proposal.search_a_id else "b"
        if getattr(proposal, f"decision_{side}") == Proposal.Decision.ACCEPTED:
            _requeue(search, now, first=True)
            template = (
                "matching/requeued_honest"
                if search.requeues >= HONEST_AFTER_REQUEUES
                else "matching/requeued"
            )
            notices.append(Notice(search.member_id, template, keyboard="searching"))
        else:
            _end_search(search, SearchRequest.Status.CANCELLED, now)
            notices.append(Notice(search.member_id, "matching/proposal_expired_silent"))
    return notices


@transaction.atomic
def sweep() -> list[Notice]:
    """Act on deadlines: expired proposals and searches, widening offers (reads check them too)."""
    now = clock.now()
    notices: list[Notice] = []
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
            Notice(search.member_id, "matching/widen_offer", keyboard="widen", keyboard_arg=search.pk)
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
        proposal.decided_at = now
        proposal.save(update_fields=["status", "decided_at"])
        other_search = proposal.search_b if proposal.member_a_id == member.pk else proposal.search_a
        if other_search.status == SearchRequest.Status.PROPOSED:
            _requeue(other_search, now, first=True)
