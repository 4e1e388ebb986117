"""/coach on|off, the hint's «Скрыть» button, and the relay hook that keeps the context window and
notices when a member sends a hint's phrase in their own words (the bot never sends it for them)."""

from __future__ import annotations

import json

import django_rq
import structlog
from asgiref.sync import sync_to_async
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from accounts import onboarding
from accounts import services as accounts_services
from chats import hooks
from chats import services as chats_services
from coach import context as coach_context
from coach import keyboards, selectors, services, tasks
from coach.models import AiHint
from coach.providers import phrase_adopted
from core import clock
from core.db import db_call
from core.messaging import edit, edit_tapped, render, send
from core.redis import aconnection
from core.redis import connection as redis_connection
from moderation.detector.personal import anonymize

log = structlog.get_logger(__name__)

ON_WORDS = {"on", "вкл", "включить", "да", "1"}
OFF_WORDS = {"off", "выкл", "выключить", "нет", "0"}


def _coach_set(*, tg_id: int, on: bool | None) -> dict | None:
    """Switch (or, with on=None, just read) the member's opt-in; None before onboarding ends."""
    member = accounts_services.member_touch(tg_id=tg_id)
    if not member.is_onboarded:
        return None
    if on is not None and on != member.coach_opt_in:
        member = onboarding.preference_toggle(member_id=member.pk, what="coach", on=on)
    session_id = chats_services.active_session_id(member_id=member.pk)
    if session_id is not None:
        coach_context.forget_eligible(session_id=session_id)
    return {"on": member.coach_opt_in, "available": selectors.coach_available(member)}


async def coach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = update.effective_chat.id
    word = (context.args[0].lower() if context.args else "").strip()
    if word and word not in ON_WORDS | OFF_WORDS:
        await send(context.bot, chat_id, "coach/usage")
        return
    on = True if word in ON_WORDS else False if word in OFF_WORDS else None
    await _answer(update, context, on)


async def _answer(update: Update, context, on: bool | None, *, message_id: int | None = None) -> None:
    chat_id = update.effective_chat.id
    try:
        state = await db_call(_coach_set, tg_id=update.effective_user.id, on=on)
    except onboarding.StaleAction:
        state = None
    if state is None:
        await send(context.bot, chat_id, "coach/not_onboarded")
        return
    markup = keyboards.switch(state["on"])
    if message_id is None:
        await send(context.bot, chat_id, "coach/status", state, reply_markup=markup)
    else:
        await edit(context.bot, chat_id, message_id, "coach/status", state, reply_markup=markup)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    arg = parts[2] if len(parts) > 2 and parts[2].isdigit() else None
    if action == "set" and arg in ("0", "1"):
        await query.answer()
        await _answer(
            update, context, arg == "1", message_id=query.message.message_id if query.message else None
        )
    elif action == "hide" and arg:
        hidden = await db_call(
            services.hint_decide,
            tg_id=update.effective_user.id,
            hint_id=int(arg),
            status=AiHint.Status.HIDDEN,
        )
        if not hidden:
            await query.answer(render("coach/stale"))
            return
        await query.answer()
        await edit_tapped(context.bot, update.effective_chat.id, query, "coach/hidden")
    elif action == "use":
        # Hints sent before the coach stopped writing for members: the phrase is theirs to copy.
        await query.answer(render("coach/use_gone"), show_alert=True)
    else:
        await query.answer(render("coach/stale"))


def relayed_keys(event: hooks.Relayed) -> list[str]:
    """core.hooks.after_relay_keys: all on_relayed reads, fetched with the relay's id map."""
    if not event.text:
        return []
    return [
        coach_context.eligible_key(event.session_id),
        selectors.SWITCH_KEY,
        coach_context.open_hint_key(event.member_id),
        coach_context.last_hint_key(event.member_id),
        coach_context.last_hint_key(event.partner_member_id),
    ]


async def on_relayed(event: hooks.Relayed) -> None:
    """After a text reached the partner: keep it anonymized and maybe ask for a hint. On the event
    loop with what the relay read for it; a thread only for PostgreSQL (who is eligible, once a
    minute per chat; a hint used) and for enqueueing a hint job."""
    if not event.text:
        return
    try:
        keys = relayed_keys(event)
        if all(key in event.cached for key in keys):
            values = [event.cached[key] for key in keys]
        else:
            values = await aconnection().mget(keys)
        cached, switch, open_hint, *recent = values
        # The usual cases: nobody in this chat gets hints, or the coach is switched off → done.
        if cached is not None and not json.loads(cached):
            return
        if cached is None and switch is not None:
            enabled, percent = selectors.switch_from_cache(switch)
            if not enabled or percent == 0:
                return  # what selectors.eligible_members would say
        if cached is None:
            eligible = await db_call(_eligible, session_id=event.session_id)
        else:
            eligible = json.loads(cached)
        if eligible:
            await _remember_and_enqueue(event, eligible, open_hint, recent)
    except Exception as exc:  # noqa: BLE001 - the coach must never break the relay
        log.warning("coach.relay_hook_failed", error=type(exc).__name__)


def _eligible(*, session_id: int) -> list[int]:
    eligible = selectors.eligible_members(session_id=session_id)
    coach_context.cache_eligible(session_id=session_id, member_ids=eligible)
    return eligible


async def _remember_and_enqueue(
    event: hooks.Relayed, eligible: list[int], open_hint: bytes | None, recent: list[bytes | None]
) -> None:
    """Keep the line, notice a hint's phrase sent in the member's own words (the hint counts as
    used), and ask for a hint for members with none recent and no job under way: one round trip."""
    used = None
    opened = coach_context.open_hint_from(open_hint) if event.member_id in eligible else None
    if opened is not None and phrase_adopted(event.text, opened[1]):
        used = opened[0]
    members = (event.member_id, event.partner_member_id)
    free = [m for m, hinted in zip(members, recent, strict=True) if m in eligible and hinted is None]
    pipe = aconnection().pipeline(transaction=False)
    if used is not None:
        pipe.delete(coach_context.open_hint_key(event.member_id))
    coach_context.remember_in(
        pipe,
        session_id=event.session_id,
        member_id=event.member_id,
        text=anonymize(event.text),
        at=clock.now().timestamp(),
    )
    coach_context.claim_in(pipe, session_id=event.session_id, member_ids=free)
    replies = await pipe.execute()
    claimed = [m for m, ok in zip(free, replies[len(replies) - len(free) :], strict=True) if ok]
    if used is not None:
        await db_call(
            services.hint_decide, member_id=event.member_id, hint_id=used, status=AiHint.Status.USED
        )
    if claimed:
        await sync_to_async(_enqueue, thread_sensitive=False)(event.session_id, claimed)


def _enqueue(session_id: int, member_ids: list[int]) -> None:
    # The process's client: get_queue alone would connect anew on every call.
    queue = django_rq.get_queue("default", connection=redis_connection())
    for member_id in member_ids:
        queue.enqueue(tasks.hint_compute, session_id=session_id, member_id=member_id)


def on_session_end(session_id: int) -> None:
    try:
        coach_context.session_forget(session_id)
    except Exception as exc:  # noqa: BLE001 - the TTL removes the window anyway
        log.warning("coach.forget_failed", error=type(exc).__name__)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("coach", coach, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^coach:"))
