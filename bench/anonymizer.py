"""Anonymizer quality: recall per entity type, false positives on clean text, time per message.

Data (tests/coach/data):
  personal.jsonl, personal_clean.jsonl  members' messages, split for good by sha1 of the text
                                        (mod 10: 0–5 train, 6–7 dev, 8–9 test);
  anonymizer_labelled.jsonl, anonymizer_clean.txt  the original set, reported as it is.

Tune while looking at train and dev only: misses and false positives are printed for those
(and the original set), never for test, which reports its figures alone.

Run: .venv/bin/python bench/anonymizer.py [--quiet]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "coach" / "data"
SPLITS = ("train", "dev", "test")
SHOWN = ("original", "train", "dev")  # the sets whose misses may be looked at


def split_of(text: str) -> str:
    """The split a message belongs to, fixed by its text alone."""
    bucket = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket <= 5 else "dev" if bucket <= 7 else "test"


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


def load() -> dict[str, dict[str, list]]:
    """{set name: {"labelled": [{"text", "entities"}], "clean": [str]}} for the original set and each split."""
    sets = {
        "original": {
            "labelled": _jsonl("anonymizer_labelled.jsonl"),
            "clean": [
                line
                for line in (DATA / "anonymizer_clean.txt").read_text(encoding="utf-8").splitlines()
                if line
            ],
        }
    }
    for split in SPLITS:
        sets[split] = {"labelled": [], "clean": []}
    for row in _jsonl("personal.jsonl"):
        sets[split_of(row["text"])]["labelled"].append(row)
    for row in _jsonl("personal_clean.jsonl"):
        sets[split_of(row["text"])]["clean"].append(row["text"])
    # Written independently after the design was frozen (issue 16); never tuned on.
    fresh = ROOT / "moderation" / "detector" / "corpus" / "fresh" / "personal.jsonl"
    if fresh.exists():
        rows = [json.loads(line) for line in fresh.read_text(encoding="utf-8").splitlines() if line]
        sets["fresh"] = {"labelled": rows, "clean": []}
    return sets


def kept(value: str, out: str) -> bool:
    """Whether `value` is still in the anonymized text as a whole token (not as a piece of a longer word)."""
    pattern = re.escape(value)
    if value[:1].isalnum() or value[:1] == "_":
        pattern = r"(?<!\w)" + pattern
    if value[-1:].isalnum() or value[-1:] == "_":
        pattern += r"(?!\w)"
    return re.search(pattern, out) is not None


def evaluate_set(labelled: list[dict], clean: list[str]) -> dict:
    from moderation.detector.personal import anonymize

    found, total, misses = Counter(), Counter(), []
    for row in labelled:
        out = anonymize(row["text"])
        for entity in row["entities"]:
            total[entity["type"]] += 1
            if kept(entity["value"], out):
                misses.append((entity["type"], entity["value"], row["text"], out))
            else:
                found[entity["type"]] += 1
    altered = [(text, out) for text in clean if (out := anonymize(text)) != text]
    return {
        "messages": len(labelled),
        "entities": sum(total.values()),
        "entities_per_type": dict(total),
        "recall": {kind: found[kind] / total[kind] for kind in sorted(total)},
        "recall_overall": sum(found.values()) / max(1, sum(total.values())),
        "clean_messages": len(clean),
        "false_positive_rate": len(altered) / max(1, len(clean)),
        "false_positives": altered,
        "misses": misses,
    }


def timing(sets: dict) -> dict:
    """µs per message: every message once in a fixed shuffled order after one call that loads the analyzer
    (cold: each word is looked up the first time), then the same again (warm word caches). Wall-clock
    time, and the thread's CPU time, which a machine busy with other work does not inflate."""
    from moderation.detector.personal import anonymize

    anonymize("прогрев: Маша, +7 916 123-45-67")
    texts = [row["text"] for s in sets.values() for row in s["labelled"]]
    texts += [t for s in sets.values() for t in s["clean"]]
    random.Random(7).shuffle(texts)
    result = {"messages": len(texts)}
    gc.disable()
    try:
        for label in ("cold", "warm"):
            wall, cpu = [], []
            for text in texts:
                started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
                anonymize(text)
                cpu.append((time.thread_time_ns() - started_cpu) / 1000)
                wall.append((time.perf_counter_ns() - started) / 1000)
            wall.sort()
            cpu.sort()
            p95 = min(len(wall) - 1, int(0.95 * len(wall)))
            result[label] = {
                "p50_us": wall[len(wall) // 2],
                "p95_us": wall[p95],
                "max_us": wall[-1],
                "cpu_p95_us": cpu[p95],
            }
    finally:
        gc.enable()
    return result


def evaluate() -> dict:
    """Every set's figures (misses and false positives included: only look at those of SHOWN) and timing."""
    sets = load()
    timings = timing(sets)  # first: the name caches are cold as for a fresh process
    result = {name: evaluate_set(s["labelled"], s["clean"]) for name, s in sets.items()}
    new_clean = sum((sets[split]["clean"] for split in SPLITS), [])
    all_clean = new_clean + sets["original"]["clean"]
    altered = sum(len(result[name]["false_positives"]) for name in result)
    result["clean_all"] = {"clean_messages": len(all_clean), "false_positive_rate": altered / len(all_clean)}
    result["timing"] = timings
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses or false positives")
    parser.add_argument("--tuning", action="store_true", help="leave the test split out altogether")
    args = parser.parse_args()
    result = evaluate()
    names = (
        ("original", "train", "dev")
        if args.tuning
        else ("original", *SPLITS, *(("fresh",) if "fresh" in result else ()))
    )
    kinds = sorted({kind for name in names for kind in result[name]["recall"]})
    print(f"{'':<18}" + "".join(f"{name:>16}" for name in names))
    print(f"{'messages':<18}" + "".join(f"{result[n]['messages']:>16}" for n in names))
    for kind in kinds:
        cells = []
        for n in names:
            total = result[n]["entities_per_type"].get(kind, 0)
            cells.append(f"{result[n]['recall'][kind]:.3f} ({total:>3})" if total else "-")
        print(f"{'recall ' + kind:<18}" + "".join(f"{c:>16}" for c in cells))
    print(
        f"{'recall overall':<18}"
        + "".join(f"{result[n]['recall_overall']:.3f} ({result[n]['entities']:>3})".rjust(16) for n in names)
    )
    print(
        f"{'clean altered':<18}"
        + "".join(
            f"{result[n]['false_positive_rate']:.3f} ({len(result[n]['false_positives'])}/{result[n]['clean_messages']})".rjust(
                16
            )
            for n in names
        )
    )
    if not args.tuning:
        print(
            f"clean altered over all clean messages: {result['clean_all']['false_positive_rate']:.3f}"
            f" of {result['clean_all']['clean_messages']}"
        )
    t = result["timing"]
    for label in ("cold", "warm"):
        print(
            f"time per message over {t['messages']} messages, {label} word caches: "
            f"p50 {t[label]['p50_us']:.0f} µs, p95 {t[label]['p95_us']:.0f} µs, max {t[label]['max_us']:.0f} µs"
            f" (CPU time p95 {t[label]['cpu_p95_us']:.0f} µs)"
        )
    if args.quiet:
        return
    for name in SHOWN:  # never the test split's
        for before, after in result[name]["false_positives"]:
            print(f"  [{name}] FP: {before!r} -> {after!r}")
        for kind, value, text, out in result[name]["misses"]:
            print(f"  [{name}] MISS {kind} {value!r}: {text!r} -> {out!r}")


if __name__ == "__main__":
    main()
