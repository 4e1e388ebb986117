"""Writes of the matching app: the search queue, rounds, proposals and their deadlines.

Services never talk to Telegram: they return Notices, and the bot handler or job sends them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Avg, Q

from accounts.models import Member, Preferences, Topic
from accounts.notices import Notice
from accounts.onboarding import TOPICS_MIN
from chats import services as chats_services
from chats.models import ChatSession
from core import clock, metrics
from matching import metrics as matching_metrics
from matching import pairing, scoring, selectors
from matching.models import (
    ExperimentAssignment,
    ExperimentSettings,
    Match,
    MatchingSettings,
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


# The round reads and writes thousands of rows: its SQL passes id lists as one array parameter
# (`= ANY(%s)`) instead of thousands of placeholders, and reads plain rows, not model instances.

_M, _MT = Member._meta.db_table, "accounts_membertopic"
_S, _P, _C = SearchRequest._meta.db_table, Proposal._meta.db_table, ChatSession._meta.db_table


def _rows(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _lock_queue(now: dt.datetime, limit: int) -> list[int]:
    """The waiting searches this round owns (another round skips them: never double-booked)."""
    return [
        row[0]
        for row in _rows(
            f"SELECT id FROM {_S} WHERE status = 'waiting' AND expires_at > %s"
            " ORDER BY queued_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (now, limit),
        )
    ]


def _pool(search_ids: list[int], now: dt.datetime) -> list[scoring.Candidate]:
    """Who can be paired now, in queue order: not muted, banned, unreachable or in a chat."""
    from moderation.models import SafetyFlag

    rows = _rows(
        f"""
        SELECT s.id, s.member_id, s.arm = 'strict' AND NOT s.widened, s.requeues > 0,
               m.timezone, m.availability, m.helpfulness,
               ARRAY(SELECT topic_id FROM {_MT} t WHERE t.member_id = m.id),
               EXISTS (SELECT 1 FROM {SafetyFlag._meta.db_table} f WHERE f.member_id = m.id
                       AND f.severity = %s AND f.status = ANY(%s)),
               (SELECT p.sensitivity FROM {Preferences._meta.db_table} p WHERE p.member_id = m.id)
        FROM {_S} s JOIN {_M} m ON m.id = s.member_id
        WHERE s.id = ANY(%s)
          AND m.unreachable_since IS NULL AND m.status <> 'deleted'
          AND (m.muted_until IS NULL OR m.muted_until <= %s)
          AND NOT (m.status = 'banned' AND (m.banned_until IS NULL OR m.banned_until > %s))
          AND NOT EXISTS (SELECT 1 FROM {_C} c WHERE c.status = 'active'
                          AND (c.member_a_id = m.id OR c.member_b_id = m.id))
        ORDER BY s.queued_at
        """,
        (SafetyFlag.Severity.HIGH, list(SafetyFlag.OPEN), search_ids, now, now),
    )
    return [
        scoring.Candidate(
            member_id=member_id,
            search_id=search_id,
            topics=frozenset(topics),
            timezone=timezone,
            availability=frozenset(availability),
            helpfulness=helpfulness,
            strict=strict,
            high_risk=high_risk,
            requeued=requeued,
            strain=scoring.STRAIN.get(sensitivity or "", 0),
        )
        for (
            search_id,
            member_id,
            strict,
            requeued,
            timezone,
            availability,
            helpfulness,
            topics,
            high_risk,
            sensitivity,
        ) in rows
    ]


def _excluded_pairs(member_ids: list[int], now: dt.datetime) -> set[tuple[int, int]]:
    """Pairs never to propose: barred pairs (a block, a standing report) and cooldowns
    (declined, talked recently)."""
    rows = _rows(
        f"SELECT member_low_id, member_high_id FROM {PairCooldown._meta.db_table}"
        " WHERE until > %s AND (member_low_id = ANY(%s) OR member_high_id = ANY(%s))",
        (now, member_ids, member_ids),
    )
    return {_pair(a, b) for a, b in rows} | selectors.barred_pairs(member_ids=member_ids)


def candidates_for_pool(searches: list[SearchRequest]) -> list[scoring.Candidate]:
    """The pool for these searches (admin and benchmarks; rounds lock the queue first)."""
    return _pool([s.pk for s in searches], clock.now())


# Each member keeps their best few candidates in the matching graph: a member's 9th-best
# candidate almost never ends up chosen, and a sparse graph keeps the round fast.
CANDIDATES_PER_MEMBER = 8
# A member whose proposal fell through (declined, or the other side was silent) comes first.
REQUEUED_BONUS = 1.0  # more than any score difference


def pair_pool(
    pool: list[scoring.Candidate],
    *,
    excluded: set[tuple[int, int]],
    high_topics: frozenset[int],
    rules: scoring.Rules = scoring.SPEC_RULES,
):
    """The round's pairs for the whole pool: [(a, b, score)] (see matching.pairing).

    Members whose few best candidates all went to others get a second pass among themselves,
    so keeping only the best candidates per member does not cost pairs.
    """
    pairs: list[tuple[scoring.Candidate, scoring.Candidate, float]] = []
    remaining = pool
    for attempt in range(3):
        edges, connected = pairing.candidate_edges(
            remaining,
            excluded=excluded,
            high_topics=high_topics,
            per_member=CANDIDATES_PER_MEMBER,
            rules=rules,
        )
        priority = [REQUEUED_BONUS if c.requeued else 0.0 for c in remaining]
        found = pairing.match(edges, len(remaining), priority=priority, exact=attempt == 0)
        pairs += [(remaining[i], remaining[j], value) for i, j, value in found]
        paired = {c.member_id for a, b, _ in pairs for c in (a, b)}
        remaining = [c for c in remaining if c.member_id in connected and c.member_id not in paired]
        if len(remaining) < 2 or not found:
            break
    return pairs


@transaction.atomic
def round_run(*, limit: int = 20000) -> list[Notice]:
    """Pair the waiting queue as a whole; safe with concurrent rounds (SKIP LOCKED)."""
    now = clock.now()
    search_ids = _lock_queue(now, limit)
    if len(search_ids) < 2:
        return []
    pool = _pool(search_ids, now)
    excluded = _excluded_pairs([c.member_id for c in pool], now)
    high_topics = frozenset(
        Topic.objects.filter(sensitivity=Topic.Sensitivity.HIGH).values_list("pk", flat=True)
    )
    pairs = pair_pool(
        pool, excluded=excluded, high_topics=high_topics, rules=MatchingSettings.current().rules()
    )
    if not pairs:
        return []
    arms = dict(
        _rows(
            f"SELECT id, arm FROM {_S} WHERE id = ANY(%s)",
            (search_ids,),
        )
    )
    proposal_ids = [
        row[0]
        for row in _rows(
            f"""
            INSERT INTO {_P} (member_a_id, member_b_id, search_a_id, search_b_id, score, shared_topic_ids,
                              arm, tz_gap_hours, status, decision_a, decision_b, created_at, expires_at)
            SELECT a, b, sa, sb, score, topics::jsonb, arm, gap, 'waiting', '', '', %s, %s
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::float8[], %s::text[],
                        %s::text[], %s::float8[])
                 AS t(a, b, sa, sb, score, topics, arm, gap)
            RETURNING id
            """,
            (
                now,
                now + PROPOSAL_TTL,
                [a.member_id for a, _, _ in pairs],
                [b.member_id for _, b, _ in pairs],
                [a.search_id for a, _, _ in pairs],
                [b.search_id for _, b, _ in pairs],
                [value for _, _, value in pairs],
                [json.dumps(sorted(a.topics & b.topics)) for a, b, _ in pairs],
                [_pair_arm(arms[a.search_id], arms[b.search_id]) for a, b, _ in pairs],
                [scoring.tz_gap_hours(a.timezone, b.timezone) for a, b, _ in pairs],
            ),
        )
    ]
    waited = _rows(
        f"UPDATE {_S} SET status = 'proposed', first_proposal_at = COALESCE(first_proposal_at, %s)"
        " WHERE id = ANY(%s) RETURNING created_at, first_proposal_at = %s",
        (now, [c.search_id for a, b, _ in pairs for c in (a, b)], now),
    )
    first_waits = [(now - created).total_seconds() for created, first in waited if first]
    _count_on_commit("created", len(pairs))

    def observe():
        for seconds in first_waits:
            metrics.time_to_proposal_seconds.observe(seconds)

    transaction.on_commit(observe)
    transaction.on_commit(_refresh_score_avg)
    notices: list[Notice] = []
    for proposal_id, (a, b, _) in zip(proposal_ids, pairs, strict=True):
        notices += _proposal_cards(proposal_id, a.member_id, b.member_id)
    return notices


SCORE_AVG_WINDOW = dt.timedelta(hours=1)


def _refresh_score_avg() -> None:
    """match_score_avg: the mean score of the last hour's proposals, per arm."""
    since = clock.now() - SCORE_AVG_WINDOW
    for row in Proposal.objects.filter(created_at__gte=since).values("arm").annotate(avg=Avg("score")):
        matching_metrics.match_score_avg.labels(row["arm"] or "none").set(row["avg"])


def _reject(proposal: Proposal, reason: str, side: str, now: dt.datetime) -> None:
    """The reject log: why this proposal fell through (codes only)."""
    ProposalRejection.objects.get_or_create(
        proposal=proposal, defaults={"reason": reason, "side": side, "created_at": now}
    )


def _count_on_commit(outcome: str, n: int = 1) -> None:
    transaction.on_commit(lambda: metrics.proposals_total.labels(outcome).inc(n))


def _pair_arm(arm_a: str, arm_b: str) -> str:
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
        _count_on_commit("declined")
        proposal.decided_at = now
        proposal.save()
        _reject(proposal, ProposalRejection.Reason.DECLINED, side, now)
        low, high = _pair(member_id, other_id)
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
    _count_on_commit("confirmed")
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
    _count_on_commit("expired")
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


def _proposal_cards(proposal_id: int, member_a_id: int, member_b_id: int) -> list[Notice]:
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
        notices += _proposal_cards(proposal.pk, proposal.member_a_id, proposal.member_b_id)
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
        _count_on_commit("declined")
        proposal.decided_at = now
        proposal.save(update_fields=["status", "decided_at"])
        _reject(proposal, ProposalRejection.Reason.LEFT, proposal.side_of(member.pk), now)
        other_search = proposal.search_b if proposal.member_a_id == member.pk else proposal.search_a
        if other_search.status == SearchRequest.Status.PROPOSED:
            _requeue(other_search, now, first=True)
