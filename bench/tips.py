"""Tips benchmark (issue 8): pre-checkout answers and payments through the real webhook.

    .venv/bin/python -m config.embedded run -- .venv/bin/python bench/tips.py [--tips 6000] [--seconds 10]

Creates a fresh `bench_tips` database with active conversations and `--tips` pending tips, starts
the fake Bot API and uvicorn (2 workers) as processes, then prints p50/p95/p99 and updates/s for
pre_checkout_query (answered inside the request; Telegram allows 10 s) and for successful_payment
(credit once, thank the payer, tell the recipient), next to a bare endpoint in the same run.
Every payment carries its own charge id, so every one is a real credit, never a duplicate.
"""

import argparse
import asyncio
import itertools
import os
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
    start_conversations,
)

BASE_TG = 60_000_000


def prepare(url: str, tips: int) -> list[tuple[int, str, int]]:
    """Pairs in conversation and one pending tip per pair: (payer tg id, payload, amount)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from tips import payload
    from tips.models import Tip

    sessions = start_conversations(create_members(BASE_TG, 2 * tips))
    created = Tip.objects.bulk_create(
        [
            Tip(
                session=s,
                payer_id=s.member_a_id,
                recipient_id=s.member_b_id,
                amount=10,
                commission_percent=10,
            )
            for s in sessions
        ],
        batch_size=2000,
    )
    return [(BASE_TG + 2 * i, payload.sign(tip_id=t.pk, amount=10), 10) for i, t in enumerate(created)]


def _from(tg: int) -> dict:
    return {"id": tg, "is_bot": False, "first_name": "B"}


def precheckout(i: int, tips, base: int) -> bytes:
    tg, signed, amount = tips[i % len(tips)]
    update = {
        "update_id": base + i,
        "pre_checkout_query": {
            "id": f"pcq{base + i}",
            "from": _from(tg),
            "currency": "XTR",
            "total_amount": amount,
            "invoice_payload": signed,
        },
    }
    return post_request("/telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


def payment(i: int, tips, base: int) -> bytes:
    tg, signed, amount = tips[i]  # one payment per pending tip: IndexError means --tips is too small
    update = {
        "update_id": base + i,
        "message": {
            "message_id": i + 1,
            "date": int(time.time()),
            "chat": {"id": tg, "type": "private", "first_name": "B"},
            "from": _from(tg),
            "successful_payment": {
                "currency": "XTR",
                "total_amount": amount,
                "invoice_payload": signed,
                "telegram_payment_charge_id": f"bench-{base}-{i}",
                "provider_payment_charge_id": "",
            },
        },
    }
    return post_request("/telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tips", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    env = base_env()
    env["DATABASE_URL"] = bench_database_url(env, "bench_tips")
    tips = prepare(env["DATABASE_URL"], args.tips)
    fixed = tips[: args.tips // 4]
    rest = tips[args.tips // 4 :]
    counter = itertools.count()
    with processes(env) as (port, _web):
        asyncio.run(
            fixed_rate(port, lambda i: precheckout(i, tips, 1_000_000), rate=50, seconds=2, label="warm-up")
        )
        runs = [
            asyncio.run(fixed_rate(port, lambda i: get_request("/health"), rate=50, seconds=args.seconds, label="bare @50/s")),
            asyncio.run(fixed_rate(port, lambda i: precheckout(i, tips, 2_000_000), rate=50, seconds=args.seconds, label="pre_checkout @50/s")),
            asyncio.run(fixed_rate(port, lambda i: payment(i, fixed, 3_000_000), rate=50, seconds=args.seconds, label="successful_payment @50/s")),
            asyncio.run(max_rate(port, lambda i: precheckout(i, tips, 4_000_000), concurrency=args.concurrency, seconds=args.seconds, label=f"pre_checkout max (c={args.concurrency})")),
            asyncio.run(max_rate(port, lambda i: payment(next(counter), rest, 5_000_000), concurrency=args.concurrency, seconds=args.seconds, label=f"successful_payment max (c={args.concurrency})")),
        ]  # fmt: skip
    print(f"\ntips benchmark: {args.tips} pending tips, 2 uvicorn workers, {args.seconds:.0f} s per run")
    for run in runs:
        print(run.line())
    print(f"ratio p95 @50/s pre_checkout/bare: {ratio(runs[1].pct(95), runs[0].pct(95))}")
    print(f"ratio p95 @50/s successful_payment/bare: {ratio(runs[2].pct(95), runs[0].pct(95))}")


if __name__ == "__main__":
    sys.exit(main())
