"""RQ jobs of the moderation app: alerts to moderators' chats, evidence purge."""

from __future__ import annotations

import asyncio
import datetime as dt

import django_rq
import structlog
from django.conf import settings
from django.urls import reverse
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from accounts.models import Member
from config.telegram import build_bot
from core import clock
from core.messaging import render, retry_after_seconds, send
from moderation import crisis, keyboards, metrics
from moderation.models import AlertChat, Appeal, Report, SafetyFlag, Sanction

log = structlog.get_logger(__name__)

_MODELS = {"report": Report, "flag": SafetyFlag, "appeal": Appeal, "mute": Sanction}


def _admin_link(kind: str, object_id: int) -> str:
    model = _MODELS[kind]
    path = reverse(f"admin:moderation_{model._meta.model_name}_change", args=[object_id])
    return f"{settings.PUBLIC_BASE_URL}{path}" if settings.PUBLIC_BASE_URL else path


def _pending(kind: str, object_id: int) -> dict | None:
    """What to say about the object, unless moderators were told already."""
    obj = _MODELS[kind].objects.filter(pk=object_id).first()
    if obj is None or getattr(obj, "alerted_at", None) is not None:
        return None
    if kind == "mute" and obj.flag_id:  # the case to work on is the flag the mute answered
        link = _admin_link("flag", obj.flag_id)
    else:
        link = _admin_link(kind, object_id)
    return {"kind": kind, "object": obj, "link": link, "staff_tz": settings.STAFF_TIME_ZONE}


def _mark_alerted(kind: str, object_id: int) -> None:
    model = _MODELS[kind]
    if any(f.name == "alerted_at" for f in model._meta.fields):
        model.objects.filter(pk=object_id, alerted_at__isnull=True).update(alerted_at=clock.now())


def alert_moderators(kind: str, object_id: int) -> int:
    """Tell every active moderators' chat about a danger report, a high-risk flag, an automatic
    mute or an appeal.

    At least once, never lost: alerted_at is set after the chats were told, so a worker killed
    mid-job (the job is retried, see flags.ALERT_RETRY) tells them again rather than not at all; a
    finished alert is not repeated. A flood answer puts the alert back for later.
    """
    chats = list(AlertChat.objects.filter(is_active=True).values_list("chat_id", flat=True))
    if not chats:
        log.warning("moderation.no_alert_chat", kind=kind)
        return 0
    context = _pending(kind, object_id)
    if context is None:
        return 0
    text = render("moderation/alert", context)
    try:
        sent = asyncio.run(_send(chats, text))
    except RetryAfter as exc:
        wait = dt.timedelta(seconds=retry_after_seconds(exc) + 1)
        django_rq.get_queue("telegram").enqueue_in(wait, alert_moderators, kind, object_id)
        return 0
    _mark_alerted(kind, object_id)
    metrics.alerts_total.labels(kind).inc()
    return sent


async def _send(chats: list[int], text: str) -> int:
    sent = 0
    async with build_bot() as bot:
        for chat_id in chats:
            try:
                await bot.send_message(chat_id=chat_id, text=text, parse_mode=ParseMode.HTML)
                sent += 1
            except (Forbidden, BadRequest) as exc:  # a chat that removed the bot: others still hear
                log.warning("moderation.alert_chat_failed", error=type(exc).__name__)
            await asyncio.sleep(0.05)
    return sent


def evidence_purge() -> int:
    """Attached messages are kept 90 days, then erased (the report stays)."""
    return (
        Report.objects.filter(evidence_purge_at__lte=clock.now())
        .exclude(evidence_text="")
        .update(evidence_text="", evidence_kind="", evidence_purge_at=None)
    )


def _tell(job, object_id: int, member_id: int, template: str, context: dict, markup=None) -> bool | None:
    """Send a moderation notice to a reachable member: whether it reached them, or None when a flood
    limit put it off (`job` runs again for `object_id` later)."""
    member = Member.objects.filter(pk=member_id, tg_id__isnull=False, unreachable_since__isnull=True).first()
    if member is None:
        return False
    context = {**context, "tz": member.timezone or "Europe/Moscow"}

    async def go():
        async with build_bot() as bot:
            return await send(bot, member.tg_id, template, context, reply_markup=markup)

    try:
        return asyncio.run(go()) is not None
    except RetryAfter as exc:
        django_rq.get_queue("telegram").enqueue_in(
            dt.timedelta(seconds=retry_after_seconds(exc) + 1), job, object_id
        )
        return None


def sanction_notify(sanction_id: int) -> bool:
    """The member reads the decision: what, why, until when, and how to appeal."""
    sanction = Sanction.objects.filter(pk=sanction_id).first()
    if sanction is None or sanction.notified_at is not None:
        return False
    markup = keyboards.appeal(sanction.pk) if sanction.kind != Sanction.Kind.LIFT else None
    told = _tell(
        sanction_notify,
        sanction_id,
        sanction.member_id,
        "moderation/sanction",
        {"sanction": sanction},
        markup,
    )
    if told is None:
        return False
    Sanction.objects.filter(pk=sanction_id).update(notified_at=clock.now())
    return told


def appeal_notify(appeal_id: int) -> bool:
    appeal = Appeal.objects.select_related("sanction").filter(pk=appeal_id).first()
    if appeal is None:
        return False
    return bool(
        _tell(appeal_notify, appeal_id, appeal.member_id, "moderation/appeal_decided", {"appeal": appeal})
    )


async def _send_templates(items: list[tuple[int, str]]) -> None:
    async with build_bot() as bot:
        for chat_id, template in items:
            await send(bot, chat_id, template)
            await asyncio.sleep(0.05)


def crisis_debrief(session_id: int) -> int:
    """After a chat with a likely crisis: «как вы?» to the sender, a debrief to the partner."""
    items = crisis.crisis_debrief_claim(session_id=session_id)
    asyncio.run(_send_templates(items))
    return len(items)


def report_closed_notify(report_id: int) -> bool:
    """The reporter hears, neutrally, that moderators handled the report (never what they decided)."""
    report = Report.objects.filter(pk=report_id, status__in=("resolved", "dismissed")).first()
    if report is None:
        return False
    told = _tell(
        report_closed_notify, report_id, report.reporter_id, "moderation/report_closed", {"report": report}
    )
    return bool(told)
