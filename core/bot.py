"""Fallback handlers: unknown commands, and the PTB error handler (registered last)."""

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from core.messaging import reply
from core.webhook import record_handler_error

# A member's own message in the private chat: not a command, a service message or a payment.
MEMBER_MESSAGE = (
    filters.ChatType.PRIVATE
    & filters.UpdateType.MESSAGE
    & ~filters.COMMAND
    & ~filters.StatusUpdate.ALL
    & ~filters.SUCCESSFUL_PAYMENT
)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(context.bot, update.effective_chat.id, "core/unknown_command")


def register(application: Application) -> None:
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))
    application.add_error_handler(record_handler_error)
