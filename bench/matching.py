"""Matching benchmark (issue 5), on PostgreSQL: a round over 10 000 waiting members.

    .venv/bin/python bench/matching.py [--population 100000] [--waiting 10000] [--arrivals 20]

Creates a fresh `bench_matching` database on the embedded (or DATABASE_URL's) server with a
synthetic population (topics 2–5 of 14 with a realistic skew, 12 timezones of Russian-speaking
regions, availability windows, helpfulness from ratings), puts `--waiting` of them in the queue,
then prints:
- candidate selection for one member against the whole queue (p50/p95), and amortised per
  member within a round;
- a full round (`matching.rounds.round_run`: load the pool from PostgreSQL, score, match,
  write the proposals), its match yield and mean score, against a first-come greedy baseline
  (each member in queue order takes their best free candidate) on the same pool, and against the
  exact maximum-weight matching on a 300-member sample;
- /find → proposal latency: members arrive at `--arrivals` per second for `--seconds` while
  rounds run back to back (what the round job does while /find keeps arriving).
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import base_env, bench_database_url  # noqa: E402

TIMEZONES = [
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Minsk", "Europe/Samara", "Asia/Tbilisi", "Asia/Yekaterinburg",
    "Asia/Tashkent", "Asia/Omsk", "Asia/Novosibirsk", "Asia/Irkutsk", "Asia/Vladivostok", "Europe/Berlin",
]  # fmt: skip
TZ_WEIGHTS = [3, 40, 8, 5, 3, 10, 6, 3, 8, 3, 3, 8]
TOPIC_WEIGHTS = [14, 12, 8, 10, 5, 9, 12, 7, 6, 4, 4, 2, 3, 2]  # burnout and anxiety are common
PARTS = ["morning", "day", "evening", "night"]


def profiles(n: int, rng: random.Random) -> list[dict]:
    people = []
    for _ in range(n):
        k = rng.choice([2, 2, 3, 3, 3, 4, 5])
        topics: set[int] = set()
        while len(topics) < k:
            topics.add(rng.choices(range(14), TOPIC_WEIGHTS)[0])
        windows = set(rng.sample(PARTS, rng.choice([1, 2, 2, 3])))
        windows.add(rng.choice(["weekdays", "weekends"]))
        people.append(
            {
                "topics": topics,
                "timezone": rng.choices(TIMEZONES, TZ_WEIGHTS)[0],
                "availability": sorted(windows),
                "helpfulness": min(1.0, max(0.0, rng.gauss(0.55, 0.15))),
            }
        )
    return people


def seed(population: int, waiting: int, rng: random.Random) -> list[int]:
    """Members, their topics and the queue, bulk-loaded; returns the ids of members not waiting."""
    import datetime as dt

    from accounts.models import Member, MemberTopic, Topic
    from core import clock
    from core.pseudonym import pseudonymous_ref
    from matching.models import ExperimentAssignment, SearchRequest

    topic_ids = list(Topic.objects.order_by("order", "pk").values_list("pk", flat=True))[:14]
    people = profiles(population, rng)
    members = Member.objects.bulk_create(
        [
            Member(
                tg_id=90_000_000 + i,
                ref=pseudonymous_ref(90_000_000 + i),
                pseudonym=f"m{i}",
                onboarding_step="done",
                timezone=p["timezone"],
                availability=p["availability"],
                helpfulness=p["helpfulness"],
            )
            for i, p in enumerate(people)
        ],
        batch_size=5000,
    )
    MemberTopic.objects.bulk_create(
        [
            MemberTopic(member=m, topic_id=topic_ids[t])
            for m, p in zip(members, people, strict=True)
            for t in p["topics"]
        ],
        batch_size=10000,
    )
    now = clock.now()
    queue = rng.sample(members, waiting)
    arms = {m.pk: rng.choice(["strict", "soft"]) for m in queue}
    ExperimentAssignment.objects.bulk_create(
        [ExperimentAssignment(member=m, arm=arms[m.pk]) for m in queue], batch_size=5000
    )
    SearchRequest.objects.bulk_create(
        [
            SearchRequest(
                member=m,
                arm=arms[m.pk],
                created_at=now - dt.timedelta(seconds=waiting - i),
                queued_at=now - dt.timedelta(seconds=waiting - i),
                expires_at=now + dt.timedelta(hours=24),
            )
            for i, m in enumerate(queue)
        ],
        batch_size=5000,
    )
    waiting_ids = {m.pk for m in queue}
    return [m.pk for m in members if m.pk not in waiting_ids]


def greedy_first_come(pool: list, high_topics: frozenset[int]) -> list[tuple]:
    """The baseline: in queue order, each free member takes their best free candidate."""
    from matching import scoring

    by_topic: dict[int, list[int]] = {}
    for index, c in enumerate(pool):
        for t in c.topics:
            by_topic.setdefault(t, []).append(index)
    taken: set[int] = set()
    pairs = []
    for i, a in enumerate(pool):
        if i in taken:
            continue
        best, best_j = None, None
        for j in {j for t in a.topics for j in by_topic[t]}:
            if j == i or j in taken:
                continue
            value = scoring.score(a, pool[j], high_topics=high_topics)
            if value is not None and (best is None or value > best):
                best, best_j = value, j
        if best_j is not None:
            taken |= {i, best_j}
            pairs.append((a, pool[best_j], best))
    return pairs


def pct(data: list[float], p: float) -> float:
    data = sorted(data)
    return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--population", type=int, default=100_000)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--arrivals", type=float, default=20.0, help="new /find per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the arrivals run")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    env = base_env()
    os.environ["DATABASE_URL"] = bench_database_url(env, "bench_matching")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    import numpy as np
    from django.db import close_old_connections

    from accounts.models import Topic
    from core import clock
    from matching import pairing, rounds, services
    from matching.models import Proposal, SearchRequest

    rng = random.Random(args.seed)
    started = time.perf_counter()
    idle_members = seed(args.population, args.waiting, rng)
    print(f"\nmatching benchmark on PostgreSQL: population {args.population}, waiting {args.waiting}")
    print(f"seeded in {time.perf_counter() - started:.1f} s")

    searches = list(SearchRequest.objects.filter(status="waiting").order_by("queued_at"))
    started = time.perf_counter()
    pool = rounds.candidates_for_pool(searches)
    load_seconds = time.perf_counter() - started
    high = frozenset(Topic.objects.filter(sensitivity="high").values_list("pk", flat=True))
    started = time.perf_counter()
    enc = pairing.encode(pool, high)
    encode_seconds = time.perf_counter() - started

    timings = []
    for i in rng.sample(range(len(pool)), 1000):
        t0 = time.perf_counter()
        row = np.nan_to_num(pairing.score_block(enc, np.array([i])), nan=-1.0)[0]
        best = np.argpartition(-row, rounds.CANDIDATES_PER_MEMBER)[: rounds.CANDIDATES_PER_MEMBER]
        [int(j) for j in best if row[j] >= 0]
        timings.append((time.perf_counter() - t0) * 1000)
    print(
        f"candidate selection, one member against {len(pool)} waiting: "
        f"p50 {pct(timings, 50):.2f} ms, p95 {pct(timings, 95):.2f} ms (target p95 ≤ 10 ms)"
    )
    print(
        f"loading the pool from PostgreSQL: {load_seconds * 1000:.0f} ms; encoding: {encode_seconds * 1000:.0f} ms"
    )

    started = time.perf_counter()
    baseline = greedy_first_come(pool, high)
    greedy_seconds = time.perf_counter() - started

    started = time.perf_counter()
    rounds.round_run()
    round_seconds = time.perf_counter() - started
    ours = list(Proposal.objects.values_list("score", flat=True))
    print(
        f"full round over {len(pool)} waiting (round_run, PostgreSQL included): {round_seconds:.2f} s (target ≤ 2 s)"
    )
    print(f"  amortised candidate work per member in the round: {round_seconds / len(pool) * 1000:.3f} ms")
    print(f"first-come greedy baseline on the same pool (in memory): {greedy_seconds:.2f} s")
    ours_yield = 2 * len(ours) / len(pool)
    base_yield = 2 * len(baseline) / len(pool)
    ours_score = statistics.fmean(ours) if ours else 0.0
    base_score = statistics.fmean(p[2] for p in baseline) if baseline else 0.0
    print(
        f"match yield: ours {ours_yield:.1%}, greedy {base_yield:.1%}, ratio {ours_yield / base_yield:.2f} (target ≥ 1.10)"
    )
    print(f"mean score: ours {ours_score:.3f}, greedy {base_score:.3f}, ratio {ours_score / base_score:.2f}")
    print(
        f"total score: ours {sum(ours):.0f}, greedy {sum(p[2] for p in baseline):.0f}, ratio {sum(ours) / sum(p[2] for p in baseline):.2f}"
    )

    sample = pool[:300]
    edges, _ = pairing.candidate_edges(sample, excluded=set(), high_topics=high)
    exact = pairing.match(edges, len(sample))
    saved, pairing.EXACT_LIMIT = pairing.EXACT_LIMIT, 0
    approx = pairing.match(edges, len(sample))
    pairing.EXACT_LIMIT = saved
    exact_total, approx_total = sum(e[2] for e in exact), sum(e[2] for e in approx)
    print(
        f"large-pool algorithm vs exact maximum weight on a 300-member sample: weight "
        f"{approx_total / exact_total:.3f} of exact, pairs {len(approx)} vs {len(exact)}"
    )

    # /find → proposal under arrivals: a fresh queue of `waiting`, new members keep arriving,
    # rounds run back to back (the round job re-runs at once while /find keeps coming).
    Proposal.objects.all().delete()
    SearchRequest.objects.update(
        status="waiting", first_proposal_at=None, created_at=clock.now(), queued_at=clock.now()
    )
    arrivals: list[int] = []
    stop = threading.Event()

    def keep_rounding():
        while not stop.is_set():
            rounds.round_run()
            close_old_connections()

    runner = threading.Thread(target=keep_rounding)
    runner.start()
    started = time.monotonic()
    newcomers = iter(rng.sample(idle_members, int(args.arrivals * args.seconds) + 10))
    n = 0
    while time.monotonic() - started < args.seconds:
        due = int((time.monotonic() - started) * args.arrivals)
        while n < due:
            outcome = services.search_start(member_id=next(newcomers))
            arrivals.append(outcome.search.pk)
            n += 1
        time.sleep(0.01)
    time.sleep(3)
    stop.set()
    runner.join()
    close_old_connections()
    arrival_ids = set(arrivals)
    rows = SearchRequest.objects.filter(pk__in=arrivals).values_list("created_at", "first_proposal_at")
    waits = [(p - c).total_seconds() for c, p in rows if p is not None]
    # The system's part of a wait starts when the pair became possible: when the later of the
    # two arrived. Before that the member waited for a partner to exist (the market, not us).
    started_of = dict(SearchRequest.objects.values_list("pk", "created_at"))
    system = []
    for a, b, made in Proposal.objects.values_list("search_a_id", "search_b_id", "created_at"):
        if a in arrival_ids or b in arrival_ids:
            system.append((made - max(started_of[a], started_of[b])).total_seconds())
    if waits:
        print(
            f"/find → proposal with {args.arrivals:.0f} arrivals/s for {args.seconds:.0f} s on a queue of {args.waiting}: "
            f"{len(waits)}/{len(arrivals)} got a proposal; p50 {pct(waits, 50):.2f} s, p95 {pct(waits, 95):.2f} s, "
            f"max {max(waits):.2f} s (waiting for a partner to arrive included)"
        )
        print(
            f"  from the moment a pair was possible (the later of the two arrived) to its proposal, "
            f"{len(system)} pairs: p50 {pct(system, 50):.2f} s, p95 {pct(system, 95):.2f} s, "
            f"max {max(system):.2f} s (target p95 ≤ 3 s)"
        )


if __name__ == "__main__":
    main()
