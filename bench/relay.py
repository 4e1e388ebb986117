"""Relay benchmark (issue 6): text messages between many active pairs through the real webhook.

    .venv/bin/python bench/relay.py [--pairs 2000] [--seconds 15]

Creates a fresh `bench_relay` database with `--pairs` active conversations, starts the fake
Bot API and uvicorn (2 workers) as processes, then prints p50/p95/p99 and updates/s for relayed
text at a fixed 100 updates/s and at the maximum (closed loop), next to a bare endpoint in the
same run, and the web processes' RSS before and after. Members are many enough that the
15-messages-a-minute limit never triggers, so every update is a real copyMessage.
"""

import argparse
import asyncio
import os
import random
import sys
import time

from harness import (
    SECRET,
    base_env,
    bench_database_url,
    create_members,
    fixed_rate,
    get_request,
    max_rate,
    post_request,
    processes,
    ratio,
    rss_mb,
    start_conversations,
)

BASE_TG = 50_000_000


def prepare(url: str, pairs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()

    start_conversations(create_members(BASE_TG, 2 * pairs))


def text_update(i: int, members: int, base: int) -> bytes:
    tg = BASE_TG + random.randrange(members)
    update = {
        "update_id": base + i,
        "message": {
            "message_id": i + 1,
            "date": int(time.time()),
            "chat": {"id": tg, "type": "private", "first_name": "B"},
            "from": {"id": tg, "is_bot": False, "first_name": "B"},
            "text": "Мне тоже было тяжело первое время, но стало легче",
        },
    }
    return post_request("/telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    env = base_env()
    env["DATABASE_URL"] = bench_database_url(env, "bench_relay")
    prepare(env["DATABASE_URL"], args.pairs)
    members = 2 * args.pairs
    with processes(env) as (port, web):
        asyncio.run(
            fixed_rate(
                port, lambda i: text_update(i, members, 1_000_000), rate=50, seconds=2, label="warm-up"
            )
        )
        rss_start = rss_mb(web.pid)
        runs = [
            asyncio.run(fixed_rate(port, lambda i: get_request("/health"), rate=100, seconds=args.seconds, label="bare @100/s")),
            asyncio.run(fixed_rate(port, lambda i: text_update(i, members, 2_000_000), rate=100, seconds=args.seconds, label="relay text @100/s")),
            asyncio.run(max_rate(port, lambda i: get_request("/health"), concurrency=args.concurrency, seconds=args.seconds, label=f"bare max (c={args.concurrency})")),
            asyncio.run(max_rate(port, lambda i: text_update(i, members, 3_000_000), concurrency=args.concurrency, seconds=args.seconds, label=f"relay text max (c={args.concurrency})")),
        ]  # fmt: skip
        rss_end = rss_mb(web.pid)
    total = sum(len(r.latencies_ms) for r in runs[1::2])
    print(f"\nrelay benchmark: {args.pairs} active pairs, 2 uvicorn workers, {args.seconds:.0f} s per run")
    for run in runs:
        print(run.line())
    print(f"ratio p95 @100/s relay/bare: {ratio(runs[1].pct(95), runs[0].pct(95))}")
    print(f"ratio max throughput relay/bare: {ratio(runs[3].rate, runs[2].rate)}")
    print(f"web RSS: {rss_start:.0f} MiB before, {rss_end:.0f} MiB after {total} relayed updates")


if __name__ == "__main__":
    sys.exit(main())
