"""Member-facing handlers of the accounts app: onboarding, /start, /help, /profile, /delete, /mydata.

Each update costs one database hop: `_turn` marks the member seen (creating them on first
contact), runs the service the update asks for and reads what the answer needs, in one thread
call and one transaction. The async side only renders and sends.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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

from accounts import keyboards, onboarding, selectors, services, validators
from accounts.models import Member
from core import clock
from core import hooks as core_hooks
from core.db import db_call
from core.messaging import call_telegram, edit, render, send

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
# Fields typed as text when edited from /profile; the others are edited with buttons.
TEXT_FIELDS = ("pseudonym", "timezone", "bio")
LIMITS = {"min": validators.PSEUDONYM_MIN, "max": validators.PSEUDONYM_MAX}


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


def _plain(template: str, context: dict | None = None) -> str:
    """A template for callback answers and alerts, which Telegram shows as plain text."""
    return html.unescape(render(template, context))


# -- one database hop per update ----------------------------------------------------------------


@dataclass
class Turn:
    """What one update did to a member and what answering it needs."""

    member: Member
    was_onboarded: bool
    outcome: onboarding.Outcome | None = None
    stale: bool = False
    result: Any = None
    route: str = ""
    view: dict = field(default_factory=dict)


def _apply(turn: Turn, work: Callable[[Member], Any]) -> None:
    try:
        result = work(turn.member)
    except onboarding.StaleAction:
        turn.stale = True
        return
    if isinstance(result, onboarding.Outcome):
        turn.outcome, turn.member = result, result.member
    elif isinstance(result, Member):
        turn.member = result
    else:
        turn.result = result


@transaction.atomic
def _turn(*, tg_id: int, work: Callable[[Member], Any] | None = None, view: bool = True) -> Turn:
    member = services.member_touch(tg_id=tg_id)
    turn = Turn(member, was_onboarded=member.is_onboarded)
    if work is not None:
        _apply(turn, work)
    if view:
        turn.view = selectors.member_view(member=turn.member)
    return turn


async def _run(update: Update, work: Callable[[Member], Any] | None = None, *, view: bool = True) -> Turn:
    return await db_call(_turn, tg_id=update.effective_user.id, work=work, view=view)


def _editing(member: Member) -> str:
    """The profile field the member is editing ("" when none)."""
    awaiting = onboarding.awaiting_now(member)
    return awaiting.removeprefix("accounts:edit_") if awaiting.startswith("accounts:edit_") else ""


# -- asking -------------------------------------------------------------------------------------


async def ask_step(bot, chat_id: int, member: Member, view: dict) -> None:
    """Ask what the member's onboarding step needs (or show the summary card when done)."""
    step = member.onboarding_step
    if step == Step.RULES:
        await send(bot, chat_id, "accounts/rules", reply_markup=keyboards.rules())
    elif step == Step.ADULT:
        await send(bot, chat_id, "accounts/ask_adult", reply_markup=keyboards.adult())
    elif step == Step.PSEUDONYM:
        await send(bot, chat_id, "accounts/ask_pseudonym", LIMITS)
    elif step == Step.TIMEZONE:
        await send(bot, chat_id, "accounts/ask_timezone", reply_markup=keyboards.timezones())
    elif step == Step.COUNTRY:
        await _send_countries(bot, chat_id, view)
    elif step == Step.TOPICS:
        await _send_topics(bot, chat_id, view)
    elif step == Step.SENSITIVITY:
        await _send_sensitivity(bot, chat_id, view)
    elif step == Step.SAFETY:
        await send_safety_card(bot, chat_id, 1, onboarding=True)
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
        await send(bot, chat_id, "accounts/summary", {"card": view["card"]}, reply_markup=keyboards.summary())


async def ask_edit(bot, chat_id: int, member: Member, view: dict, what: str) -> None:
    """Ask for the new value of a profile field."""
    if what == "pseudonym":
        await send(bot, chat_id, "accounts/ask_pseudonym", LIMITS, reply_markup=keyboards.cancel_edit())
    elif what == "bio":
        await send(
            bot, chat_id, "accounts/ask_bio", {"editing": True}, reply_markup=keyboards.bio(editing=True)
        )
    elif what == "timezone":
        await send(bot, chat_id, "accounts/ask_timezone", reply_markup=keyboards.timezones(editing=True))
    elif what == "topics":
        await _send_topics(bot, chat_id, view)
    elif what == "country":
        await _send_countries(bot, chat_id, view, editing=True)
    elif what == "sensitivity":
        await _send_sensitivity(bot, chat_id, view, editing=True)
    elif what == "colist":
        await _send_colist(bot, chat_id, view)
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
    else:
        await _show_profile(bot, chat_id, view)


async def ask_again(bot, chat_id: int, turn: Turn) -> None:
    """Repeat the question the member is at: an onboarding step, a field being edited, or the profile."""
    member = turn.member
    if not member.is_onboarded:
        await ask_step(bot, chat_id, member, turn.view)
    elif what := _editing(member):
        await ask_edit(bot, chat_id, member, turn.view, what)
    else:
        await _show_profile(bot, chat_id, turn.view)


async def _send_topics(bot, chat_id: int, view: dict) -> None:
    await send(
        bot,
        chat_id,
        "accounts/ask_topics",
        {"min": onboarding.TOPICS_MIN, "max": onboarding.TOPICS_MAX},
        reply_markup=keyboards.topics(view["topics"], view["selected"]),
    )


async def _send_countries(bot, chat_id: int, view: dict, *, editing: bool = False) -> None:
    suggested = view.get("suggested", "")
    markup = keyboards.countries(suggested, editing=editing)
    await send(bot, chat_id, "accounts/ask_country", {"suggested": suggested}, reply_markup=markup)


async def _send_sensitivity(bot, chat_id: int, view: dict, *, editing: bool = False) -> None:
    markup = keyboards.sensitivity(view.get("sensitivity", ""), editing=editing)
    await send(bot, chat_id, "accounts/ask_sensitivity", reply_markup=markup)


def _colist_markup(view: dict):
    return keyboards.colist(view["topics"], view["later"], view["card"]["colist_opt_in"])


async def _send_colist(bot, chat_id: int, view: dict) -> None:
    await send(
        bot, chat_id, "accounts/ask_colist", {"max": onboarding.COLIST_MAX}, reply_markup=_colist_markup(view)
    )


async def send_safety_card(
    bot, chat_id: int, number: int, *, onboarding: bool, message_id: int | None = None
) -> None:
    """One of the safe-communication cards; Next/Back edit the same message."""
    markup = keyboards.safety_card(number, onboarding=onboarding)
    if message_id:
        await edit(bot, chat_id, message_id, "accounts/safety_card", {"number": number}, reply_markup=markup)
    else:
        await send(bot, chat_id, "accounts/safety_card", {"number": number}, reply_markup=markup)


async def _show_profile(bot, chat_id: int, view: dict, *, message_id: int | None = None) -> None:
    card = view["card"]
    markup = keyboards.profile(card)
    if message_id:
        await edit(bot, chat_id, message_id, "accounts/profile", {"card": card}, reply_markup=markup)
    else:
        await send(bot, chat_id, "accounts/profile", {"card": card}, reply_markup=markup)


async def _after_step(bot, chat_id: int, turn: Turn) -> None:
    """A step or an edit was saved: go on to the next question, or back to the profile."""
    if turn.was_onboarded:
        await send(bot, chat_id, "accounts/saved_long")
        await _show_profile(bot, chat_id, turn.view)
    elif turn.member.is_onboarded:
        await send(bot, chat_id, "accounts/onboarding_done")
        await ask_step(bot, chat_id, turn.member, turn.view)
    else:
        await ask_step(bot, chat_id, turn.member, turn.view)


# -- commands -----------------------------------------------------------------------------------


def _clear_awaiting(member: Member) -> Member:
    return onboarding.awaiting_clear(member_id=member.pk)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await _run(update, _clear_awaiting)
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
    await _run(update, view=False)
    await send(context.bot, update.effective_chat.id, "accounts/help", reply_markup=keyboards.help_menu())


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await _run(update, _clear_awaiting)
    bot, chat_id = context.bot, update.effective_chat.id
    if not turn.member.is_onboarded:
        await send(bot, chat_id, "accounts/finish_onboarding_first")
        await ask_step(bot, chat_id, turn.member, turn.view)
        return
    await _show_profile(bot, chat_id, turn.view)


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _run(update, view=False)
    await send(
        context.bot,
        update.effective_chat.id,
        "accounts/delete_confirm",
        reply_markup=keyboards.delete_first(),
    )


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await _run(update, lambda m: selectors.member_data_export(member=m), view=False)
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


# -- buttons ------------------------------------------------------------------------------------


def _stale(member: Member) -> Member:
    raise onboarding.StaleAction("button")


def _require_onboarded(member: Member) -> Member:
    if not member.is_onboarded:
        raise onboarding.StaleAction("profile")
    return member


def _wanted(args: list[str]) -> bool | None:
    """The state a toggle button asked for ("1"/"0"); None for buttons of older keyboards (flip)."""
    return {"1": True, "0": False}.get(args[1]) if len(args) > 1 else None


def _button_work(action: str, args: list[str]) -> Callable[[Member], Any] | None:
    """The service a button asks for (None: nothing to change)."""
    arg = args[0] if args else ""
    if action == "rules" and arg == "ok":
        return lambda m: onboarding.rules_accept(member_id=m.pk)
    if action == "adult" and arg in ("yes", "no"):
        confirm = onboarding.adult_confirm if arg == "yes" else onboarding.adult_decline
        return lambda m: confirm(member_id=m.pk)
    if action == "tz" and arg == "other":
        return lambda m: onboarding.timezone_ask_other(member_id=m.pk)
    if action == "tz" and arg:
        return lambda m: onboarding.timezone_set(member_id=m.pk, value=arg)
    if action == "topic" and arg.isdigit():
        return lambda m: onboarding.topic_toggle(member_id=m.pk, topic_id=int(arg), selected=_wanted(args))
    if action == "topics" and arg == "done":
        return lambda m: onboarding.topics_confirm(member_id=m.pk)
    if action in ("exp", "av") and arg:
        toggle, confirm = (
            (onboarding.expectation_toggle, onboarding.expectations_confirm)
            if action == "exp"
            else (onboarding.availability_toggle, onboarding.availability_confirm)
        )
        if arg == "done":
            return lambda m: confirm(member_id=m.pk)
        return lambda m: toggle(member_id=m.pk, value=arg, selected=_wanted(args))
    if action == "country" and arg:
        return lambda m: onboarding.country_set(member_id=m.pk, value=arg)
    if action == "sens" and arg:
        return lambda m: onboarding.sensitivity_set(member_id=m.pk, value=arg)
    if action == "cards" and arg == "done" and len(args) == 2:
        return lambda m: onboarding.safety_cards_seen(member_id=m.pk, onboarding=args[1] == "o")
    if action == "cards" and arg == "open":
        return None
    if action == "cards" and arg.isdigit() and 1 <= int(arg) <= keyboards.SAFETY_CARDS and len(args) == 2:
        return None
    if action == "later" and arg.isdigit():
        return lambda m: onboarding.later_topic_toggle(
            member_id=m.pk, topic_id=int(arg), selected=_wanted(args)
        )
    if action == "later" and arg == "notify":
        return lambda m: onboarding.colist_notify_toggle(member_id=m.pk, on=_wanted(args))
    if action == "later" and arg == "done":
        return lambda m: onboarding.colist_confirm(member_id=m.pk)
    if action == "avatar" and arg == "new":
        return lambda m: onboarding.avatar_regenerate(member_id=m.pk)
    if action == "unsub" and arg in ("digest", "colist"):
        return lambda m: onboarding.notices_unsubscribe(member_id=m.pk, what=arg)
    if action == "bio" and arg == "skip":
        return lambda m: onboarding.bio_set(member_id=m.pk, text=None)
    if action == "profile":
        return _require_onboarded
    if action == "edit" and arg == "cancel":
        return _clear_awaiting
    if action == "edit" and arg:
        return lambda m: onboarding.profile_edit_start(member_id=m.pk, what=arg)
    if action == "pref" and arg:
        return lambda m: onboarding.preference_toggle(member_id=m.pk, what=arg, on=_wanted(args))
    if action == "delete" and arg == "2" and len(args) == 3 and args[1].isdigit() and args[2].isdigit():
        asked_for, asked_at = int(args[1]), dt.datetime.fromtimestamp(int(args[2]), tz=dt.UTC)
        return lambda m: services.member_erase_confirmed(
            member_id=m.pk, asked_for=asked_for, asked_at=asked_at
        )
    if action == "delete" and arg in ("1", "no"):
        return None
    return _stale


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    action, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
    if action == "find":
        await query.answer()
        await _start_search(update, context)
        return
    erasing = action == "delete" and args[:1] == ["2"]
    turn = await _run(update, _button_work(action, args), view=not erasing)
    bot, chat_id = context.bot, update.effective_chat.id
    if turn.stale:
        await query.answer(_plain("accounts/stale_button"))
        if action == "delete":
            await send(bot, chat_id, "accounts/delete_expired")
        else:
            await ask_again(bot, chat_id, turn)
        return
    if turn.outcome is not None and not turn.outcome.ok:
        reason = turn.outcome.reason
        limits = {"min": onboarding.TOPICS_MIN, "max": onboarding.TOPICS_MAX}
        if reason == "colist_too_many":
            limits["max"] = onboarding.COLIST_MAX
        await query.answer(_plain(f"accounts/invalid/{reason}", limits), show_alert=True)
        return
    await query.answer(_plain("accounts/saved") if action == "pref" else None)
    await _button_reply(
        update, context, turn, action, args[0] if args else "", args[1] if len(args) > 1 else ""
    )


async def _button_reply(update: Update, context, turn: Turn, action: str, arg: str, mode: str = "") -> None:
    bot, chat_id = context.bot, update.effective_chat.id
    message_id = update.callback_query.message.message_id
    member = turn.member
    if action == "adult" and arg == "no":
        await send(bot, chat_id, "accounts/underage")
    elif action == "tz" and arg == "other":
        await send(bot, chat_id, "accounts/ask_timezone_text")
    elif action in ("topic", "exp", "av") and arg != "done":
        if action == "topic":
            markup = keyboards.topics(turn.view["topics"], turn.view["selected"])
        elif action == "exp":
            markup = keyboards.expectations(member.expectations)
        else:
            markup = keyboards.availability(member.availability)
        await call_telegram(
            chat_id,
            "editMessageReplyMarkup",
            lambda: bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            ),
        )
    elif action == "later" and arg != "done":
        markup = _colist_markup(turn.view)
        await call_telegram(
            chat_id,
            "editMessageReplyMarkup",
            lambda: bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=markup
            ),
        )
    elif action == "later":
        await send(bot, chat_id, "accounts/saved_long")
        await _show_profile(bot, chat_id, turn.view)
    elif action == "cards" and arg == "open":
        await send_safety_card(bot, chat_id, 1, onboarding=False)
    elif action == "cards" and arg.isdigit():
        onboarding = not member.is_onboarded and member.onboarding_step == Step.SAFETY and mode == "o"
        await send_safety_card(bot, chat_id, int(arg), onboarding=onboarding, message_id=message_id)
    elif action == "cards":
        if turn.was_onboarded or mode == "h":
            await edit(bot, chat_id, message_id, "accounts/cards_closed")
        else:
            await _after_step(bot, chat_id, turn)
    elif action == "unsub":
        await edit(bot, chat_id, message_id, f"accounts/{arg}_unsubscribed")
    elif action in ("rules", "adult"):
        await ask_step(bot, chat_id, member, turn.view)
    elif action in ("tz", "country", "topics", "exp", "sens", "av", "bio"):
        await _after_step(bot, chat_id, turn)
    elif action == "profile" or (action == "edit" and arg == "cancel"):
        await ask_again(bot, chat_id, turn)
    elif action == "edit":
        await ask_edit(bot, chat_id, member, turn.view, arg)
    elif action in ("pref", "avatar"):
        await _show_profile(bot, chat_id, turn.view, message_id=message_id)
    elif action == "delete":
        if arg == "1":
            markup = keyboards.delete_second(member.pk, int(clock.now().timestamp()))
            await send(bot, chat_id, "accounts/delete_confirm_again", reply_markup=markup)
        elif arg == "2":
            await send(bot, chat_id, "accounts/deleted")
        else:
            await send(bot, chat_id, "accounts/delete_cancelled")


async def _start_search(update: Update, context) -> None:
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

_TEXT_STEPS = {
    Step.PSEUDONYM: lambda m, text: onboarding.pseudonym_set(member_id=m.pk, text=text),
    Step.TIMEZONE: lambda m, text: onboarding.timezone_set(member_id=m.pk, value=text),
    Step.BIO: lambda m, text: onboarding.bio_set(member_id=m.pk, text=text),
}


@transaction.atomic
def _message_turn(*, tg_id: int, text: str | None) -> Turn:
    """Decide who reads a non-command message and, when it is an answer to us, save it."""
    member = services.member_touch(tg_id=tg_id)
    turn = Turn(member, was_onboarded=member.is_onboarded)
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
        step = _editing(member)
    else:
        step = member.onboarding_step
    if step not in _TEXT_STEPS:
        turn.route = "use_buttons"
    elif text is None:
        turn.route = "need_text"
    else:
        turn.route = "answer"
        _apply(turn, lambda m: _TEXT_STEPS[step](m, text))
    turn.view = selectors.member_view(member=turn.member)
    return turn


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Onboarding answers and awaited input; anything else goes on to the chat relay (group 1)."""
    if await services.member_seen_talking(tg_id=update.effective_user.id):
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
        await ask_again(bot, chat_id, turn)
    elif turn.stale:
        await ask_again(bot, chat_id, turn)
    elif not turn.outcome.ok:
        await send(bot, chat_id, f"accounts/invalid/{turn.outcome.reason}", LIMITS)
    else:
        await _after_step(bot, chat_id, turn)
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
