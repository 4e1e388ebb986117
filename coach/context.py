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


def remember(*, session_id: int, member_id: int, text: str, at: float) -> None:
    """Keep one anonymized line in the session's window (the last WINDOW lines, for an hour)."""
    pipe = connection().pipeline()
    remember_in(pipe, session_id=session_id, member_id=member_id, text=text, at=at)
    pipe.execute()


def remember_in(pipe, *, session_id: int, member_id: int, text: str, at: float) -> None:
    """`remember`'s commands added to a pipeline (sync or asyncio) the caller executes."""
    key = window_key(session_id)
    pipe.rpush(key, json.dumps({"m": member_id, "t": text, "at": at}, ensure_ascii=False))
    pipe.ltrim(key, -WINDOW, -1)
    pipe.expire(key, TTL_SECONDS)


def cache_eligible(*, session_id: int, member_ids: list[int]) -> None:
    connection().set(eligible_key(session_id), json.dumps(member_ids), ex=ELIGIBLE_TTL_SECONDS)


def forget_eligible(*, session_id: int) -> None:
    connection().delete(eligible_key(session_id))


def claim_in(pipe, *, session_id: int, member_ids: list[int]) -> None:
    """Take each member's job slot (a burst of messages asks for one job): one reply per member,
    true for those whose slot was free. Members with a recent hint are the caller's to leave out."""
    for member_id in member_ids:
        pipe.set(pending_key(session_id, member_id), 1, nx=True, ex=PENDING_SECONDS)


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


def open_hint_from(raw: bytes | str | None) -> tuple[int, str] | None:
    """The member's last hint still open (its id and phrase) from the value under open_hint_key,
    to notice when they send it."""
    if not raw:
        return None
    data = json.loads(raw)
    return int(data["hint"]), data["phrase"]


def session_forget(session_id: int) -> None:
    """Drop the session's window when it ends (called on commit of the session's end)."""
    connection().delete(window_key(session_id), eligible_key(session_id))


def job_done(*, session_id: int, member_id: int) -> None:
    connection().delete(pending_key(session_id, member_id))
