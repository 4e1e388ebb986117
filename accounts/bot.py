"""Member-facing handlers of the accounts app: /start, /help, /profile, /delete, /mydata, the
answers typed during onboarding and awaited input, reachability; buttons are in buttons.py.

Each update costs one database hop (turns.py); the async side only renders and sends."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from telegram import BotCommand, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from accounts import buttons, keyboards, loneliness_bot, onboarding, screens, selectors, services, turns
from accounts.models import Member
from accounts.screens import LIMITS, ask_step, show_profile
from core import hooks as core_hooks
from core.bot import MEMBER_MESSAGE
from core.db import db_call
from core.messaging import call_telegram, render, reply, send

Step = Member.Step
# Every command of the bot, in the order of the menu and of /help.
COMMANDS = (
    "start",
    "profile",
    "find",
    "stop",
    "end",
    "tips",
    "paysupport",
    "report",
    "block",
    "sos",
    "coach",
    "mydata",
    "delete",
    "help",
)


def bot_commands() -> list[BotCommand]:
    """The Russian command menu (set_my_commands), from templates/bot/accounts/commands.html."""
    lines = render("accounts/commands").splitlines()
    pairs = [line.split(" - ", 1) for line in lines if " - " in line]
    return [BotCommand(name.strip(), description.strip()) for name, description in pairs]


def bot_descriptions() -> dict[str, str]:
    """Texts for set_my_description / set_my_short_description."""
    return {
        "description": render("accounts/bot_description"),
        "short_description": render("accounts/bot_short_description"),
    }


# -- commands -----------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turns.run(update, turns.clear_awaiting)
    bot, chat_id, member = context.bot, update.effective_chat.id, turn.member
    if member.is_onboarded:
        await send(
            bot, chat_id, "accounts/menu", {"pseudonym": member.pseudonym}, reply_markup=keyboards.summary()
        )
        return
    await send(
        bot, chat_id, "accounts/welcome" if member.onboarding_step == Step.RULES else "accounts/resume"
    )
    await ask_step(bot, chat_id, member, turn.view)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await turns.touch(update)
    await reply(context.bot, update.effective_chat.id, "accounts/help", reply_markup=keyboards.help_menu())


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turns.run(update, turns.clear_awaiting)
    bot, chat_id = context.bot, update.effective_chat.id
    if not turn.member.is_onboarded:
        await send(bot, chat_id, "accounts/finish_onboarding_first")
        await ask_step(bot, chat_id, turn.member, turn.view)
        return
    await show_profile(bot, chat_id, turn.view)


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await turns.touch(update)
    await send(
        context.bot,
        update.effective_chat.id,
        "accounts/delete_confirm",
        reply_markup=keyboards.delete_first(),
    )


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turns.run(update, lambda m: selectors.member_data_export(member=m), view=False)
    payload = json.dumps(turn.result, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
    chat_id = update.effective_chat.id
    caption = render("accounts/mydata")
    await call_telegram(
        chat_id,
        "sendDocument",
        lambda: context.bot.send_document(
            chat_id=chat_id,
            document=InputFile(payload, filename="my-data.json"),
            caption=caption,
            parse_mode=ParseMode.HTML,
        ),
    )


# -- free text ----------------------------------------------------------------------------------

_TEXT_STEPS = {
    Step.PSEUDONYM: lambda m, text: onboarding.pseudonym_set(member_id=m.pk, text=text),
    Step.TIMEZONE: lambda m, text: onboarding.timezone_set(member_id=m.pk, value=text),
    Step.BIO: lambda m, text: onboarding.bio_set(member_id=m.pk, text=text),
}


@transaction.atomic
def _message_turn(*, tg_id: int, text: str | None) -> turns.Turn:
    """Decide who reads a non-command message and, when it is an answer to us, save it."""
    member = services.member_touch(tg_id=tg_id)
    turn = turns.Turn(member, was_onboarded=member.is_onboarded)
    if member.is_onboarded:
        awaiting = onboarding.awaiting_now(member)
        if not awaiting:
            if member.awaiting:  # the wait lapsed: this is an ordinary message again
                turn.member = onboarding.awaiting_clear(member_id=member.pk)
            turn.route = "pass"
            return turn
        app = awaiting.split(":", 1)[0]
        if app != "accounts":
            if app not in core_hooks.awaiting_input:
                turn.member = onboarding.awaiting_clear(member_id=member.pk)
                turn.route = "pass"
            else:
                turn.route = "handoff"
            return turn
        step = screens.editing(member)
    else:
        step = member.onboarding_step
    if step not in _TEXT_STEPS:
        turn.route = "use_buttons"
    elif text is None:
        turn.route = "need_text"
    else:
        turn.route = "answer"
        turns.apply(turn, lambda m: _TEXT_STEPS[step](m, text))
    turn.view = selectors.member_view(member=turn.member)
    return turn


async def _talking(context, tg_id: int) -> bool:
    for check in core_hooks.talking_check:  # chats: the same check, with the relay's lookup
        return await check(context, tg_id)
    return await services.member_seen_talking(tg_id=tg_id)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Onboarding answers and awaited input; anything else goes on to the chat relay (group 1)."""
    if await _talking(context, update.effective_user.id):
        return
    turn = await db_call(_message_turn, tg_id=update.effective_user.id, text=update.effective_message.text)
    if turn.route == "pass":
        return
    if turn.route == "handoff":
        handler = core_hooks.awaiting_input[turn.member.awaiting.split(":", 1)[0]]
        await handler(update, context, turn.member)
        raise ApplicationHandlerStop
    bot, chat_id = context.bot, update.effective_chat.id
    if turn.route in ("use_buttons", "need_text"):
        await send(bot, chat_id, f"accounts/{turn.route}")
        await screens.ask_again(bot, chat_id, turn.member, turn.view)
    elif turn.stale:
        await screens.ask_again(bot, chat_id, turn.member, turn.view)
    elif not turn.outcome.ok:
        await send(bot, chat_id, f"accounts/invalid/{turn.outcome.reason}", LIMITS)
    else:
        await screens.after_step(bot, chat_id, turn.member, turn.view, was_onboarded=turn.was_onboarded)
    raise ApplicationHandlerStop


# -- reachability -------------------------------------------------------------------------------


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The member blocked (kicked) or unblocked the bot."""
    change = update.my_chat_member
    if change.chat.type != "private":
        return
    if change.new_chat_member.status in ("kicked", "left"):
        await db_call(services.member_mark_unreachable, tg_id=change.from_user.id)
    else:
        await db_call(services.member_touch, tg_id=change.from_user.id)


async def mark_unreachable(chat_id: int) -> None:
    """core.messaging hook: Telegram answered 403 for this chat."""
    await db_call(services.member_mark_unreachable, tg_id=chat_id)


def register(application: Application) -> None:
    loneliness_bot.register(application)  # the loneliness check, before the accounts: catch-all
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_command, filters=private))
    application.add_handler(CommandHandler("profile", profile, filters=private))
    application.add_handler(CommandHandler("delete", delete, filters=private))
    application.add_handler(CommandHandler("mydata", mydata, filters=private))
    application.add_handler(CallbackQueryHandler(buttons.on_button, pattern=r"^accounts:"))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(MEMBER_MESSAGE, on_message))
