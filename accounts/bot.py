"""Member-facing commands of the accounts app."""

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from core.messaging import send


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(context.bot, update.effective_chat.id, "accounts/start")


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(context.bot, update.effective_chat.id, "accounts/help")


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_command, filters=private))
