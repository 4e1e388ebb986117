"""Member-facing handlers of the accounts app: onboarding, /start, /help, /profile, /delete, /mydata."""

from __future__ import annotations

import importlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
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

from accounts import keyboards, selectors, services
from accounts.models import Member
from core import inputs
from core.db import db_call
from core.messaging import call_telegram, edit, render, send, unreachable_hooks

Step = Member.Step
COMMANDS = (
    "start",
    "profile",
    "find",
    "stop",
    "end",
    "tips",
    "report",
    "block",
    "sos",
    "coach",
    "delete",
    "mydata",
    "help",
)


def bot_commands() -> list[BotCommand]:
    """The Russian command menu (set_my_commands)."""
    lines = render("accounts/commands").splitlines()
    pairs = [line.split(" - ", 1) for line in lines if " - " in line]
    return [BotCommand(name.strip(), description.strip()) for name, description in pairs]


def _plain(template: str, context: dict | None = None) -> str:
    """A template for callback answers and alerts (plain text, no HTML)."""
    return render_to_string(f"bot/{template}.html", context or {}).strip()


async def _touch(update: Update) -> Member:
    return await db_call(services.member_touch, tg_id=update.effective_user.id)


async def ask_step(bot, chat_id: int, member: Member) -> None:
    """Ask what the member's current onboarding step needs (or show the summary card when done)."""
    step = member.onboarding_step
    if step == Step.RULES:
        await send(bot, chat_id, "accounts/rules", reply_markup=keyboards.rules())
    elif step == Step.ADULT:
        await send(bot, chat_id, "accounts/ask_adult", reply_markup=keyboards.adult())
    elif step == Step.PSEUDONYM:
        await send(bot, chat_id, "accounts/ask_pseudonym")
    elif step == Step.TIMEZONE:
        await send(bot, chat_id, "accounts/ask_timezone", reply_markup=keyboards.timezones())
    elif step == Step.TOPICS:
        await _send_topics(bot, chat_id, member)
    elif step == Step.EXPECTATIONS:
        await send(
            bot,
            chat_id,
            "accounts/ask_expectations",
            reply_markup=keyboards.expectations(member.expectations),
        )
    elif step == Step.AVAILABILITY:
        await send(
            bot,
            chat_id,
            "accounts/ask_availability",
            reply_markup=keyboards.availability(member.availability),
        )
    elif step == Step.BIO:
        await send(bot, chat_id, "accounts/ask_bio", reply_markup=keyboards.bio())
    else:
        card = await db_call(selectors.member_card, member=member)
        await send(bot, chat_id, "accounts/summary", {"card": card}, reply_markup=keyboards.summary())


async def _send_topics(bot, chat_id: int, member: Member) -> None:
    all_topics, selected = await db_call(_topics_state, member=member)
    await send(
        bot,
        chat_id,
        "accounts/ask_topics",
        {"min": services.TOPICS_MIN, "max": services.TOPICS_MAX},
        reply_markup=keyboards.topics(all_topics, selected),
    )


def _topics_state(*, member: Member):
    return selectors.topics_active(), selectors.member_topic_ids(member=member)


async def _show_profile(bot, chat_id: int, member: Member, *, message_id: int | None = None) -> None:
    card = await db_call(selectors.member_card, member=member)
    markup = keyboards.profile(card)
    if message_id:
        await edit(bot, chat_id, message_id, "accounts/profile", {"card": card}, reply_markup=markup)
    else:
        await send(bot, chat_id, "accounts/profile", {"card": card}, reply_markup=markup)


# -- commands -----------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    member = await _touch(update)
    chat_id = update.effective_chat.id
    if member.is_onboarded:
        await send(
            context.bot,
            chat_id,
            "accounts/menu",
            {"pseudonym": member.pseudonym},
            reply_markup=keyboards.summary(),
        )
        return
    if member.onboarding_step == Step.RULES:
        await send(context.bot, chat_id, "accounts/welcome")
    else:
        await send(context.bot, chat_id, "accounts/resume")
    await ask_step(context.bot, chat_id, member)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _touch(update)
    await send(context.bot, update.effective_chat.id, "accounts/help")


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    member = await _touch(update)
    if not member.is_onboarded:
        await send(context.bot, update.effective_chat.id, "accounts/finish_onboarding_first")
        await ask_step(context.bot, update.effective_chat.id, member)
        return
    await _show_profile(context.bot, update.effective_chat.id, member)


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _touch(update)
    await send(
        context.bot,
        update.effective_chat.id,
        "accounts/delete_confirm",
        reply_markup=keyboards.delete_first(),
    )


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    member = await _touch(update)
    data = await db_call(selectors.member_data_export, member=member)
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
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


# -- buttons ------------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _app, action, arg = (query.data.split(":", 2) + ["", ""])[:3]
    member = await _touch(update)
    chat_id = update.effective_chat.id
    bot = context.bot
    try:
        await _dispatch_button(update, context, member, action, arg)
    except services.StaleAction:
        await query.answer(_plain("accounts/stale_button"))
        fresh = await _touch(update)
        if fresh.is_onboarded and not fresh.awaiting:
            await _show_profile(bot, chat_id, fresh)
        else:
            await ask_step(bot, chat_id, fresh)


async def _dispatch_button(update: Update, context, member: Member, action: str, arg: str) -> None:
    query = update.callback_query
    bot, chat_id, message_id = context.bot, update.effective_chat.id, query.message.message_id
    if action == "rules":
        member = await db_call(services.rules_accept, member_id=member.pk)
        await query.answer()
        await ask_step(bot, chat_id, member)
    elif action == "adult":
        if arg != "yes":
            await query.answer()
            await send(bot, chat_id, "accounts/underage")
            return
        member = await db_call(services.adult_confirm, member_id=member.pk)
        await query.answer()
        await ask_step(bot, chat_id, member)
    elif action == "tz":
        if arg == "other":
            await db_call(services.timezone_ask_other, member_id=member.pk)
            await query.answer()
            await send(bot, chat_id, "accounts/ask_timezone_text")
            return
        outcome = await db_call(services.timezone_set, member_id=member.pk, value=arg)
        await query.answer()
        await _after_step(bot, chat_id, outcome.member, was_editing=member.is_onboarded)
    elif action == "topic":
        outcome = await db_call(services.topic_toggle, member_id=member.pk, topic_id=int(arg or 0))
        if not outcome.ok:
            await query.answer(
                _plain(f"accounts/invalid/{outcome.reason}", {"max": services.TOPICS_MAX}), show_alert=True
            )
            return
        await query.answer()
        all_topics, selected = await db_call(_topics_state, member=outcome.member)
        await call_telegram(
            chat_id,
            "editMessageReplyMarkup",
            lambda: bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=keyboards.topics(all_topics, selected)
            ),
        )
    elif action == "topics":
        outcome = await db_call(services.topics_confirm, member_id=member.pk)
        if not outcome.ok:
            await query.answer(
                _plain(f"accounts/invalid/{outcome.reason}", {"min": services.TOPICS_MIN}), show_alert=True
            )
            return
        await query.answer()
        await _after_step(bot, chat_id, outcome.member, was_editing=member.is_onboarded)
    elif action in ("exp", "av"):
        await _toggle_list_button(update, context, member, action, arg)
    elif action == "bio":
        outcome = await db_call(services.bio_set, member_id=member.pk, text=None)
        await query.answer()
        await _after_step(bot, chat_id, outcome.member, was_editing=member.is_onboarded)
    elif action == "profile":
        if not member.is_onboarded:
            raise services.StaleAction(action)
        await query.answer()
        await _show_profile(bot, chat_id, member)
    elif action == "find":
        await query.answer()
        await _start_search(update, context, member)
    elif action == "edit":
        await _edit_button(update, context, member, arg)
    elif action == "pref":
        member = await db_call(services.preference_toggle, member_id=member.pk, what=arg)
        await query.answer(_plain("accounts/saved"))
        await _show_profile(bot, chat_id, member, message_id=message_id)
    elif action == "delete":
        await _delete_button(update, context, member, arg)
    else:
        raise services.StaleAction(action)


async def _toggle_list_button(update: Update, context, member: Member, action: str, arg: str) -> None:
    query = update.callback_query
    bot, chat_id, message_id = context.bot, update.effective_chat.id, query.message.message_id
    toggle, confirm = (
        (services.expectation_toggle, services.expectations_confirm)
        if action == "exp"
        else (services.availability_toggle, services.availability_confirm)
    )
    if arg == "done":
        outcome = await db_call(confirm, member_id=member.pk)
        if not outcome.ok:
            await query.answer(_plain(f"accounts/invalid/{outcome.reason}"), show_alert=True)
            return
        await query.answer()
        await _after_step(bot, chat_id, outcome.member, was_editing=member.is_onboarded)
        return
    member = await db_call(toggle, member_id=member.pk, value=arg)
    await query.answer()
    markup = (
        keyboards.expectations(member.expectations)
        if action == "exp"
        else keyboards.availability(member.availability)
    )
    await call_telegram(
        chat_id,
        "editMessageReplyMarkup",
        lambda: bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=markup),
    )


async def _edit_button(update: Update, context, member: Member, what: str) -> None:
    query = update.callback_query
    bot, chat_id = context.bot, update.effective_chat.id
    if what == "cancel":
        member = await db_call(services.awaiting_clear, member_id=member.pk)
        await query.answer()
        await _show_profile(bot, chat_id, member)
        return
    member = await db_call(services.profile_edit_start, member_id=member.pk, what=what)
    await query.answer()
    if what == "pseudonym":
        await send(bot, chat_id, "accounts/ask_pseudonym", reply_markup=keyboards.cancel_edit())
    elif what == "bio":
        await send(bot, chat_id, "accounts/ask_bio", {"editing": True}, reply_markup=keyboards.bio())
    elif what == "timezone":
        await send(bot, chat_id, "accounts/ask_timezone", reply_markup=keyboards.timezones())
    elif what == "topics":
        await _send_topics(bot, chat_id, member)
    elif what == "expectations":
        await send(
            bot,
            chat_id,
            "accounts/ask_expectations",
            reply_markup=keyboards.expectations(member.expectations),
        )
    elif what == "availability":
        await send(
            bot,
            chat_id,
            "accounts/ask_availability",
            reply_markup=keyboards.availability(member.availability),
        )


async def _delete_button(update: Update, context, member: Member, arg: str) -> None:
    query = update.callback_query
    bot, chat_id = context.bot, update.effective_chat.id
    await query.answer()
    if arg == "1":
        await send(bot, chat_id, "accounts/delete_confirm_again", reply_markup=keyboards.delete_second())
    elif arg == "2":
        await db_call(services.member_erase, member_id=member.pk)
        await send(bot, chat_id, "accounts/deleted")
    else:
        await send(bot, chat_id, "accounts/delete_cancelled")


async def _after_step(bot, chat_id: int, member: Member, *, was_editing: bool) -> None:
    if was_editing:
        await send(bot, chat_id, "accounts/saved_long")
        await _show_profile(bot, chat_id, member)
    elif member.is_onboarded:
        await send(bot, chat_id, "accounts/onboarding_done")
        await ask_step(bot, chat_id, member)
    else:
        await ask_step(bot, chat_id, member)


async def _start_search(update: Update, context, member: Member) -> None:
    """Hand over to the matching app's /find when it is installed."""
    try:
        matching_bot = importlib.import_module("matching.bot")
    except ImportError:
        matching_bot = None
    start_search = getattr(matching_bot, "start_search", None)
    if start_search is None:
        await send(context.bot, update.effective_chat.id, "accounts/find_hint")
        return
    await start_search(update, context)


# -- free text ----------------------------------------------------------------------------------


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Onboarding answers and awaited input; anything else goes on to the chat relay (group 1)."""
    member = await _touch(update)
    if not member.is_onboarded:
        await _onboarding_message(update, context, member)
        raise ApplicationHandlerStop
    if member.awaiting.startswith("accounts:"):
        await _edit_message(update, context, member)
        raise ApplicationHandlerStop
    if member.awaiting:
        handler = inputs.awaiting_handlers.get(member.awaiting.split(":", 1)[0])
        if handler is not None:
            await handler(update, context, member)
            raise ApplicationHandlerStop
        await db_call(services.awaiting_clear, member_id=member.pk)


async def _onboarding_message(update: Update, context, member: Member) -> None:
    bot, chat_id = context.bot, update.effective_chat.id
    text = update.effective_message.text
    step = member.onboarding_step
    if step in (Step.PSEUDONYM, Step.TIMEZONE, Step.BIO) and text is None:
        await send(bot, chat_id, "accounts/need_text")
        await ask_step(bot, chat_id, member)
        return
    if step == Step.PSEUDONYM:
        outcome = await db_call(services.pseudonym_set, member_id=member.pk, text=text)
    elif step == Step.TIMEZONE:
        outcome = await db_call(services.timezone_set, member_id=member.pk, value=text)
    elif step == Step.BIO:
        outcome = await db_call(services.bio_set, member_id=member.pk, text=text)
    else:
        await send(bot, chat_id, "accounts/use_buttons")
        await ask_step(bot, chat_id, member)
        return
    if not outcome.ok:
        await send(bot, chat_id, f"accounts/invalid/{outcome.reason}", {"min": 2, "max": 24})
        return
    await _after_step(bot, chat_id, outcome.member, was_editing=False)


async def _edit_message(update: Update, context, member: Member) -> None:
    bot, chat_id = context.bot, update.effective_chat.id
    text = update.effective_message.text
    what = member.awaiting.removeprefix("accounts:edit_")
    services_by_field = {
        "pseudonym": lambda: db_call(services.pseudonym_set, member_id=member.pk, text=text),
        "timezone": lambda: db_call(services.timezone_set, member_id=member.pk, value=text),
        "bio": lambda: db_call(services.bio_set, member_id=member.pk, text=text),
    }
    if what not in services_by_field:
        await send(bot, chat_id, "accounts/use_buttons")
        return
    if text is None:
        await send(bot, chat_id, "accounts/need_text")
        return
    outcome = await services_by_field[what]()
    if not outcome.ok:
        await send(bot, chat_id, f"accounts/invalid/{outcome.reason}", {"min": 2, "max": 24})
        return
    await _after_step(bot, chat_id, outcome.member, was_editing=True)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The member blocked (kicked) or unblocked the bot."""
    change = update.my_chat_member
    if change.chat.type != "private":
        return
    if change.new_chat_member.status in ("kicked", "left"):
        await db_call(services.member_mark_unreachable, tg_id=change.from_user.id)
    else:
        await _touch(update)


async def mark_unreachable(chat_id: int) -> None:
    await db_call(services.member_mark_unreachable, tg_id=chat_id)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_command, filters=private))
    application.add_handler(CommandHandler("profile", profile, filters=private))
    application.add_handler(CommandHandler("delete", delete, filters=private))
    application.add_handler(CommandHandler("mydata", mydata, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^accounts:"))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(
        MessageHandler(
            private
            & filters.UpdateType.MESSAGE
            & ~filters.COMMAND
            & ~filters.StatusUpdate.ALL
            & ~filters.SUCCESSFUL_PAYMENT,
            on_message,
        )
    )
    if mark_unreachable not in unreachable_hooks:
        unreachable_hooks.append(mark_unreachable)
