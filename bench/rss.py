"""Web memory under a long stream (issue 20): RSS of one web process over 100 000 updates.

    .venv/bin/python -m config.embedded run -- .venv/bin/python bench/rss.py [--updates 100000]

Starts the fake Telegram Bot API and one uvicorn process on `config.asgi` (the production path)
against a fresh `bench_rss` database with `--pairs` conversations, then sends `--updates` updates
closed-loop with `--concurrency` clients: /help from new members and relayed text between the
pairs, alternating. Relayed texts are as varied as members' (`--vocabulary open`, the default):
words of the detector's corpus, one long word in three with a typo, so the safety detector's
per-word caches meet an open vocabulary as in production; `--vocabulary one` repeats one text.
It samples the process's RSS after the warm-up and every `--every` updates, prints the series,
and the verdict against the target (≤ 150 MiB, no growth: the last sample no more than `--slack`
MiB above the one at 20 % of the run, where caches have filled).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from contextlib import ExitStack

import psutil
from harness import PY, ROOT, Connection, base_env, bench_database_url, free_port
from race import PAIRED_BASE, _update, help_updates, prepare_ours, relay_updates, server, uvicorn

from moderation.detector import corpus  # the project root is on sys.path (harness)

TARGET_MIB = 150


async def send(port: int, make, *, count: int, concurrency: int) -> tuple[int, int]:
    """Send exactly `count` updates with `concurrency` clients; (answered 200, other answers)."""
    counter = iter(range(count))
    ok = other = 0

    async def client() -> None:
        nonlocal ok, other
        conn = Connection(port)
        for i in counter:
            try:
                status = await conn.request(make(i))
            except OSError:
                other += 1
                conn = Connection(port)
                continue
            if status == 200:
                ok += 1
            else:
                other += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return ok, other


LETTERS = "абвгдежзийклмнопрстуфхцчшщыьэюя"


def corpus_words() -> list[str]:
    return sorted(
        {word for row in corpus.crisis_rows() + corpus.toxicity_rows() for word in row.text.split()}
    )


def varied_relay(base: int, members: int, words: list[str]):
    """Relayed text of 3–15 corpus words, one long word in three with a typo (new word forms)."""
    rng = random.Random(base)

    def typo(word: str) -> str:
        if len(word) < 4 or rng.random() > 1 / 3:
            return word
        at = rng.randrange(len(word))
        return word[:at] + rng.choice(LETTERS) + word[at + 1 :]

    def make(i: int) -> bytes:
        text = " ".join(typo(rng.choice(words)) for _ in range(rng.randint(3, 15)))
        return _update(base + i, PAIRED_BASE + rng.randrange(members), text, False)

    return make


def mixed(base: int, members: int, words: list[str] | None):
    """/help from a new member and relayed text, alternating."""
    help_of = help_updates(base)
    relay_of = (
        varied_relay(base + 500_000, members, words) if words else relay_updates(base + 500_000, members)
    )
    return lambda i: relay_of(i) if i % 2 else help_of(i)


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--slack", type=float, default=5.0, help="MiB of growth still called flat")
    parser.add_argument("--vocabulary", choices=["open", "one"], default="open", help="relayed texts")
    args = parser.parse_args()
    words = corpus_words() if args.vocabulary == "open" else None

    env = base_env()
    env["DATABASE_URL"] = bench_database_url(env, "bench_rss")
    prepare_ours(env["DATABASE_URL"], args.pairs)
    fake_port, port = free_port(), free_port()
    web_env = {
        **env,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
        "TELEGRAM_BOT_TOKEN": "123456:BENCH",
        "TELEGRAM_WEBHOOK_SECRET": "bench-secret",
    }
    fake_cmd = [PY, "-m", "tests.fake_bot_api", "--port", str(fake_port), "--no-record"]
    with ExitStack() as stack:
        fake = subprocess.Popen(fake_cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        stack.callback(lambda: (fake.terminate(), fake.wait(10)))
        web = stack.enter_context(
            server(uvicorn(PY, "config.asgi:application", port), env=web_env, port=port)
        )
        # uvicorn --workers 1 serves in a child process: that one holds the application.
        pid = next(iter(psutil.Process(web.pid).children()), psutil.Process(web.pid)).pid
        members = 2 * args.pairs
        asyncio.run(send(port, mixed(100_000_000, members, words), count=1000, concurrency=args.concurrency))
        series = [(0, rss_mib(pid))]
        print(f"web RSS after a 1 000-update warm-up: {series[0][1]:.1f} MiB", flush=True)
        sent, refused, started = 0, 0, time.perf_counter()
        while sent < args.updates:
            chunk = min(args.every, args.updates - sent)
            ok, other = asyncio.run(
                send(
                    port, mixed(200_000_000 + sent, members, words), count=chunk, concurrency=args.concurrency
                )
            )
            sent += chunk
            refused += other
            series.append((sent, rss_mib(pid)))
            rate = sent / (time.perf_counter() - started)
            print(
                f"  {sent:>7} updates  RSS {series[-1][1]:6.1f} MiB  ({rate:.0f}/s, non-200 {refused})",
                flush=True,
            )

    peak = max(rss for _, rss in series)
    settled = next(rss for n, rss in series if n >= args.updates * 0.2)
    growth = series[-1][1] - settled
    print(
        f"\nweb RSS over {sent} updates (/help and relay alternating, {args.vocabulary} vocabulary), one process:"
    )
    print("  " + ", ".join(f"{n // 1000}k: {rss:.0f}" for n, rss in series) + " MiB")
    print(
        f"  peak {peak:.1f} MiB (target ≤ {TARGET_MIB}): {'met' if peak <= TARGET_MIB else 'NOT met'}; "
        f"growth after 20 % of the run {growth:+.1f} MiB: {'flat' if growth <= args.slack else 'GROWS'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
