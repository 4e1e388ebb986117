"""Webhook benchmark (issue 3): /start updates through the real webhook vs a bare ninja endpoint.

    .venv/bin/python -m config.embedded run -- .venv/bin/python bench/webhook.py [--seconds 15]

Starts the fake Bot API and uvicorn (2 workers) as processes on loopback against a fresh
`bench_tno` database, then prints p50/p95/p99 and updates/s at a fixed 100 updates/s and at the
maximum (closed loop), for the webhook and for GET /health (a bare django-ninja endpoint), with
the ratio ours/bare. Each /start comes from a new member, so every update writes a member row.
"""

import argparse
import asyncio
import itertools
import time

from harness import (
    SECRET,
    base_env,
    bench_database_url,
    fixed_rate,
    get_request,
    max_rate,
    post_request,
    processes,
    ratio,
    rss_mb,
)


def start_update(i: int, base: int) -> bytes:
    tg_id = base + i
    update = {
        "update_id": base + i,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": tg_id, "type": "private", "first_name": "Bench"},
            "from": {"id": tg_id, "is_bot": False, "first_name": "Bench"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    return post_request("/telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    env = base_env()
    env["DATABASE_URL"] = bench_database_url(env)
    bases = itertools.count(10_000_000, 1_000_000)
    with processes(env, web_workers=args.workers) as (port, web):
        # Warm up both paths (lazy Application, connection pools).
        warm = next(bases)
        asyncio.run(fixed_rate(port, lambda i: start_update(i, warm), rate=50, seconds=2, label="warm-up"))
        rss_start = rss_mb(web.pid)
        results = []
        base = next(bases)
        results.append(
            asyncio.run(
                fixed_rate(
                    port,
                    lambda i: get_request("/health"),
                    rate=100,
                    seconds=args.seconds,
                    label="bare @100/s",
                )
            )
        )
        results.append(
            asyncio.run(
                fixed_rate(
                    port,
                    lambda i: start_update(i, base),
                    rate=100,
                    seconds=args.seconds,
                    label="webhook /start @100/s",
                )
            )
        )
        results.append(
            asyncio.run(
                max_rate(
                    port,
                    lambda i: get_request("/health"),
                    concurrency=args.concurrency,
                    seconds=args.seconds,
                    label=f"bare max (c={args.concurrency})",
                )
            )
        )
        base = next(bases)
        results.append(
            asyncio.run(
                max_rate(
                    port,
                    lambda i: start_update(i, base),
                    concurrency=args.concurrency,
                    seconds=args.seconds,
                    label=f"webhook /start max (c={args.concurrency})",
                )
            )
        )
        rss_end = rss_mb(web.pid)
    print(f"\nwebhook benchmark, {args.workers} uvicorn workers, {args.seconds:.0f} s per run")
    for result in results:
        print(result.line())
    bare100, ours100, bare_max, ours_max = results
    print(f"ratio p95 @100/s ours/bare: {ratio(ours100.pct(95), bare100.pct(95))}")
    print(f"ratio max throughput ours/bare: {ratio(ours_max.rate, bare_max.rate)}")
    print(f"web RSS: {rss_start:.0f} MiB at start, {rss_end:.0f} MiB at end")
    print("targets: >= 400 updates/s sustained, p95 <= 50 ms at 100 updates/s")


if __name__ == "__main__":
    main()
