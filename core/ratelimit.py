"""The one rate limiter: fixed windows in Redis, failing open when Redis is unreachable."""

from __future__ import annotations

import hashlib

import redis.exceptions
import structlog

from core.redis import aconnection

log = structlog.get_logger(__name__)

# Create the window, then count, atomically (Redis 6, the embedded one, as well as 7): one command
# and one reply, where SET NX + INCR in MULTI/EXEC read four replies (each under its own timeout).
_HIT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return redis.call('INCR', KEYS[1])
"""
_HIT_SHA = hashlib.sha1(_HIT.encode(), usedforsecurity=False).hexdigest()


async def hit(key: str, *, seconds: int) -> int:
    """Count one use of `key` in the current window of `seconds`; 1 when Redis is unreachable
    (Redis is disposable: losing it must not silence or punish members)."""
    try:
        client = aconnection()
        try:
            count = await client.evalsha(_HIT_SHA, 1, f"ratelimit:{key}", seconds)
        except redis.exceptions.NoScriptError:  # a new (or flushed) server: EVAL caches it there
            count = await client.eval(_HIT, 1, f"ratelimit:{key}", seconds)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        log.warning("ratelimit.redis_unavailable", error=type(exc).__name__)
        return 1
    return int(count)


async def allow(key: str, *, limit: int, seconds: int) -> bool:
    """True while `key` was used at most `limit` times in the current window of `seconds`."""
    return await hit(key, seconds=seconds) <= limit
