"""Shared benchmark harness: a bench database, the fake Bot API and uvicorn as real processes,
and a small keep-alive HTTP/1.1 load generator (fixed rate or maximum throughput).

Nothing here talks to anything but 127.0.0.1 / unix sockets; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PY = sys.executable
SECRET = "bench-secret"
TOKEN = "123456:BENCH"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env() -> dict[str, str]:
    from config import embedded

    env = dict(os.environ)
    env["DATABASE_URL"] = env.get("DATABASE_URL") or embedded.postgres_url()
    env["REDIS_URL"] = env.get("REDIS_URL") or embedded.redis_url()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    env["LOG_LEVEL"] = "WARNING"
    return env


def bench_database_url(env: dict[str, str], name: str = "bench_tno") -> str:
    """Recreate an empty database `name` on the same server and migrate it."""
    import psycopg

    url = env["DATABASE_URL"]
    admin = psycopg.connect(_libpq(url), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    bench_url = _replace_db(url, name)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": bench_url},
        check=True,
    )
    return bench_url


def create_members(base_tg: int, count: int) -> list:
    """`count` onboarded members with Telegram ids from `base_tg` (needs django.setup())."""
    from accounts.models import Member
    from core.pseudonym import pseudonymous_ref

    return Member.objects.bulk_create(
        [
            Member(
                tg_id=base_tg + i,
                ref=pseudonymous_ref(base_tg + i),
                pseudonym=f"m{i}",
                onboarding_step="done",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def start_conversations(members: list) -> list:
    """Pair members[0] with members[1], [2] with [3]…: a Match and an active 72-hour chat each;
    returns the chats (needs django.setup())."""
    import datetime as dt

    from chats.models import ChatSession
    from core import clock
    from matching.models import Match

    matches = Match.objects.bulk_create(
        [Match(member_a=members[i], member_b=members[i + 1]) for i in range(0, len(members) - 1, 2)],
        batch_size=2000,
    )
    ends = clock.now() + dt.timedelta(hours=72)
    return ChatSession.objects.bulk_create(
        [
            ChatSession(match=m, member_a_id=m.member_a_id, member_b_id=m.member_b_id, ends_at=ends)
            for m in matches
        ],
        batch_size=2000,
    )


def _libpq(url: str) -> str:
    import environ

    cfg = environ.Env.db_url_config(url)
    opts = cfg.get("OPTIONS", {})
    host = opts.get("host") or cfg.get("HOST") or "localhost"
    port = opts.get("port") or cfg.get("PORT") or 5432
    parts = [f"dbname={cfg['NAME']}", f"user={cfg['USER']}", f"host={host}", f"port={port}"]
    if cfg.get("PASSWORD"):
        parts.append(f"password={cfg['PASSWORD']}")
    return " ".join(parts)


def _replace_db(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    scheme_host, _, _db = head.rpartition("/")
    return f"{scheme_host}/{name}{sep}{query}"


@contextmanager
def processes(env: dict[str, str], *, web_workers: int = 2):
    """Start the fake Bot API and uvicorn; yield the web port; stop both."""
    fake_port, web_port = free_port(), free_port()
    fake = subprocess.Popen(
        [PY, "-m", "tests.fake_bot_api", "--port", str(fake_port), "--no-record"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    web_env = {
        **env,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{fake_port}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    web = subprocess.Popen(
        [
            PY, "-m", "uvicorn", "config.asgi:application", "--port", str(web_port),
            "--workers", str(web_workers), "--no-access-log", "--log-level", "warning",
            "--loop", "uvloop", "--http", "httptools",
        ],
        cwd=ROOT,
        env=web_env,
    )  # fmt: skip
    try:
        _wait_http(web_port, "/health")
        yield web_port, web
    finally:
        for proc in (web, fake):
            proc.terminate()
        for proc in (web, fake):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_http(port: int, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not become healthy")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), in MiB."""
    import psutil

    proc = psutil.Process(pid)
    total = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    return total / 2**20


# -- load generation ----------------------------------------------------------------------------

RequestFactory = Callable[[int], bytes]


def post_request(path: str, body: dict, headers: dict[str, str] | None = None) -> bytes:
    data = json.dumps(body).encode()
    head = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def get_request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        for _attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(raw)
            status_line = await self.reader.readline()
            if status_line:
                break
            # The server closed an idle keep-alive connection before reading: reconnect, resend.
            self.writer.close()
            self.writer = None
        length = 0
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return int(status_line.split()[1]) if status_line else 0


@dataclass
class Result:
    label: str
    latencies_ms: list[float]
    errors: int
    seconds: float
    statuses: dict | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(round(p / 100 * (len(data) - 1))))]

    def line(self) -> str:
        return (
            f"{self.label:<38} n={len(self.latencies_ms):>6}  {self.rate:>7.1f}/s  "
            f"p50={self.pct(50):6.1f} ms  p95={self.pct(95):6.1f} ms  p99={self.pct(99):6.1f} ms  "
            f"errors={self.errors}" + (f" {self.statuses}" if self.errors and self.statuses else "")
        )


async def fixed_rate(port: int, make: RequestFactory, *, rate: float, seconds: float, label: str) -> Result:
    """Open-loop load: one request every 1/rate s; latency counted from the scheduled send time."""
    total = int(rate * seconds)
    pool: list[Connection] = [Connection(port) for _ in range(64)]
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    start = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal errors
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        conn = pool.pop() if pool else Connection(port)
        try:
            status = await conn.request(make(i))
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                errors += 1
            latencies.append((time.perf_counter() - scheduled) * 1000)
        except OSError:
            errors += 1
            conn = Connection(port)
        pool.append(conn)

    await asyncio.gather(*(one(i) for i in range(total)))
    return Result(label, latencies, errors, time.perf_counter() - start, statuses)


async def max_rate(
    port: int, make: RequestFactory, *, concurrency: int, seconds: float, label: str
) -> Result:
    """Closed-loop load: `concurrency` clients send back to back for `seconds`."""
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    counter = iter(range(10**9))
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        conn = Connection(port)
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                status = await conn.request(make(next(counter)))
            except OSError:
                errors += 1
                conn = Connection(port)
                continue
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return Result(label, latencies, errors, time.perf_counter() - start, statuses)


def ratio(ours: float, bare: float) -> str:
    return f"{ours / bare:.2f}" if bare else "n/a"


__all__ = ["statistics"]
