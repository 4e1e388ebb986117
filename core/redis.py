"""The process's Redis clients (rate limits, locks, id maps).

`connection()` is the blocking client for jobs and sync code (one pool per process);
`aconnection()` is an asyncio client for the webhook's hot path (one per event loop, so a
rate-limit check or an id-map lookup costs no thread hop).
"""

from __future__ import annotations

import asyncio
import functools

import django_rq
import redis.asyncio
from django.conf import settings

_async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis] | None = None


@functools.cache
def connection():
    # django_rq.get_connection builds a new client (and connects anew) on every call.
    return django_rq.get_connection("default")


def aconnection() -> redis.asyncio.Redis:
    global _async
    loop = asyncio.get_running_loop()
    if _async is None or _async[0] is not loop:
        client = redis.asyncio.from_url(
            settings.RQ_QUEUES["default"]["URL"], socket_timeout=2, socket_connect_timeout=2
        )
        _async = (loop, client)
    return _async[1]


async def reset() -> None:
    """Drop this loop's asyncio client (tests end their loop; fault injection)."""
    global _async
    if _async is not None:
        old, _async = _async, None
        try:
            await old[1].aclose()
        except Exception:  # noqa: BLE001 - a client of a closed loop cannot close cleanly
            pass
