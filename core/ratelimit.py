"""The one rate limiter: fixed windows in Redis, failing open when Redis is unreachable."""

from __future__ import annotations

import redis.exceptions
import structlog

from core.redis import aconnection
from core.redis import connection as redis_connection

log = structlog.get_logger(__name__)


def allow_sync(key: str, *, limit: int, seconds: int) -> bool:
    """True while `key` was used at most `limit` times in the current window of `seconds`."""
    try:
        pipe = redis_connection().pipeline()
        # Works on Redis 6 (the embedded one) as well as 7: create the window, then count.
        pipe.set(f"ratelimit:{key}", 0, ex=seconds, nx=True)
        pipe.incr(f"ratelimit:{key}")
        _, count = pipe.execute()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        log.warning("ratelimit.redis_unavailable", error=type(exc).__name__)
        return True  # Redis is disposable: losing it must not silence members
    return int(count) <= limit


async def allow(key: str, *, limit: int, seconds: int) -> bool:
    """allow_sync on the event loop (asyncio Redis client, no thread hop)."""
    try:
        pipe = aconnection().pipeline()
        pipe.set(f"ratelimit:{key}", 0, ex=seconds, nx=True)
        pipe.incr(f"ratelimit:{key}")
        _, count = await pipe.execute()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        log.warning("ratelimit.redis_unavailable", error=type(exc).__name__)
        return True
    return int(count) <= limit
