"""Reads of the chats app."""

from __future__ import annotations

import datetime as dt

from accounts.models import Member, Preferences
from accounts.services import member_seen_talking_ctes
from chats.models import ChatSession
from chats.services import RelayTarget
from core import asyncdb

_MEMBER = Member._meta.db_table
_SESSION = ChatSession._meta.db_table
_PREFERENCES = Preferences._meta.db_table

_RELAY_VIEW = f"""
SELECT m.id, s.id, s.member_a_id = m.id, p.id, p.tg_id, p.unreachable_since IS NULL, m.muted_until,
       EXISTS (SELECT 1 FROM {_PREFERENCES} WHERE member_id IN (m.id, p.id) AND protect_content)
FROM {_MEMBER} m
JOIN LATERAL (
    (SELECT id, member_a_id, member_b_id FROM {_SESSION}
      WHERE status = 'active' AND member_a_id = m.id AND ends_at > %(now)s)
    UNION ALL
    (SELECT id, member_a_id, member_b_id FROM {_SESSION}
      WHERE status = 'active' AND member_b_id = m.id AND ends_at > %(now)s)
    LIMIT 1
) s ON true
JOIN {_MEMBER} p ON p.id = CASE WHEN s.member_a_id = m.id THEN s.member_b_id ELSE s.member_a_id END
WHERE m.tg_id = %(tg_id)s
"""


async def talking_relay_target(*, tg_id: int, now: dt.datetime) -> tuple[bool, RelayTarget | None]:
    """accounts' member_seen_talking (and its seen write) and relay_target in one statement:
    whether the message is the member's to relay, and where it goes."""
    ctes, params = member_seen_talking_ctes(tg_id=tg_id, now=now)
    row = await asyncdb.fetchone(
        f"WITH {ctes} SELECT EXISTS (SELECT FROM talking), r.* FROM (SELECT) one"
        f" LEFT JOIN ({_RELAY_VIEW}) r ON true",
        params,
    )
    return row[0], _target(row[1:])


async def relay_target(*, tg_id: int, now: dt.datetime) -> RelayTarget | None:
    """The hot path of the relay: one statement on the event loop, no thread hop.

    None when there is no running session (none, or past its deadline): the full path
    (`services.relay_prepare`) then ends what is due and says what to tell the member.
    """
    return _target(await asyncdb.fetchone(_RELAY_VIEW, {"tg_id": tg_id, "now": now}))


def _target(row: tuple | None) -> RelayTarget | None:
    if row is None or row[0] is None:
        return None
    member_id, session_id, is_a, partner_id, partner_tg_id, reachable, muted_until, protect = row
    return RelayTarget(
        session_id=session_id,
        member_id=member_id,
        partner_member_id=partner_id,
        partner_tg_id=partner_tg_id if reachable else None,
        protect_content=protect,
        side="a" if is_a else "b",
        muted_until=muted_until,
    )
