"""The peer race (issue 20): this project against a small aiogram 3 + asyncpg bot, same run.

    .venv/bin/python -m config.embedded run -- .venv/bin/python bench/race.py [--seconds 10] [--rates 50,100]

Installs the peer (bench/peer/) into its own virtualenv, bench/.peer-venv, the first time. Starts
one fake Telegram Bot API, this project on one process (uvicorn on config.asgi, the production
path, uvloop + httptools) against a fresh `bench_race` database, and the peer on one process
(uvicorn, uvloop + httptools) against `bench_race_peer` on the same PostgreSQL. Both do, per
update: the secret check, the update_id dedup claim, the member write, then
- /help from a new member: one sendMessage;
- text from a member in a conversation: the partner looked up, one copyMessage.
Each scenario runs on ours, then the peer, at fixed rates (open loop, latency from the scheduled
send) and at the maximum (closed loop, --concurrency clients); it prints updates/s, p50/p95/p99,
the server's CPU per handled update (answered 200), and the ratios project/peer measured in the
same run. Server logs go to $TMPDIR/bench-race.log.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psutil
from harness import (
    PY,
    ROOT,
    SECRET,
    TOKEN,
    Result,
    _libpq,
    _replace_db,
    _wait_http,
    base_env,
    bench_database_url,
    create_members,
    fixed_rate,
    free_port,
    max_rate,
    post_request,
    start_conversations,
)

PEER_DIR = ROOT / "bench" / "peer"
PEER_VENV = ROOT / "bench" / ".peer-venv"
PAIRED_BASE = 70_000_000  # members in conversations: PAIRED_BASE + 0 … 2·pairs-1 (partners 2k, 2k+1)
NEW_BASE = 80_000_000  # strangers sending /help, a fresh block per run


def peer_python() -> Path:
    """The peer's virtualenv, (re)installed when bench/peer/requirements.txt changed."""
    requirements = PEER_DIR / "requirements.txt"
    stamp = PEER_VENV / ".installed"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    python = PEER_VENV / "bin" / "python"
    if not stamp.exists() or stamp.read_text() != digest:
        print("installing the peer into bench/.peer-venv …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
        stamp.write_text(digest)
    return python


def prepare_ours(url: str, pairs: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    start_conversations(create_members(PAIRED_BASE, 2 * pairs))


def peer_database(env: dict[str, str], name: str = "bench_race_peer") -> tuple[str, dict]:
    """An empty database for the peer; its URL and asyncpg's keyword arguments."""
    import environ
    import psycopg

    admin = psycopg.connect(_libpq(env["DATABASE_URL"]), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    url = _replace_db(env["DATABASE_URL"], name)
    cfg = environ.Env.db_url_config(url)
    opts = cfg.get("OPTIONS", {})
    kwargs = {
        "host": str(opts.get("host") or cfg.get("HOST") or "localhost"),
        "port": int(opts.get("port") or cfg.get("PORT") or 5432),
        "user": cfg["USER"],
        "database": name,
    }
    if cfg.get("PASSWORD"):
        kwargs["password"] = cfg["PASSWORD"]
    return url, kwargs


def prepare_peer(url: str, pairs: int) -> None:
    """The peer's members and pairs (after it created its tables at start-up)."""
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        members = [(PAIRED_BASE + i, f"m{i}") for i in range(2 * pairs)]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO peer_member (tg_id, first_name) VALUES (%s, %s)", members)
            cur.executemany(
                "INSERT INTO peer_pair (tg_id, partner) VALUES (%s, %s)",
                [(PAIRED_BASE + i, PAIRED_BASE + (i ^ 1)) for i in range(2 * pairs)],
            )


LOG = Path(tempfile.gettempdir()) / "bench-race.log"


@contextmanager
def server(args: list[str], *, env: dict[str, str], port: int, cwd: Path = ROOT):
    with LOG.open("ab") as log:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=log)
    try:
        _wait_http(port, "/health")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def uvicorn(python, app: str, port: int, *extra: str) -> list[str]:
    return [
        str(python), "-m", "uvicorn", app, "--port", str(port), "--workers", "1", "--no-access-log",
        "--log-level", "warning", "--loop", "uvloop", "--http", "httptools", *extra,
    ]  # fmt: skip


def _update(update_id: int, tg_id: int, text: str, command: bool) -> bytes:
    message = {
        "message_id": update_id % 1_000_000 + 1,
        "date": int(time.time()),
        "chat": {"id": tg_id, "type": "private", "first_name": "Bench"},
        "from": {"id": tg_id, "is_bot": False, "first_name": "Bench", "language_code": "ru"},
        "text": text,
    }
    if command:
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    body = {"update_id": update_id, "message": message}
    return post_request("/telegram/webhook", body, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


def help_updates(base: int):
    return lambda i: _update(base + i, NEW_BASE + base - 100_000_000 + i, "/help", True)


def relay_updates(base: int, members: int):
    text = "Мне тоже было тяжело первое время, но стало легче"
    return lambda i: _update(base + i, PAIRED_BASE + random.randrange(members), text, False)


def cpu_seconds(pid: int) -> float:
    proc = psutil.Process(pid)
    total = proc.cpu_times()
    seconds = total.user + total.system
    for child in proc.children(recursive=True):
        times = child.cpu_times()
        seconds += times.user + times.system
    return seconds


def measure(port: int, pid: int, make, *, rate: float | None, seconds: float, concurrency: int, label: str):
    before = cpu_seconds(pid)
    if rate is None:
        result = asyncio.run(max_rate(port, make, concurrency=concurrency, seconds=seconds, label=label))
    else:
        result = asyncio.run(fixed_rate(port, make, rate=rate, seconds=seconds, label=label))
    cpu = cpu_seconds(pid) - before
    return result, 1000 * cpu / max(1, handled(result))


def handled(result: Result) -> int:
    """Updates answered 200 (a 503 "busy" is refused, not handled)."""
    return (result.statuses or {}).get(200, 0)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f} ×" if b else "  n/a"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rates", default="100", help="fixed rates, comma-separated (updates/s)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--only", choices=["help", "relay"], default=None)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]

    python = peer_python()
    LOG.write_bytes(b"")
    env = base_env()
    env["DATABASE_URL"] = bench_database_url(env, "bench_race")
    peer_url, peer_kwargs = peer_database(env)
    prepare_ours(env["DATABASE_URL"], args.pairs)

    fake_port, ours_port, peer_port = free_port(), free_port(), free_port()
    api_base = f"http://127.0.0.1:{fake_port}"
    ours_env = {
        **env,
        "TELEGRAM_API_BASE_URL": api_base,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    peer_env = {
        "PATH": os.environ.get("PATH", ""),
        "PEER_DB": json.dumps(peer_kwargs),
        "PEER_API_BASE": api_base,
        "PEER_TOKEN": TOKEN,
        "PEER_SECRET": SECRET,
    }
    fake_cmd = [PY, "-m", "tests.fake_bot_api", "--port", str(fake_port), "--no-record"]
    with ExitStack() as stack:
        fake = subprocess.Popen(fake_cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        stack.callback(lambda: (fake.terminate(), fake.wait(10)))
        ours = stack.enter_context(
            server(uvicorn(PY, "config.asgi:application", ours_port), env=ours_env, port=ours_port)
        )
        peer = stack.enter_context(
            server(
                uvicorn(python, "bot:app", peer_port, "--app-dir", str(PEER_DIR)),
                env=peer_env,
                port=peer_port,
            )
        )
        prepare_peer(peer_url, args.pairs)
        bots = {"ours": (ours_port, ours.pid), "peer": (peer_port, peer.pid)}
        members = 2 * args.pairs
        bases = iter(range(100_000_000, 10**12, 1_000_000))
        scenarios = {
            "help": lambda: help_updates(next(bases)),
            "relay": lambda: relay_updates(next(bases), members),
        }
        if args.only:
            scenarios = {args.only: scenarios[args.only]}
        for port, _pid in bots.values():  # warm both: lazy start-up, pools, imports
            for make in scenarios.values():
                asyncio.run(fixed_rate(port, make(), rate=50, seconds=2, label="warm-up"))
        table: dict[tuple[str, str], tuple[Result, float]] = {}
        for scenario, make in scenarios.items():
            for rate in [*rates, None]:
                mode = "max" if rate is None else f"@{rate:g}/s"
                for name, (port, pid) in bots.items():
                    label = f"{name:<4} {scenario:<5} {mode}"
                    table[(scenario, mode, name)] = measure(
                        port, pid, make(), rate=rate, seconds=args.seconds,
                        concurrency=args.concurrency, label=label,
                    )  # fmt: skip
                    print(table[(scenario, mode, name)][0].line(), flush=True)

    print(f"\npeer race: one process each, {args.seconds:g} s per run, max with {args.concurrency} clients")
    print(
        f"{'scenario':<18}{'bot':<6}{'handled/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU ms/upd':>12}{'errors':>8}"
    )
    for (scenario, mode, name), (result, cpu_ms) in table.items():
        print(
            f"{scenario + ' ' + mode:<18}{name:<6}{handled(result) / result.seconds:>10.1f}{result.pct(50):>9.1f}"
            f"{result.pct(95):>9.1f}{result.pct(99):>9.1f}{cpu_ms:>12.2f}{result.errors:>8}"
        )
    print("\nratios project/peer (throughput: higher is better; latency and CPU: lower is better)")
    for scenario in scenarios:
        for rate in [*rates, None]:
            mode = "max" if rate is None else f"@{rate:g}/s"
            (o, o_cpu), (p, p_cpu) = table[(scenario, mode, "ours")], table[(scenario, mode, "peer")]
            if rate is None:
                line = f"throughput {_ratio(handled(o) / o.seconds, handled(p) / p.seconds)}"
            else:
                line = f"p50 {_ratio(o.pct(50), p.pct(50))}  p95 {_ratio(o.pct(95), p.pct(95))}"
            print(f"  {scenario:<5} {mode:<8} {line}   CPU per update {_ratio(o_cpu, p_cpu)}")


if __name__ == "__main__":
    sys.exit(main())
