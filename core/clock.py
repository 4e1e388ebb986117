"""The one clock. Tests move it with `core.clock.freeze()`; code calls `now()`."""

import datetime as dt
from contextlib import contextmanager

from django.utils import timezone

_offset = dt.timedelta(0)
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    if _frozen is not None:
        return _frozen
    return timezone.now() + _offset


def advance(delta: dt.timedelta) -> None:
    """Move the clock forward (tests and the demo only)."""
    global _offset, _frozen
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


@contextmanager
def freeze(at: dt.datetime | None = None):
    global _frozen
    previous = _frozen
    _frozen = at or timezone.now()
    try:
        yield
    finally:
        _frozen = previous


def reset() -> None:
    global _offset, _frozen
    _offset = dt.timedelta(0)
    _frozen = None
