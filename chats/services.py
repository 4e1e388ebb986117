"""Writes of the chats app: relay bookkeeping (counters only), ending sessions, ratings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import django_rq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from accounts.models import Member, Preferences
from accounts.notices import Notice
from accounts.services import member_touch
from chats import outcomes
from chats.models import ChatSession, Rating
from core import asyncdb, clock, hooks

IDLE_AFTER = dt.timedelta(hours=48)
WARN_BEFORE = dt.timedelta(hours=1)
EXTENSION = dt.timedelta(hours=24)
MAX_LENGTH = dt.timedelta(hours=72)
RATING_PRIOR_MEAN, RATING_PRIOR_WEIGHT = 0.5, 3


def chat_length() -> dt.timedelta:
    """How long a new conversation lasts before the timer: CHAT_DEFAULT_HOURS, within 24–72 h."""
    return dt.timedelta(hours=min(max(settings.CHAT_DEFAULT_HOURS, 24), 72))


@dataclass
class RelayTarget:
    """Where a member's message goes: only ids, never content."""

    session_id: int
    member_id: int
    partner_member_id: int
    partner_tg_id: int | None
    protect_content: bool
    side: str = ""  # "a" | "b": which counters are the member's
    muted_until: dt.datetime | None = None  # the sender's mute (moderation refuses to relay)


@dataclass
class RelayDecision:
    target: RelayTarget | None = None
    member: Member | None = None
    notices: list[Notice] = field(default_factory=list)


def _active_session_for(member_id: int, *, lock: bool) -> ChatSession | None:
    query = ChatSession.objects.filter(
        Q(member_a_id=member_id) | Q(member_b_id=member_id), status=ChatSession.Status.ACTIVE
    )
    if lock:
        query = query.select_for_update()
    return query.first()


@transaction.atomic
def relay_prepare(*, tg_id: int, is_media: bool, count: bool = True) -> RelayDecision:
    """The full relay path: who the partner is, deadlines acted on, counters (unless `count`
    is off: the caller counts once the partner has the message). The hot path is
    chats.selectors.relay_target + relay_count."""
    with connection.cursor() as cursor:
        # Counters are not worth a disk flush per message: a crash may lose the last few.
        cursor.execute("SET LOCAL synchronous_commit = off")
    member = member_touch(tg_id=tg_id)
    session = _active_session_for(member.pk, lock=True)
    if session is None:
        return RelayDecision(member=member)
    now = clock.now()
    if session.ends_at <= now:
        notices = _end(session, by_member_id=None, reason=ChatSession.EndReason.TIMER, now=now)
        return RelayDecision(member=member, notices=notices)
    side = session.side_of(member)
    partner = session.partner_of(member)
    protect = Preferences.objects.filter(member_id__in=[member.pk, partner.pk], protect_content=True).exists()
    target = RelayTarget(
        session.pk,
        member.pk,
        partner.pk,
        partner.tg_id if partner.is_reachable else None,
        protect,
        side,
        member.muted_until,
    )
    if not count:
        return RelayDecision(target=target, member=member)
    updates = {f"messages_{side}": F(f"messages_{side}") + 1, "last_message_at": now}
    if is_media:
        updates[f"media_{side}"] = F(f"media_{side}") + 1
    if session.first_message_at is None:
        updates["first_message_at"] = now
    ChatSession.objects.filter(pk=session.pk).update(**updates)
    return RelayDecision(target=target, member=member)


async def relay_count(*, target: RelayTarget, is_media: bool, now: dt.datetime) -> None:
    """Count a message the partner received (hot path): sent with the update's completion mark,
    so it costs no round trip of its own.

    Counters only, never content. The session may have ended a moment ago; then nothing changes.
    """

    side = "a" if target.side == "a" else "b"
    await asyncdb.execute_with_mark(
        f"UPDATE {ChatSession._meta.db_table} SET messages_{side} = messages_{side} + 1,"
        f" media_{side} = media_{side} + %s, last_message_at = %s,"
        " first_message_at = COALESCE(first_message_at, %s) WHERE id = %s AND status = 'active'",
        (int(is_media), now, now, target.session_id),
    )


def _end(session: ChatSession, *, by_member_id: int | None, reason: str, now: dt.datetime) -> list[Notice]:
    session.status = ChatSession.Status.ENDED
    session.ended_at = now
    session.end_reason = reason
    session.ended_by_id = by_member_id
    session.save(update_fields=["status", "ended_at", "end_reason", "ended_by"])
    for hook in hooks.session_ended:
        transaction.on_commit(lambda hook=hook: hook(session.pk))
    template = {
        ChatSession.EndReason.MEMBER_ENDED: "chats/ended",
        ChatSession.EndReason.TIMER: "chats/ended_timer",
        ChatSession.EndReason.IDLE: "chats/ended_idle",
        ChatSession.EndReason.UNREACHABLE: "chats/ended_unreachable",
        ChatSession.EndReason.DELETED: "chats/ended_partner_left",
        ChatSession.EndReason.BLOCKED: "chats/ended_neutral",
        ChatSession.EndReason.REPORTED: "chats/ended_neutral",
    }.get(reason, "chats/ended")
    # After a block or a report the member who acted hears it from moderation; the partner hears
    # only that the conversation ended.
    safety = reason in (ChatSession.EndReason.BLOCKED, ChatSession.EndReason.REPORTED)
    notices = []
    for member_id in (session.member_a_id, session.member_b_id):
        if safety and member_id == by_member_id:
            continue
        ask_rating = reason != ChatSession.EndReason.DELETED and not safety
        if ask_rating:
            # «Перед тем как попрощаться…»: the after-mood comes just before the rating.
            notices.append(outcomes.mood_notice(member_id=member_id, session_id=session.pk, phase="after"))
        notices.append(
            Notice(
                member_id,
                template,
                {"by_me": member_id == by_member_id, "ask_rating": ask_rating},
                keyboard="chats.rate" if ask_rating else "",
                keyboard_arg=session.pk,
            )
        )
    return notices


@transaction.atomic
def session_end(
    *, member_id: int, session_id: int | None = None, reason: str = ChatSession.EndReason.MEMBER_ENDED
) -> list[Notice]:
    """End the member's active session (or that one); [] when there is nothing to end."""
    session = _active_session_for(member_id, lock=True)
    if session is None or (session_id is not None and session.pk != session_id):
        return []
    return _end(session, by_member_id=member_id, reason=reason, now=clock.now())


@transaction.atomic
def session_end_unreachable(*, session_id: int, sender_member_id: int) -> list[Notice]:
    """The partner blocked the bot: end the session and tell the sender kindly."""
    session = (
        ChatSession.objects.select_for_update()
        .filter(pk=session_id, status=ChatSession.Status.ACTIVE)
        .first()
    )
    if session is None:
        return []
    notices = _end(session, by_member_id=None, reason=ChatSession.EndReason.UNREACHABLE, now=clock.now())
    return [n for n in notices if n.member_id == sender_member_id]


def session_start_notices(*, member_id: int, session_id: int, intro: str, context: dict) -> list[Notice]:
    """What each member gets when a conversation starts: the intro with Report / Block buttons,
    then the short rules (spec: «бот шлёт интро‑сообщение и правила»), then «как вы сейчас?»."""
    return [
        Notice(member_id, intro, context, keyboard="chats.intro", keyboard_arg=session_id),
        Notice(member_id, "chats/rules_short"),
        outcomes.mood_notice(member_id=member_id, session_id=session_id, phase="before"),
    ]


def active_session_id(*, member_id: int) -> int | None:
    session = _active_session_for(member_id, lock=False)
    return session.pk if session else None


@transaction.atomic
def rating_set(*, session_id: int, member_id: int, score: int) -> str:
    """Record a 1–5 rating once; the partner's helpfulness is a mean with a prior."""
    session = ChatSession.objects.filter(pk=session_id, status=ChatSession.Status.ENDED).first()
    if session is None or member_id not in (session.member_a_id, session.member_b_id) or not 1 <= score <= 5:
        return "stale"
    if Rating.objects.filter(session=session, rater_id=member_id).exists():
        return "already"
    rated_id = session.partner_id_of(member_id)
    Rating.objects.create(session=session, rater_id=member_id, rated_id=rated_id, score=score)
    rated = Member.objects.select_for_update().get(pk=rated_id)
    scores = list(Rating.objects.filter(rated_id=rated_id).values_list("score", flat=True))
    normalised = sum((s - 1) / 4 for s in scores)
    rated.ratings_count = len(scores)
    rated.helpfulness = (RATING_PRIOR_MEAN * RATING_PRIOR_WEIGHT + normalised) / (
        RATING_PRIOR_WEIGHT + len(scores)
    )
    rated.save(update_fields=["ratings_count", "helpfulness"])
    return "ok"


@transaction.atomic
def session_extend_vote(*, session_id: int, member_id: int) -> list[Notice]:
    """Both tap "extend" → +24 h (at most 72 h in all); [] for a stale or foreign button."""
    session = (
        ChatSession.objects.select_for_update()
        .filter(pk=session_id, status=ChatSession.Status.ACTIVE)
        .first()
    )
    if session is None or member_id not in (session.member_a_id, session.member_b_id):
        return []
    setattr(session, f"extend_{'a' if member_id == session.member_a_id else 'b'}", True)
    if not (session.extend_a and session.extend_b):
        session.save(update_fields=["extend_a", "extend_b"])
        return [Notice(member_id, "chats/extend_waiting")]
    session.ends_at = min(session.ends_at + EXTENSION, session.started_at + MAX_LENGTH)
    session.extend_a = session.extend_b = False
    session.warned_at = None
    session.extensions += 1
    session.save(update_fields=["ends_at", "extend_a", "extend_b", "warned_at", "extensions"])
    return [
        Notice(m, "chats/extended", {"ends_at": session.ends_at})
        for m in (session.member_a_id, session.member_b_id)
    ]


@transaction.atomic
def sessions_sweep() -> list[Notice]:
    """End sessions past their deadline or idle for 48 h (the relay checks deadlines too)."""
    now = clock.now()
    notices: list[Notice] = []
    for session in ChatSession.objects.select_for_update(skip_locked=True).filter(
        status=ChatSession.Status.ACTIVE, ends_at__lte=now
    ):
        notices += _end(session, by_member_id=None, reason=ChatSession.EndReason.TIMER, now=now)
    for session in ChatSession.objects.select_for_update(skip_locked=True).filter(
        status=ChatSession.Status.ACTIVE, warned_at__isnull=True, ends_at__lte=now + WARN_BEFORE
    ):
        session.warned_at = now
        session.save(update_fields=["warned_at"])
        can_extend = session.ends_at < session.started_at + MAX_LENGTH
        for member_id in (session.member_a_id, session.member_b_id):
            notices.append(
                Notice(
                    member_id,
                    "chats/ending_soon",
                    {"can_extend": can_extend},
                    "chats.extend" if can_extend else "",
                    session.pk,
                )
            )
    idle = Q(last_message_at__lte=now - IDLE_AFTER) | Q(
        last_message_at__isnull=True, started_at__lte=now - IDLE_AFTER
    )
    for session in ChatSession.objects.select_for_update(skip_locked=True).filter(
        idle, status=ChatSession.Status.ACTIVE
    ):
        notices += _end(session, by_member_id=None, reason=ChatSession.EndReason.IDLE, now=now)
    return notices + outcomes.starters_claim(now=now)


def member_erased(member: Member) -> None:
    """Erasure hook: end the active session and tell the partner neutrally (from a job)."""
    outcomes.member_erased(member)
    session = _active_session_for(member.pk, lock=True)
    if session is None:
        return
    notices = _end(session, by_member_id=member.pk, reason=ChatSession.EndReason.DELETED, now=clock.now())
    notices_deliver_on_commit([n for n in notices if n.member_id != member.pk])


def notices_deliver_on_commit(notices: list[Notice]) -> None:
    """Send the endings decided in a transaction from a job, once it commits (staff and erasure)."""
    if notices:
        payload = [dataclasses.asdict(n) for n in notices]
        transaction.on_commit(lambda: django_rq.get_queue("telegram").enqueue("chats.tasks.notify", payload))


@transaction.atomic
def rating_chip_set(*, session_id: int, member_id: int, chip: str) -> str:
    """The optional "what helped" after a rating: once, "ok" | "already" | "stale"."""
    rating = Rating.objects.select_for_update().filter(session_id=session_id, rater_id=member_id).first()
    if rating is None or chip not in Rating.Chip.values:
        return "stale"
    if rating.chip:
        return "already"
    rating.chip = chip
    rating.save(update_fields=["chip"])
    return "ok"
