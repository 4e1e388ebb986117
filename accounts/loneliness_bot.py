"""The loneliness check's buttons (accounts:lonely:<check>:<go|skip|never|QV>), one message edited
in place: the offer, then each question, then thanks. Registered before the accounts catch-all."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from accounts import keyboards, loneliness
from accounts.services import member_touch
from core.db import db_call
from core.messaging import edit, render


def _tap(tg_id: int, check_id: int, op: str) -> loneliness.CheckState:
    member_id = member_touch(tg_id=tg_id).pk
    if op == "go":
        return loneliness.loneliness_begin(member_id=member_id, check_id=check_id)
    if op in ("skip", "never"):
        return loneliness.loneliness_skip(member_id=member_id, check_id=check_id, never=op == "never")
    if len(op) == 2 and op.isdigit():
        return loneliness.loneliness_answer(
            member_id=member_id, check_id=check_id, question=int(op[0]), value=int(op[1])
        )
    return loneliness.CheckState("stale")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    if len(parts) != 4 or not parts[2].isdigit():
        state = loneliness.CheckState("stale")
    else:
        state = await db_call(_tap, update.effective_user.id, int(parts[2]), parts[3])
    await query.answer(render("accounts/loneliness_repeated") if state.repeated else None)
    chat_id, message_id = query.message.chat_id, query.message.message_id
    if state.status == "question":
        await edit(context.bot, chat_id, message_id, "accounts/loneliness_question",
                   {"number": state.question, "total": len(loneliness.ITEMS)},
                   reply_markup=keyboards.loneliness_answers(state.check_id, state.question))  # fmt: skip
    else:
        await edit(context.bot, chat_id, message_id, f"accounts/loneliness_{state.status}")


def register(application: Application) -> None:
    """Called first from accounts.bot.register, so these taps never reach its catch-all."""
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^accounts:lonely:"))
