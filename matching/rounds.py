"""The matching round: the whole waiting queue locked, scored and paired at once, in SQL and numpy.

Services for one member's search and proposals are in `matching.services`; this module only runs
rounds (an rq job, see matching.tasks) and gives the pool to admin pages and benchmarks.
"""

from __future__ import annotations

import datetime as dt

import orjson
from django.db import connection, transaction

from accounts.models import Member, Preferences, Topic
from accounts.notices import Notice
from chats.models import ChatSession
from core import clock, metrics
from core.db import int_array
from matching import pairing, scoring, selectors
from matching.models import MatchingSettings, PairCooldown, Proposal, SearchRequest
from matching.services import PROPOSAL_TTL, count_outcome, pair_arm, pair_key, proposal_cards
from moderation.models import SafetyFlag

# The round reads and writes thousands of rows: its SQL passes id lists as one array literal
# (`= ANY(%s::bigint[])`, core.db.int_array) instead of thousands of placeholders, and reads plain
# rows, not model instances.

_M, _MT = Member._meta.db_table, "accounts_membertopic"
# The statuses the SQL compares with, from the models' enums (one source for each rule).
_WAITING, _PROPOSED = SearchRequest.Status.WAITING.value, SearchRequest.Status.PROPOSED.value
_STRICT = SearchRequest.Arm.STRICT.value
_DELETED, _BANNED = Member.Status.DELETED.value, Member.Status.BANNED.value
_ACTIVE = ChatSession.Status.ACTIVE.value
_PROPOSAL_WAITING = Proposal.Status.WAITING.value
_S, _P, _C = SearchRequest._meta.db_table, Proposal._meta.db_table, ChatSession._meta.db_table


def _rows(sql: str, params: tuple | dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_POOL_SQL = f"""
    SELECT s.id, s.member_id, s.arm, s.arm = '{_STRICT}' AND NOT s.widened, s.requeues > 0,
           m.timezone, m.availability, m.helpfulness, m.expectations,
           ARRAY(SELECT topic_id FROM {_MT} t WHERE t.member_id = m.id),
           EXISTS (SELECT 1 FROM {SafetyFlag._meta.db_table} f WHERE f.member_id = m.id
                   AND f.severity = %(high)s AND f.status = ANY(%(open)s)),
           (SELECT p.sensitivity FROM {Preferences._meta.db_table} p WHERE p.member_id = m.id)
    FROM {{searches}} s JOIN {_M} m ON m.id = s.member_id
    WHERE m.unreachable_since IS NULL AND m.status <> '{_DELETED}'
      AND (m.muted_until IS NULL OR m.muted_until <= %(now)s)
      AND NOT (m.status = '{_BANNED}' AND (m.banned_until IS NULL OR m.banned_until > %(now)s))
      AND NOT EXISTS (SELECT 1 FROM {_C} c WHERE c.status = '{_ACTIVE}' AND c.member_a_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM {_C} c WHERE c.status = '{_ACTIVE}' AND c.member_b_id = m.id)
    ORDER BY s.queued_at
"""
# The waiting searches this round owns (another round skips them: never double-booked), locked
# and read in the same statement.
_LOCKED_POOL_SQL = f"""
    WITH owned AS (
        SELECT * FROM {_S} WHERE status = '{_WAITING}' AND expires_at > %(now)s
        ORDER BY queued_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
    )
    {_POOL_SQL.format(searches="owned")}
"""


def _candidates(rows: list[tuple]) -> tuple[list[scoring.Candidate], dict[int, str]]:
    """Candidates in queue order, and each search's arm."""
    pool = [
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
            expectations=frozenset(expectations),
        )
        for (
            search_id,
            member_id,
            _arm,
            strict,
            requeued,
            timezone,
            availability,
            helpfulness,
            expectations,
            topics,
            high_risk,
            sensitivity,
        ) in rows
    ]
    return pool, {row[0]: row[2] for row in rows}


def _pool_params(now: dt.datetime) -> dict:
    return {"high": SafetyFlag.Severity.HIGH, "open": list(SafetyFlag.OPEN), "now": now}


def _locked_pool(now: dt.datetime, limit: int) -> tuple[list[scoring.Candidate], dict[int, str]]:
    """Who can be paired now, in queue order: not muted, banned, unreachable or in a chat."""
    return _candidates(_rows(_LOCKED_POOL_SQL, {**_pool_params(now), "limit": limit}))


def _excluded_pairs(member_ids: list[int], now: dt.datetime) -> set[tuple[int, int]]:
    """Pairs never to propose: barred pairs (a block, a standing report) and cooldowns
    (declined, talked recently)."""
    rows = _rows(
        f"SELECT member_low_id, member_high_id FROM {PairCooldown._meta.db_table}"
        " WHERE until > %(now)s AND (member_low_id = ANY(%(ids)s::bigint[]) OR member_high_id = ANY(%(ids)s::bigint[]))",
        {"now": now, "ids": int_array(member_ids)},
    )
    return {pair_key(a, b) for a, b in rows} | selectors.barred_pairs(member_ids=member_ids)


def candidates_for_pool(searches: list[SearchRequest]) -> list[scoring.Candidate]:
    """The pool for these searches (admin and benchmarks; rounds lock the queue first)."""
    sql = _POOL_SQL.format(searches=f"(SELECT * FROM {_S} WHERE id = ANY(%(ids)s))")
    params = {**_pool_params(clock.now()), "ids": [s.pk for s in searches]}
    return _candidates(_rows(sql, params))[0]


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


# The round's writes in one statement, its rows in one JSON parameter: the proposals, and their
# searches marked proposed (the first proposal's time kept for time-to-proposal).
_WRITE_SQL = f"""
    WITH pairs AS (
        SELECT * FROM jsonb_to_recordset(%(pairs)s::jsonb)
            AS t(a bigint, b bigint, sa bigint, sb bigint, score float8, topics jsonb, arm text,
                 gap float8, fit float8)
    ), proposals AS (
        INSERT INTO {_P} (member_a_id, member_b_id, search_a_id, search_b_id, score, shared_topic_ids,
                          arm, tz_gap_hours, expectation_fit, status, decision_a, decision_b,
                          created_at, expires_at)
        SELECT a, b, sa, sb, score, topics, arm, gap, fit, '{_PROPOSAL_WAITING}', '', '',
               %(now)s, %(expires)s
        FROM pairs
        RETURNING id, search_a_id
    ), searches AS (
        UPDATE {_S} s SET status = '{_PROPOSED}', first_proposal_at = COALESCE(s.first_proposal_at, %(now)s)
        FROM (SELECT sa AS id FROM pairs UNION ALL SELECT sb FROM pairs) AS paired
        WHERE s.id = paired.id
        RETURNING CASE WHEN s.first_proposal_at = %(now)s THEN s.created_at END AS first_wait_from
    )
    SELECT id, search_a_id, NULL FROM proposals
    UNION ALL SELECT NULL, NULL, first_wait_from FROM searches WHERE first_wait_from IS NOT NULL
"""


@transaction.atomic
def round_run(*, limit: int = 20000) -> list[Notice]:
    """Pair the waiting queue as a whole; safe with concurrent rounds (SKIP LOCKED)."""
    now = clock.now()
    pool, arms = _locked_pool(now, limit)
    if len(pool) < 2:
        return []
    excluded = _excluded_pairs([c.member_id for c in pool], now)
    high_topics = frozenset(
        Topic.objects.filter(sensitivity=Topic.Sensitivity.HIGH).values_list("pk", flat=True)
    )
    pairs = pair_pool(
        pool, excluded=excluded, high_topics=high_topics, rules=MatchingSettings.current().rules()
    )
    if not pairs:
        return []
    rows = [
        {
            "a": a.member_id,
            "b": b.member_id,
            "sa": a.search_id,
            "sb": b.search_id,
            "score": value,
            "topics": sorted(a.topics & b.topics),
            "arm": pair_arm(arms[a.search_id], arms[b.search_id]),
            "gap": scoring.tz_gap_hours(a.timezone, b.timezone),
            "fit": scoring.expectation_fit(a.expectations, b.expectations),
        }
        for a, b, value in pairs
    ]
    written = _rows(
        _WRITE_SQL, {"pairs": orjson.dumps(rows).decode(), "now": now, "expires": now + PROPOSAL_TTL}
    )
    proposal_of = {search_id: proposal_id for proposal_id, search_id, _ in written if proposal_id}
    first_waits = [(now - created).total_seconds() for _, _, created in written if created]
    count_outcome("created", len(pairs))

    def observe():
        for seconds in first_waits:
            metrics.time_to_proposal_seconds.observe(seconds)

    transaction.on_commit(observe)
    notices: list[Notice] = []
    for a, b, _ in pairs:
        notices += proposal_cards(proposal_of[a.search_id], a.member_id, b.member_id)
    return notices
