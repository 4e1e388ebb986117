"""/find, /stop and the proposal buttons."""

from __future__ import annotations

from django.db import transaction
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from accounts import services as accounts_services
from accounts.notices import deliver
from core import metrics
from core.db import db_call
from core.messaging import render, send, tapped_markup
from core.pseudonym import pseudonymous_ref
from core.ratelimit import allow
from matching import keyboards, selectors, services
from matching.tasks import enqueue_round

FIND_PER_HOUR = 10


def _find(tg_id: int):
    member = accounts_services.member_touch(tg_id=tg_id)
    outcome = services.search_start(member_id=member.pk)
    if outcome.ok:
        transaction.on_commit(enqueue_round)
    return member, outcome


async def start_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = update.effective_chat.id
    if not await allow(
        f"find:{pseudonymous_ref(update.effective_user.id)}", limit=FIND_PER_HOUR, seconds=3600
    ):
        metrics.find_ratelimited_total.inc()
        await send(context.bot, chat_id, "matching/find_too_often")
        return
    member, outcome = await db_call(_find, update.effective_user.id)
    if outcome.ok:
        await send(
            context.bot, chat_id, "matching/searching", outcome.context, reply_markup=keyboards.searching()
        )
        return
    context_vars = {"until": member.muted_until, "arm": outcome.search.arm if outcome.search else ""}
    markup = keyboards.searching() if outcome.reason == "already_searching" else None
    await send(
        context.bot, chat_id, f"matching/find_refused/{outcome.reason}", context_vars, reply_markup=markup
    )


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    member = await db_call(accounts_services.member_touch, tg_id=update.effective_user.id)
    stopped = await db_call(services.search_stop, member_id=member.pk)
    await send(
        context.bot, update.effective_chat.id, "matching/stopped" if stopped else "matching/not_searching"
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _app, action, arg = (query.data.split(":", 2) + ["", ""])[:3]
    member = await db_call(accounts_services.member_touch, tg_id=update.effective_user.id)
    chat_id = update.effective_chat.id
    if action == "stop":
        stopped = await db_call(services.search_stop, member_id=member.pk)
        # Answered either way, then the button goes: a search found, ended or stopped has no stop.
        await query.answer(None if stopped else render("matching/stop_stale"))
        await tapped_markup(context.bot, query)
        if stopped:
            await send(context.bot, chat_id, "matching/stopped")
    elif action in ("accept", "decline") and arg.isdigit():
        outcome = await db_call(
            services.proposal_decide, proposal_id=int(arg), member_id=member.pk, accept=action == "accept"
        )
        if not outcome.ok:
            await query.answer(render(f"matching/stale_{outcome.reason}"), show_alert=True)
        else:
            await query.answer()
        await deliver(context.bot, outcome.notices, prepare=selectors.notice_context)
    elif action == "why" and arg.count(":") == 1 and arg.split(":")[0].isdigit():
        proposal_id, why = arg.split(":")
        saved = await db_call(
            services.proposal_decline_why, proposal_id=int(proposal_id), member_id=member.pk, why=why
        )
        await query.answer(render("matching/why_saved" if saved else "matching/stale_stale"))
        if saved:
            await tapped_markup(context.bot, query, keyboards.searching())
    elif action == "widen" and arg.isdigit():
        widened = await db_call(services.search_widen, member_id=member.pk, search_id=int(arg))
        await query.answer()
        await send(context.bot, chat_id, "matching/widened" if widened else "matching/widen_stale")
        if widened:
            enqueue_round()
    else:
        await query.answer(render("matching/stale_stale"))


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("find", start_search, filters=private))
    application.add_handler(CommandHandler("stop", stop, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^matching:"))
