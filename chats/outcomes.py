"""Writes for what a conversation did for its members: «как вы сейчас?» before and after, and
one conversation starter for a pair that has not written 3 minutes after the start.

Counters and codes only: a mood is a number, a starter is picked from templates and never stored.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.template import TemplateDoesNotExist

from accounts.models import Member
from accounts.notices import Notice
from chats.models import ChatSession, MoodCheck
from core import clock
from core.messaging import render

SILENT_AFTER = dt.timedelta(minutes=3)
MOODS = range(1, 6)


def mood_notice(*, member_id: int, session_id: int, phase: str) -> Notice:
    """The one-tap «как вы сейчас?» question (before: with the intro; after: with the rating)."""
    keyboard = "chats.mood_before" if phase == MoodCheck.Phase.BEFORE else "chats.mood_after"
    return Notice(member_id, f"chats/mood_{phase}", keyboard=keyboard, keyboard_arg=session_id)


@transaction.atomic
def mood_record(*, session_id: int, member_id: int, phase: str, score: int) -> str:
    """Keep one answer per member, session and phase: "ok" | "already" | "stale".

    «Before» is answered while the conversation runs, «after» once it has ended.
    """
    session = ChatSession.objects.filter(pk=session_id).first()
    if (
        session is None
        or member_id not in (session.member_a_id, session.member_b_id)
        or phase not in MoodCheck.Phase.values
        or score not in MOODS
    ):
        return "stale"
    wanted = ChatSession.Status.ACTIVE if phase == MoodCheck.Phase.BEFORE else ChatSession.Status.ENDED
    if session.status != wanted:
        return "stale"
    _, created = MoodCheck.objects.get_or_create(
        session=session,
        member_id=member_id,
        phase=phase,
        defaults={"score": score, "created_at": clock.now()},
    )
    return "ok" if created else "already"


# -- silent starts ---------------------------------------------------------------------------------


def _lines(template: str, context: dict | None = None) -> list[str]:
    return [line.strip() for line in render(template, context).splitlines() if line.strip()]


def _starters(*, topic_slugs: list[str], expectations: list[str]) -> list[str]:
    """Starters for the pair's shared topics and expectations (several per topic), else generic."""
    pool: list[str] = []
    for name in [f"topic_{slug}" for slug in topic_slugs] + [f"expect_{value}" for value in expectations]:
        try:
            pool += _lines(f"chats/starters/{name}")
        except TemplateDoesNotExist:  # a topic added in admin without starters of its own
            continue
    return pool or _lines("chats/starters/generic")


def _starter_notices(session: ChatSession) -> list[Notice]:
    members = {m.pk: m for m in Member.objects.filter(pk__in=[session.member_a_id, session.member_b_id])}
    a, b = members[session.member_a_id], members[session.member_b_id]
    shared_slugs = sorted(
        set(a.member_topics.values_list("topic__slug", flat=True))
        & set(b.member_topics.values_list("topic__slug", flat=True))
    )
    shared_expectations = sorted(set(a.expectations) & set(b.expectations))
    pool = _starters(topic_slugs=shared_slugs, expectations=shared_expectations)
    notices = []
    for index, (member, partner) in enumerate(((a, b), (b, a))):
        # Each side gets a different line, so the two never open with the same words.
        starter = pool[(session.pk * 2 + index) % len(pool)]
        context = {"starter": starter, "partner_wants": list(partner.expectations)}
        notices.append(Notice(member.pk, "chats/starter", context))
    return notices


def starters_claim(*, now: dt.datetime) -> list[Notice]:
    """Running sessions past their silent-start deadline with no message yet: one starter each,
    once (the deadline is claimed). Called inside the sweep's transaction."""
    notices: list[Notice] = []
    for session in ChatSession.objects.select_for_update(skip_locked=True).filter(
        status=ChatSession.Status.ACTIVE,
        starter_sent_at__isnull=True,
        first_message_at__isnull=True,
        starter_due_at__lte=now,
    ):
        session.starter_sent_at = now
        session.save(update_fields=["starter_sent_at"])
        notices += _starter_notices(session)
    return notices


def member_erased(member: Member) -> None:
    """Erasure: the member's before/after answers go (the sessions keep only counters)."""
    MoodCheck.objects.filter(member=member).delete()
