"""The session's context window in Redis: the last messages, anonymized, for one hour at most."""

from __future__ import annotations

import json

from coach.providers import Line
from core.redis import connection

WINDOW = 12
TTL_SECONDS = 3600
HINT_INTERVAL_SECONDS = 5 * 60
# Members who may get hints in this session, cached so the relay reads PostgreSQL once a minute.
ELIGIBLE_TTL_SECONDS = 60
# A burst of messages asks for one job per member.
PENDING_SECONDS = 15
HINT_TEXT_TTL_SECONDS = 3600


def window_key(session_id: int) -> str:
    return f"coach:ctx:{session_id}"


def eligible_key(session_id: int) -> str:
    return f"coach:eligible:{session_id}"


def last_hint_key(member_id: int) -> str:
    return f"coach:last:{member_id}"


def pending_key(session_id: int, member_id: int) -> str:
    return f"coach:pending:{session_id}:{member_id}"


def eligible_cached(session_id: int) -> list[int] | None:
    """The members cached as eligible for hints in this session (None: not cached yet)."""
    cached = connection().get(eligible_key(session_id))
    return None if cached is None else json.loads(cached)


def remember(*, session_id: int, member_id: int, text: str, at: float) -> None:
    """Keep one anonymized line in the session's window (the last WINDOW lines, for an hour)."""
    pipe = connection().pipeline()
    pipe.rpush(window_key(session_id), json.dumps({"m": member_id, "t": text, "at": at}, ensure_ascii=False))
    pipe.ltrim(window_key(session_id), -WINDOW, -1)
    pipe.expire(window_key(session_id), TTL_SECONDS)
    pipe.execute()


def cache_eligible(*, session_id: int, member_ids: list[int]) -> None:
    connection().set(eligible_key(session_id), json.dumps(member_ids), ex=ELIGIBLE_TTL_SECONDS)


def forget_eligible(*, session_id: int) -> None:
    connection().delete(eligible_key(session_id))


def claim_job(*, session_id: int, member_ids: list[int]) -> list[int]:
    """The members with no recent hint and no job under way; their job slot is taken."""
    pipe = connection().pipeline()
    for member_id in member_ids:
        pipe.exists(last_hint_key(member_id))
    recent = pipe.execute()
    pipe = connection().pipeline()
    free = [m for m, busy in zip(member_ids, recent, strict=True) if not busy]
    for member_id in free:
        pipe.set(pending_key(session_id, member_id), 1, nx=True, ex=PENDING_SECONDS)
    claimed = pipe.execute() if free else []
    return [m for m, ok in zip(free, claimed, strict=True) if ok]


def lines_for(*, session_id: int, member_id: int) -> list[Line]:
    raw = connection().lrange(window_key(session_id), 0, -1)
    items = [json.loads(item) for item in raw]
    return [Line(mine=item["m"] == member_id, text=item["t"], at=float(item["at"])) for item in items]


def hint_recently_given(member_id: int) -> bool:
    return bool(connection().exists(last_hint_key(member_id)))


def hint_given(*, member_id: int, hint_id: int, session_id: int, phrase: str) -> None:
    pipe = connection().pipeline()
    pipe.set(last_hint_key(member_id), hint_id, ex=HINT_INTERVAL_SECONDS)
    pipe.set(
        open_hint_key(member_id),
        json.dumps({"hint": hint_id, "phrase": phrase, "session": session_id}, ensure_ascii=False),
        ex=HINT_TEXT_TTL_SECONDS,
    )
    pipe.execute()


def open_hint_key(member_id: int) -> str:
    return f"coach:open:{member_id}"


def open_hint(member_id: int) -> tuple[int, str] | None:
    """The member's last hint still open (its id and phrase), to notice when they send it."""
    raw = connection().get(open_hint_key(member_id))
    if not raw:
        return None
    data = json.loads(raw)
    return int(data["hint"]), data["phrase"]


def close_hint(member_id: int) -> None:
    connection().delete(open_hint_key(member_id))


def session_forget(session_id: int) -> None:
    """Drop the session's window when it ends (called on commit of the session's end)."""
    connection().delete(window_key(session_id), eligible_key(session_id))


def job_done(*, session_id: int, member_id: int) -> None:
    connection().delete(pending_key(session_id, member_id))
