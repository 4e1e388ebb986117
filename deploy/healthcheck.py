"""Container healthchecks for the image (slim has no curl): `python deploy/healthcheck.py ROLE`.

- web:       GET http://127.0.0.1:8000/health answers 200 (HEALTHCHECK_URL overrides the address).
- worker:    an RQ worker running in this container (same hostname) is registered in Redis; a
             worker that stops sending heartbeats drops out of the registry.
- scheduler: an RQ cron scheduler running in this container is registered in Redis (entries
             without a heartbeat for two minutes are dropped).

Exit status 0 when healthy, 1 with one line on stderr otherwise. Django is not imported: a check
runs every 30 seconds and must stay cheap.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request


def check_web() -> str | None:
    url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/health")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return None
            return f"{url} answered {response.status}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url} unreachable: {exc}"


def _redis():
    import redis

    url = os.environ.get("REDIS_URL", "")
    if not url:
        raise RuntimeError("REDIS_URL is not set")
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def check_worker() -> str | None:
    from rq import Worker

    host = socket.gethostname()
    workers = [w for w in Worker.all(connection=_redis()) if w.hostname == host]
    return None if workers else f"no RQ worker registered from host {host}"


def check_scheduler() -> str | None:
    from rq.cron import CronScheduler

    host = socket.gethostname()
    schedulers = [s for s in CronScheduler.all(_redis()) if s.hostname == host]
    return None if schedulers else f"no RQ cron scheduler registered from host {host}"


CHECKS = {"web": check_web, "worker": check_worker, "scheduler": check_scheduler}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in CHECKS:
        print(f"usage: python deploy/healthcheck.py {{{'|'.join(CHECKS)}}}", file=sys.stderr)
        return 2
    try:
        problem = CHECKS[argv[0]]()
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", said in one line
        problem = f"{argv[0]} check failed: {type(exc).__name__}: {exc}"
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
