"""An asyncio psycopg pool for the webhook's own bookkeeping (update dedup marks).

Claiming and completing an update are two tiny statements per update; running them on the event
loop instead of hopping to a worker thread doubles the webhook's throughput. Handlers keep using
Django's ORM through core.db.db_call. One pool per event loop (tests run one loop per test).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt

from django.db import connections
from psycopg_pool import AsyncConnectionPool

from core.models import ProcessedUpdate

_current: tuple[asyncio.AbstractEventLoop, AsyncConnectionPool] | None = None
_TABLE = ProcessedUpdate._meta.db_table
# Writes that may wait for the end of the update (counters), set per update by core.webhook:
# they reach PostgreSQL with the update's completion mark, in the same statement.
_with_mark: contextvars.ContextVar[list[tuple[str, tuple]] | None] = contextvars.ContextVar(
    "asyncdb_with_mark", default=None
)


def _conninfo() -> dict:
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return params


async def pool() -> AsyncConnectionPool:
    global _current
    loop = asyncio.get_running_loop()
    if _current is not None and _current[0] is loop:
        return _current[1]
    settings_dict = connections["default"].settings_dict
    options = settings_dict.get("OPTIONS", {}).get("pool") or {}
    new_pool = AsyncConnectionPool(
        kwargs=_conninfo() | {"autocommit": True},
        min_size=1,
        max_size=max(2, int(options.get("max_size", 8)) // 2),
        timeout=float(options.get("timeout", 5.0)),
        open=False,
    )
    await new_pool.open(wait=False)
    if _current is not None and _current[0] is loop:
        await new_pool.close()
        return _current[1]
    _current = (loop, new_pool)
    return new_pool


async def reset() -> None:
    """Close the pool (tests that move the database, fault injection)."""
    global _current
    if _current is not None:
        old, _current = _current, None
        try:
            await old[1].close()
        except Exception:  # noqa: BLE001 - a pool of a closed loop cannot be closed cleanly
            pass


async def update_claim(*, update_id: int, now: dt.datetime, stale_before: dt.datetime) -> bool:
    """Mark an update as being processed; False when it was already handled (or is in flight)."""
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(
            f"""
            INSERT INTO {_TABLE} (update_id, claimed_at, completed) VALUES (%s, %s, false)
            ON CONFLICT (update_id) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
            WHERE {_TABLE}.completed = false AND {_TABLE}.claimed_at < %s
            RETURNING update_id
            """,
            (update_id, now, stale_before),
        )
        return await cursor.fetchone() is not None


def writes_collect() -> contextvars.Token:
    """Start collecting this update's `execute_with_mark` writes (core.webhook, per update)."""
    return _with_mark.set([])


def writes_collected(token: contextvars.Token) -> list[tuple[str, tuple]]:
    """Stop collecting; the writes still to send (to `update_complete` or `writes_flush`)."""
    writes = _with_mark.get() or []
    _with_mark.reset(token)
    return writes


async def execute_with_mark(sql: str, params: tuple = ()) -> None:
    """A write that may wait for the update's completion mark (one UPDATE/INSERT/DELETE without
    RETURNING): sent with it in one statement, or at once outside a webhook update."""
    pending = _with_mark.get()
    if pending is None:
        await execute(sql, params)
    else:
        pending.append((sql, params))


def _with_writes(sql: str, params: tuple, writes: list[tuple[str, tuple]]) -> tuple[str, tuple]:
    """`sql` preceded by `writes` as data-modifying CTEs: one statement, one round trip."""
    if not writes:
        return sql, params
    ctes = ", ".join(f"w{index} AS ({write})" for index, (write, _) in enumerate(writes))
    return f"WITH {ctes} {sql}", tuple(p for _, write_params in writes for p in write_params) + params


async def update_complete(*, update_id: int, writes: list[tuple[str, tuple]] = ()) -> None:
    """Mark the update handled, with the writes it left for the mark (one statement)."""
    sql, params = _with_writes(
        f"UPDATE {_TABLE} SET completed = true WHERE update_id = %s", (update_id,), list(writes)
    )
    async with (await pool()).connection() as conn:
        await conn.execute(sql, params)


async def writes_flush(writes: list[tuple[str, tuple]]) -> None:
    """Send the update's collected writes without a completion mark (the update failed)."""
    if writes:
        sql, params = _with_writes("SELECT 1", (), writes)
        await execute(sql, params)


async def update_release(*, update_id: int) -> None:
    async with (await pool()).connection() as conn:
        await conn.execute(f"DELETE FROM {_TABLE} WHERE update_id = %s AND completed = false", (update_id,))


async def fetchone(sql: str, params: tuple = ()) -> tuple | None:
    """One autocommit statement on the event loop (hot paths only; everything else uses the ORM)."""
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(sql, params)
        return await cursor.fetchone()


async def execute(sql: str, params: tuple = ()) -> int:
    """One autocommit statement on the event loop; the number of rows it touched."""
    async with (await pool()).connection() as conn:
        cursor = await conn.execute(sql, params)
        return cursor.rowcount
