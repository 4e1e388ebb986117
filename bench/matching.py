"""Matching benchmark (issue 5): a round over 10 000 waiting members vs first-come greedy.

    .venv/bin/python bench/matching.py [--waiting 10000] [--population 100000]

Generates a synthetic population in memory (topics 2–5 of 14 with a realistic skew, 12 timezones
of Russian-speaking regions, availability windows, helpfulness from ratings), takes `--waiting`
of them as the queue, then prints: per-member candidate scoring p50/p95 (the work a round does
for one member), the time of a full round (matching.services.pair_pool: best candidates per
member, exact maximum-weight matching over queue windows), and match yield and mean score versus
a first-come greedy baseline (each member in queue order takes their best free candidate) on
the same queue. No database: the round's SQL part (loading the pool) is timed by the tests' scale.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
import django  # noqa: E402

django.setup()

from matching import scoring, services  # noqa: E402

TIMEZONES = [
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Minsk", "Europe/Samara", "Asia/Tbilisi", "Asia/Yekaterinburg",
    "Asia/Tashkent", "Asia/Omsk", "Asia/Novosibirsk", "Asia/Irkutsk", "Asia/Vladivostok", "Europe/Berlin",
]  # fmt: skip
TZ_WEIGHTS = [3, 40, 8, 5, 3, 10, 6, 3, 8, 3, 3, 8]
TOPIC_WEIGHTS = [14, 12, 8, 10, 5, 9, 12, 7, 6, 4, 4, 2, 3, 2]  # burnout and anxiety are common
HIGH_TOPICS = frozenset({4, 11, 13})
PARTS = ["morning", "day", "evening", "night"]


def population(n: int, rng: random.Random) -> list[scoring.Candidate]:
    people = []
    for i in range(n):
        k = rng.choice([2, 2, 3, 3, 3, 4, 5])
        topics: set[int] = set()
        while len(topics) < k:
            topics.add(rng.choices(range(14), TOPIC_WEIGHTS)[0])
        windows = set(rng.sample(PARTS, rng.choice([1, 2, 2, 3])))
        windows.add(rng.choice(["weekdays", "weekends"]))
        people.append(
            scoring.Candidate(
                member_id=i,
                search_id=i,
                topics=frozenset(topics),
                timezone=rng.choices(TIMEZONES, TZ_WEIGHTS)[0],
                availability=frozenset(windows),
                helpfulness=min(1.0, max(0.0, rng.gauss(0.55, 0.15))),
                strict=rng.random() < 0.5,
                high_risk=rng.random() < 0.01,
            )
        )
    return people


def greedy_first_come(pool: list[scoring.Candidate]) -> list[tuple]:
    """The baseline: in queue order, each free member takes their best free candidate."""
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
            value = scoring.score(a, pool[j], high_topics=HIGH_TOPICS)
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
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = population(args.population, rng)
    queue = rng.sample(people, args.waiting)

    # Per-member candidate scoring against the whole queue (what a round does for one member).
    timings = []
    for a in rng.sample(queue, 200):
        started = time.perf_counter()
        scored = [
            scoring.score(a, b, high_topics=HIGH_TOPICS) for b in queue if b is not a and a.topics & b.topics
        ]
        sorted((s for s in scored if s is not None), reverse=True)[: services.CANDIDATES_PER_MEMBER]
        timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    ours = services.pair_pool(queue, excluded=set(), high_topics=HIGH_TOPICS)
    round_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline = greedy_first_come(queue)
    greedy_seconds = time.perf_counter() - started

    def summary(pairs):
        return 2 * len(pairs) / len(queue), statistics.fmean(p[2] for p in pairs) if pairs else 0.0

    ours_yield, ours_score = summary(ours)
    base_yield, base_score = summary(baseline)
    print(f"\nmatching benchmark: population {args.population}, waiting {args.waiting}")
    print(f"candidate scoring per member: p50 {pct(timings, 50):.1f} ms, p95 {pct(timings, 95):.1f} ms")
    print(
        f"full round (pair_pool): {round_seconds:.2f} s; first-come greedy baseline: {greedy_seconds:.2f} s"
    )
    print(f"match yield: ours {ours_yield:.1%}, greedy {base_yield:.1%}, ratio {ours_yield / base_yield:.2f}")
    print(f"mean score: ours {ours_score:.3f}, greedy {base_score:.3f}, ratio {ours_score / base_score:.2f}")
    print(f"total score: ours {sum(p[2] for p in ours):.0f}, greedy {sum(p[2] for p in baseline):.0f}")


if __name__ == "__main__":
    main()
