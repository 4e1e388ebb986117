"""Anonymizer quality on the labelled set: recall per entity type and false positives on clean text.

Run: .venv/bin/python bench/anonymizer.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "coach" / "data"


def evaluate() -> dict:
    from coach.anonymizer import anonymize

    found, total, misses = Counter(), Counter(), []
    rows = [
        json.loads(line) for line in (DATA / "anonymizer_labelled.jsonl").read_text().splitlines() if line
    ]
    started = time.perf_counter()
    for row in rows:
        out = anonymize(row["text"])
        for entity in row["entities"]:
            total[entity["type"]] += 1
            if entity["value"] not in out:
                found[entity["type"]] += 1
            else:
                misses.append((entity["type"], row["text"], out))
    clean = [line for line in (DATA / "anonymizer_clean.txt").read_text().splitlines() if line]
    altered = [(line, anonymize(line)) for line in clean]
    altered = [(a, b) for a, b in altered if a != b]
    elapsed = time.perf_counter() - started
    return {
        "messages": len(rows),
        "entities": sum(total.values()),
        "recall": {kind: found[kind] / total[kind] for kind in sorted(total)},
        "recall_overall": sum(found.values()) / sum(total.values()),
        "clean_messages": len(clean),
        "false_positive_rate": len(altered) / len(clean),
        "false_positives": altered,
        "misses": misses,
        "ms_per_message": 1000 * elapsed / (len(rows) + len(clean)),
    }


def main() -> None:
    result = evaluate()
    print(f"labelled messages: {result['messages']}, entities: {result['entities']}")
    for kind, recall in result["recall"].items():
        print(f"  recall {kind:<9} {recall:.3f}")
    print(f"recall overall: {result['recall_overall']:.3f}")
    print(
        f"false positives on clean messages: {len(result['false_positives'])}/{result['clean_messages']}"
        f" = {result['false_positive_rate']:.3f}"
    )
    for before, after in result["false_positives"]:
        print(f"  FP: {before!r} -> {after!r}")
    for kind, text, out in result["misses"]:
        print(f"  MISS {kind}: {text!r} -> {out!r}")
    print(f"time per message (warm after first): {result['ms_per_message']:.2f} ms")


if __name__ == "__main__":
    main()
