"""The «как вы сейчас?» buttons (chats:mood:<session>:<b|a><1–5>), before the chats catch-all."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from accounts.services import member_touch
from chats import outcomes
from core.db import db_call
from core.messaging import button, edit, render, tapped_markup

PHASES = {"b": "before", "a": "after"}


def _mood_by_tg(tg_id: int, session_id: int, phase: str, score: int) -> str:
    member = member_touch(tg_id=tg_id)
    return outcomes.mood_record(session_id=session_id, member_id=member.pk, phase=phase, score=score)


async def on_mood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    choice = parts[3] if len(parts) == 4 else ""
    phase, score = PHASES.get(choice[:1]), choice[1:]
    if not (parts[2].isdigit() and phase and score.isdigit()):
        await query.answer(render("chats/mood_stale"))
        await tapped_markup(context.bot, query)
        return
    result = await db_call(_mood_by_tg, update.effective_user.id, int(parts[2]), phase, int(score))
    await query.answer(render(f"chats/mood_{result}"))
    if result == "ok":
        # The choice replaces the buttons, so the question reads as answered.
        word = button(f"chats.mood{score}")
        await edit(context.bot, query.message.chat_id, query.message.message_id, "chats/mood_saved",
                   {"phase": phase, "word": word})  # fmt: skip
    else:
        await tapped_markup(context.bot, query)


def register(application: Application) -> None:
    """Called first from chats.bot.register, so these taps never reach the chats catch-all."""
    application.add_handler(CallbackQueryHandler(on_mood, pattern=r"^chats:mood:"))
