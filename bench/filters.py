"""The safety detector (issue 16) on the splits it was never tuned on: recall, false positives, cost.

    .venv/bin/python bench/filters.py            # test split and the fresh sets
    .venv/bin/python bench/filters.py --dev      # the dev split only (for tuning: never test/fresh)

For crisis and toxicity: recall per kind of message and false-positive rate per kind of hard
negative, on the test split and on the fresh sets (`corpus/fresh*/`, each written after a design freeze
and reported separately); an ablation (rules alone, the learned model alone, both); false alerts per 1 000
ordinary chat messages for each tier; µs per message (p50, p95) on one core next to a bare
lower()+split(); start-up cost (dictionaries and weights) and the memory it takes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "—"


def _share(hits: int, total: int) -> str:
    """A share, or a dash for a set without such rows (fresh7 is ordinary lines only)."""
    return f"{hits / total:.3f}" if total else "—"


def crisis_report(split: str) -> None:
    from moderation.detector import NONE, corpus, crisis

    rows = corpus.crisis_rows(split)
    if not rows:
        print(f"\ncrisis · {split}: no rows")
        return
    print(f"\ncrisis · {split} ({len(rows)} messages)")
    variants = {
        "rules+model": {},
        "rules only": {"use_model": False},
        "model only": {"use_rules": False},
    }
    for name, flags in variants.items():
        verdicts = [crisis.assess(r.text, **flags) for r in rows]
        positives = [(r, v) for r, v in zip(rows, verdicts, strict=True) if r.label == "crisis"]
        negatives = [(r, v) for r, v in zip(rows, verdicts, strict=True) if r.label != "crisis"]
        hard = [(r, v) for r, v in negatives if r.kind != "ordinary"]
        ordinary = [(r, v) for r, v in negatives if r.kind == "ordinary"]
        recall = _share(sum(v.tier != NONE for _, v in positives), len(positives))
        likely = _share(sum(v.tier == "likely" for _, v in positives), len(positives))
        fp = _share(sum(v.tier != NONE for _, v in negatives), len(negatives))
        hard_fp = _share(sum(v.tier != NONE for _, v in hard), len(hard))
        print(
            f"  {name:<12} recall {recall} (likely tier {likely})  false positives {fp}"
            f" (hard negatives {hard_fp})"
        )
        if name != "rules+model":
            continue
        by_kind = defaultdict(lambda: [0, 0])
        for r, v in positives:
            by_kind[r.kind][0] += v.tier != NONE
            by_kind[r.kind][1] += 1
        for kind, (hit, total) in sorted(by_kind.items()):
            print(f"    recall   {kind:<28} {_rate(hit, total)}")
        by_kind = defaultdict(lambda: [0, 0])
        for r, v in negatives:
            by_kind[r.kind][0] += v.tier != NONE
            by_kind[r.kind][1] += 1
        for kind, (hit, total) in sorted(by_kind.items()):
            print(f"    flagged  {kind:<28} {_rate(hit, total)}")
        if ordinary:
            for tier in ("possible", "likely"):
                n = sum(v.tier == tier for _, v in ordinary)
                print(f"    false alerts per 1 000 ordinary messages, {tier}: {1000 * n / len(ordinary):.1f}")


def toxicity_report(split: str) -> None:
    from moderation.detector import corpus, toxic_categories

    rows = corpus.toxicity_rows(split)
    if not rows:
        print(f"\ntoxicity · {split}: no rows")
        return
    print(f"\ntoxicity · {split} ({len(rows)} messages)")
    for name, flags in {
        "rules+model": {},
        "rules only": {"use_model": False},
        "model only": {"use_rules": False},
    }.items():
        flagged = [bool(toxic_categories(r.text, **flags)) for r in rows]
        pos = [f for f, r in zip(flagged, rows, strict=True) if r.label == "toxic"]
        neg = [f for f, r in zip(flagged, rows, strict=True) if r.label != "toxic"]
        print(
            f"  {name:<12} recall {_share(sum(pos), len(pos))}  false positives {_share(sum(neg), len(neg))}"
        )
        if name != "rules+model":
            continue
        ordinary = [f for f, r in zip(flagged, rows, strict=True) if r.kind == "ordinary"]
        if ordinary:
            print(f"    held per 1 000 ordinary messages: {1000 * sum(ordinary) / len(ordinary):.1f}")
        by_kind = defaultdict(lambda: [0, 0])
        for f, r in zip(flagged, rows, strict=True):
            by_kind[(r.label, r.kind)][0] += f
            by_kind[(r.label, r.kind)][1] += 1
        for (label, kind), (hit, total) in sorted(by_kind.items()):
            word = "recall " if label == "toxic" else "flagged"
            print(f"    {word}  {kind:<20} {_rate(hit, total)}")


def cost() -> None:
    from moderation import detector
    from moderation.detector import corpus

    texts = [r.text for r in corpus.crisis_rows("test")] + [r.text for r in corpus.toxicity_rows("test")]
    samples = []
    for _ in range(5):
        for message in texts:
            started = time.perf_counter()
            detector.assess(message)
            samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    bare = []
    for message in texts:
        started = time.perf_counter()
        message.lower().split()
        bare.append((time.perf_counter() - started) * 1e6)
    p95 = samples[int(len(samples) * 0.95)]
    print(
        f"\ncost per message (warm, one core): p50 {statistics.median(samples):.0f} µs, p95 {p95:.0f} µs;"
        f" bare lower+split p50 {statistics.median(bare):.2f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", action="store_true", help="the dev split only (tuning)")
    args = parser.parse_args()

    tracemalloc.start()
    started = time.perf_counter()
    from moderation import detector
    from moderation.detector import corpus

    detector.warm()
    startup = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    weights = sum(p.stat().st_size for p in (ROOT / "moderation/detector/weights").glob("*.npz"))
    print(
        f"start-up: {startup * 1000:.0f} ms (pymorphy3 dictionaries + weights),"
        f" peak Python memory {peak / 2**20:.1f} MiB; weights on disk {weights / 1024:.0f} KiB"
    )
    splits = ["dev"] if args.dev else ["test", *corpus.FRESH_SETS]
    for split in splits:
        crisis_report(split)
        toxicity_report(split)
    cost()


if __name__ == "__main__":
    main()
