"""Safety commands available to everyone at any moment: /sos."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from core.db import db_call
from core.messaging import send
from moderation import selectors


async def sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The crisis card: works before onboarding, while muted, mid-chat — always."""
    lines = await db_call(selectors.hotlines)
    await send(context.bot, update.effective_chat.id, "moderation/sos", {"hotlines": lines})


def register(application: Application) -> None:
    application.add_handler(CommandHandler("sos", sos, filters=filters.ChatType.PRIVATE))
