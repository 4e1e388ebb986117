"""Running synchronous database work from async handlers: one thread hop per call."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

P = ParamSpec("P")
R = TypeVar("R")


def _release_connections() -> None:
    # With psycopg's pool, closing hands the connection back to the pool.
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


def db_sync(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap sync DB work so that its connection goes back to the pool afterwards."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            _release_connections()

    return wrapper


async def db_call(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run `fn` in a worker thread (not Django's single sync thread) and return its result."""
    return await sync_to_async(db_sync(fn), thread_sensitive=False)(*args, **kwargs)


def int_array(values) -> str:
    """Integers as one PostgreSQL array literal, for `= ANY(%s::bigint[])`: psycopg adapts a Python
    list element by element (11 ms for 10 000 ids against 3 ms for this)."""
    return "{" + ",".join(map(str, values)) + "}"
