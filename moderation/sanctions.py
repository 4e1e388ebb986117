"""Measures on a member: the detector's automatic mute, moderators' sanctions (with escalation), and
appeals, decided by another moderator than the one who imposed the measure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_rq
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import Member
from accounts.onboarding import awaiting_clear, awaiting_set
from accounts.services import member_touch
from chats import services as chats_services
from chats.models import ChatSession
from core import clock
from core.messaging import render
from matching import services as matching_services
from moderation import flags, metrics
from moderation.models import Appeal, SafetyFlag, Sanction

TOXIC_LIMIT = 3  # blocked messages…
TOXIC_WINDOW = dt.timedelta(minutes=10)  # …within this window
AUTO_MUTE = dt.timedelta(hours=1)
AUTO_MUTE_PAGE_EVERY = dt.timedelta(hours=1)  # moderators are paged on the first of a member's mutes


@dataclass
class MuteNotice:
    sanction_id: int
    until: dt.datetime
    timezone: str
    reason: str


@transaction.atomic
def toxic_mute(*, member_id: int, session_id: int | None, categories: list[str]) -> MuteNotice:
    """The third blocked message in 10 minutes: a 1 h mute, on record, and a flag for moderators."""
    member = Member.objects.select_for_update().get(pk=member_id)
    now = clock.now()
    until = max(member.muted_until or now, now + AUTO_MUTE)
    reason = render("moderation/reason_auto_mute", {"categories": categories})
    sanction = Sanction.objects.create(member=member, kind=Sanction.Kind.MUTE, reason=reason, until=until)
    flag, _ = flags.flag_open(
        member_id=member_id,
        session_id=session_id,
        kind=SafetyFlag.Kind.TOXICITY,
        severity=SafetyFlag.Severity.MEDIUM,
        details=f"{TOXIC_LIMIT} сообщения не переданы фильтром за 10 минут: {', '.join(sorted(categories))}",
    )
    sanction.flag = flag
    sanction.notified_at = now
    sanction.save(update_fields=["flag", "notified_at"])
    member.muted_until = until
    member.save(update_fields=["muted_until"])
    metrics.sanctions_total.labels(Sanction.Kind.MUTE).inc()
    # Moderators hear of automatic mutes too, at most once per member per hour (the member row
    # is locked above, so two mutes at once cannot both decide they are the first).
    paged_lately = (
        Sanction.objects.filter(
            member=member,
            kind=Sanction.Kind.MUTE,
            created_by=None,
            created_at__gte=now - AUTO_MUTE_PAGE_EVERY,
        )
        .exclude(pk=sanction.pk)
        .exists()
    )
    if not paged_lately:
        flags.alert_on_commit("mute", sanction.pk)
    return MuteNotice(sanction.pk, until, member.timezone, reason)


def mute_notice(*, member_id: int) -> MuteNotice | None:
    """The member's current mute, with the sanction to appeal (None when not muted)."""
    member = Member.objects.get(pk=member_id)
    now = clock.now()
    if not member.is_muted(now):
        return None
    sanction = (
        Sanction.objects.filter(member=member, kind=Sanction.Kind.MUTE, until__gt=now)
        .order_by("-created_at")
        .first()
    )
    return MuteNotice(
        sanction.pk if sanction else 0,
        member.muted_until,
        member.timezone,
        sanction.reason if sanction else "",
    )


@dataclass
class AppealOutcome:
    reason: str  # "ask" | "saved" | "stale" | "already" | "over"
    sanction_id: int | None = None


def _appealable(member_id: int, sanction_id: int) -> tuple[Sanction | None, str]:
    sanction = Sanction.objects.filter(pk=sanction_id, member_id=member_id).first()
    if sanction is None or sanction.kind in (Sanction.Kind.LIFT,):
        return None, "stale"
    if Appeal.objects.filter(sanction=sanction).exists():
        return None, "already"
    if sanction.kind != Sanction.Kind.WARN and sanction.until is not None and sanction.until <= clock.now():
        return None, "over"
    return sanction, ""


@transaction.atomic
def appeal_start(*, tg_id: int, sanction_id: int) -> AppealOutcome:
    """The «Обжаловать» button: the member's next message is the appeal."""
    member = member_touch(tg_id=tg_id)
    sanction, refusal = _appealable(member.pk, sanction_id)
    if sanction is None:
        return AppealOutcome(refusal)
    awaiting_set(member_id=member.pk, what="moderation:appeal", context={"sanction_id": sanction.pk})
    return AppealOutcome("ask", sanction.pk)


@transaction.atomic
def appeal_create(*, member_id: int, sanction_id: int, text: str) -> AppealOutcome:
    awaiting_clear(member_id=member_id)
    sanction, refusal = _appealable(member_id, sanction_id)
    if sanction is None:
        return AppealOutcome(refusal)
    appeal = Appeal.objects.create(sanction=sanction, member_id=member_id, text=text[:2000])
    flags.alert_on_commit("appeal", appeal.pk)
    return AppealOutcome("saved", sanction.pk)


SANCTION_DURATIONS = {
    "mute_1h": (Sanction.Kind.MUTE, dt.timedelta(hours=1)),
    "mute_24h": (Sanction.Kind.MUTE, dt.timedelta(hours=24)),
    "mute_7d": (Sanction.Kind.MUTE, dt.timedelta(days=7)),
    "ban_7d": (Sanction.Kind.BAN, dt.timedelta(days=7)),
    "ban_30d": (Sanction.Kind.BAN, dt.timedelta(days=30)),
    "ban_forever": (Sanction.Kind.BAN, None),
    "warn": (Sanction.Kind.WARN, None),
    "lift": (Sanction.Kind.LIFT, None),
}


def escalation_for(member_id: int) -> str:
    """What history suggests next: nothing → warn → mute 24 h → ban 7 days → ban for good."""
    kinds = list(
        Sanction.objects.filter(member_id=member_id)
        .exclude(kind=Sanction.Kind.LIFT)
        .exclude(appeal__status="overturned")
        .values_list("kind", flat=True)
    )
    bans, mutes = kinds.count(Sanction.Kind.BAN), kinds.count(Sanction.Kind.MUTE)
    if bans:
        return "ban_forever"
    if mutes:
        return "ban_7d"
    if kinds:
        return "mute_24h"
    return "warn"


def _notify_on_commit(sanction_id: int) -> None:
    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue(
            "moderation.tasks.sanction_notify", sanction_id, retry=flags.ALERT_RETRY
        )
    )


@transaction.atomic
def sanction_apply(*, member_id: int, choice: str, reason: str, by, report=None, flag=None) -> Sanction:
    """A moderator's decision: the member's columns carry the effect, the row is the record.

    A ban ends the member's conversation and search; the member is told (reason, end time, appeal).
    """

    if not reason.strip():
        raise ValueError("a sanction needs a reason the member will read")
    kind, duration = SANCTION_DURATIONS[choice]
    member = Member.objects.select_for_update().get(pk=member_id)
    now = clock.now()
    until = now + duration if duration else None
    if kind == Sanction.Kind.MUTE:
        member.muted_until = until
    elif kind == Sanction.Kind.BAN:
        member.status, member.banned_until = Member.Status.BANNED, until
    elif kind == Sanction.Kind.LIFT:
        member.muted_until = None
        if member.status == Member.Status.BANNED:
            member.status, member.banned_until = Member.Status.ACTIVE, None
    member.save(update_fields=["muted_until", "status", "banned_until"])
    sanction = Sanction.objects.create(
        member=member, kind=kind, reason=reason.strip(), until=until, created_by=by, report=report, flag=flag
    )
    if kind == Sanction.Kind.BAN:
        notices = chats_services.session_end(member_id=member.pk, reason=ChatSession.EndReason.MODERATION)
        chats_services.notices_deliver_on_commit(notices)
        matching_services.search_stop(member_id=member.pk)
    metrics.sanctions_total.labels(kind).inc()
    _notify_on_commit(sanction.pk)
    return sanction


def appeal_decidable_by(appeal: Appeal, user) -> bool:
    """Four eyes: the moderator who imposed a sanction never decides its appeal."""
    return appeal.sanction.created_by_id is None or appeal.sanction.created_by_id != user.pk


@transaction.atomic
def appeal_decide(*, appeal_id: int, overturn: bool, note: str, by) -> Appeal:
    """Uphold or overturn; overturning lifts the sanction's effect. The member hears either way."""
    appeal = Appeal.objects.select_for_update().select_related("sanction").get(pk=appeal_id)
    if appeal.status != Appeal.Status.PENDING:
        return appeal
    if not appeal_decidable_by(appeal, by):
        raise PermissionDenied("Обжалование решает другой модератор, не тот, кто применил меру.")
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decision_note, appeal.decided_by, appeal.decided_at = note.strip(), by, clock.now()
    appeal.save()
    if overturn and appeal.sanction.kind in (Sanction.Kind.MUTE, Sanction.Kind.BAN):
        member = Member.objects.select_for_update().get(pk=appeal.member_id)
        if appeal.sanction.kind == Sanction.Kind.MUTE:
            member.muted_until = None
        elif member.status == Member.Status.BANNED:
            member.status, member.banned_until = Member.Status.ACTIVE, None
        member.save(update_fields=["muted_until", "status", "banned_until"])
    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue("moderation.tasks.appeal_notify", appeal.pk)
    )
    return appeal
