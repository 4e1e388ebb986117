"""The round's pairing: vectorised scores agree with the readable rules; the matching is sound."""

import random

import numpy as np

from matching import pairing, scoring

TIMEZONES = ["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Vladivostok", "Europe/Berlin", "Asia/Tbilisi"]
AVAILABILITY = ["morning", "day", "evening", "night", "weekdays", "weekends"]
EXPECTATIONS = ["vent", "advice", "share", "support", "listen", "friendship"]


def random_pool(n: int, seed: int) -> list[scoring.Candidate]:
    rng = random.Random(seed)
    return [
        scoring.Candidate(
            member_id=1000 + i,
            search_id=i,
            topics=frozenset(rng.sample(range(1, 15), rng.randint(1, 5))),
            timezone=rng.choice(TIMEZONES),
            availability=frozenset(rng.sample(AVAILABILITY, rng.randint(0, 4))),
            helpfulness=rng.random(),
            strict=rng.random() < 0.5,
            high_risk=rng.random() < 0.2,
            strain=rng.choice((0, 0, 1, 2)),
            expectations=frozenset(rng.sample(EXPECTATIONS, rng.randint(0, 2))),
        )
        for i in range(n)
    ]


def test_vectorised_scores_are_exactly_the_rules_of_scoring_score():
    pool = random_pool(300, seed=7)
    high = frozenset({4, 11})
    enc = pairing.encode(pool, high)
    block = pairing.score_block(enc, np.arange(len(pool)))
    disagreements = []
    allowed = 0
    for i, a in enumerate(pool):
        for j, b in enumerate(pool):
            expected = None if i == j else scoring.score(a, b, high_topics=high)
            got = float(block[i, j])
            allowed += expected is not None
            if (expected is None) != (got < 0) or (expected is not None and abs(expected - got) > 1e-6):
                disagreements.append((i, j, expected, got))
    assert disagreements == []
    assert 0 < allowed < 300 * 299  # the sample exercises both allowed and refused pairs


def test_each_member_keeps_only_eligible_candidates_and_exclusions_hold():
    pool = random_pool(120, seed=3)
    a, b = pool[0].member_id, pool[1].member_id
    edges, _ = pairing.candidate_edges(
        pool, excluded={(min(a, b), max(a, b))}, high_topics=frozenset(), per_member=5
    )
    for i, j, value in edges:
        assert abs(scoring.score(pool[i], pool[j]) - value) <= 2e-6  # float32, rounded to 6 places
        assert {i, j} != {0, 1}


def test_large_pools_pair_members_the_greedy_pass_would_leave_alone():
    # a – b = c – d: the best edge (b, c) first would strand a and d; augmentation fixes it.
    edges = [(0, 1, 0.5), (1, 2, 0.9), (2, 3, 0.5)]
    pairs = pairing.match(edges, pairing.EXACT_LIMIT + 100)
    assert sorted((i, j) for i, j, _ in pairs) == [(0, 1), (2, 3)]


def test_large_pool_matching_never_books_a_member_twice_and_pairs_most():
    pool = random_pool(1500, seed=11)
    edges, connected = pairing.candidate_edges(pool, excluded=set(), high_topics=frozenset())
    pairs = pairing.match(edges, len(pool))
    booked = [m for i, j, _ in pairs for m in (i, j)]
    assert len(booked) == len(set(booked))
    assert len(booked) >= 0.9 * len(connected)


def test_a_requeued_member_is_served_first():
    # b's best match is a, but c was requeued: c goes first, in the exact and the large path.
    edges = [(0, 1, 0.9), (1, 2, 0.3)]
    for n in (3, pairing.EXACT_LIMIT + 1):
        pairs = pairing.match(edges, n, priority=[0.0, 0.0, 1.0] + [0.0] * (n - 3))
        assert sorted(tuple(sorted((i, j))) for i, j, _ in pairs) == [(1, 2)]
