"""Conversations for tests: two members already matched and talking."""

import datetime as dt

from chats.models import ChatSession
from core import clock
from matching.models import Match
from tests.accounts.factories import MemberFactory


def conversation(a=None, b=None, *, arm: str = "", hours: int = 24, **session_fields) -> ChatSession:
    """An active session between `a` and `b` (members, or Telegram ids to create them with)."""
    a = a if a is None or not isinstance(a, int) else MemberFactory(tg_id=a)
    b = b if b is None or not isinstance(b, int) else MemberFactory(tg_id=b)
    a, b = a or MemberFactory(), b or MemberFactory()
    match = Match.objects.create(member_a=a, member_b=b, arm=arm)
    return ChatSession.objects.create(
        match=match, member_a=a, member_b=b, ends_at=clock.now() + dt.timedelta(hours=hours), **session_fields
    )
