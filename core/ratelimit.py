"""The one rate limiter: fixed windows in Redis, failing open when Redis is unreachable."""

from __future__ import annotations

import redis.exceptions
import structlog

from core.redis import aconnection

log = structlog.get_logger(__name__)


async def hit(key: str, *, seconds: int) -> int:
    """Count one use of `key` in the current window of `seconds`; 1 when Redis is unreachable
    (Redis is disposable: losing it must not silence or punish members)."""
    try:
        pipe = aconnection().pipeline()
        # Works on Redis 6 (the embedded one) as well as 7: create the window, then count.
        pipe.set(f"ratelimit:{key}", 0, ex=seconds, nx=True)
        pipe.incr(f"ratelimit:{key}")
        _, count = await pipe.execute()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        log.warning("ratelimit.redis_unavailable", error=type(exc).__name__)
        return 1
    return int(count)


async def allow(key: str, *, limit: int, seconds: int) -> bool:
    """True while `key` was used at most `limit` times in the current window of `seconds`."""
    return await hit(key, seconds=seconds) <= limit
