"""Safety commands available to everyone at any moment: /sos."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from accounts.services import member_touch
from chats import delivery as chats_delivery
from core.db import db_call
from core.messaging import button, render, send
from moderation import selectors, services
from moderation.models import Report


def _sos(*, tg_id: int) -> list:
    # Marks the member seen (and reachable again) in the same hop; nothing gates the card.
    member = member_touch(tg_id=tg_id)
    return selectors.hotlines(member=member)


async def sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The crisis card: works before onboarding, while muted or banned, mid-chat — always."""
    lines = await db_call(_sos, tg_id=update.effective_user.id)
    await send(context.bot, update.effective_chat.id, "moderation/sos", {"hotlines": lines})


async def block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    outcome = await db_call(services.block_partner, tg_id=update.effective_user.id)
    chat_id = update.effective_chat.id
    if not outcome.ok:
        await send(context.bot, chat_id, "moderation/no_partner")
        return
    await chats_delivery.deliver(context.bot, outcome.notices)
    await send(context.bot, chat_id, "moderation/blocked")


def _reasons(session_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button(f"moderation.reason.{value}"),
                    callback_data=f"moderation:report:{session_id}:{value}",
                )
            ]
            for value in Report.Reason.values
        ]
    )


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    outcome = await db_call(services.report_session, tg_id=update.effective_user.id)
    chat_id = update.effective_chat.id
    if not outcome.ok:
        await send(context.bot, chat_id, "moderation/no_partner")
        return
    await send(context.bot, chat_id, "moderation/report_reason", reply_markup=_reasons(outcome.session_id))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    if len(parts) != 4 or parts[1] != "report" or not parts[2].isdigit():
        await query.answer(render("moderation/stale"))
        return
    outcome = await db_call(
        services.report_create, tg_id=update.effective_user.id, session_id=int(parts[2]), reason=parts[3]
    )
    if not outcome.ok:
        await query.answer(
            render(f"moderation/report_{outcome.reason}" if outcome.reason != "stale" else "moderation/stale")
        )
        return
    await query.answer()
    chat_id = update.effective_chat.id
    await send(context.bot, chat_id, "moderation/report_saved")
    if parts[3] == Report.Reason.DANGER:
        lines = await db_call(selectors.hotlines, tg_id=update.effective_user.id)
        await send(context.bot, chat_id, "moderation/sos", {"hotlines": lines})


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("sos", sos, filters=private))
    application.add_handler(CommandHandler("block", block, filters=private))
    application.add_handler(CommandHandler("report", report, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^moderation:"))
