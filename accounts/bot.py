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

from accounts import keyboards, loneliness_bot, onboarding, selectors, services, validators
from accounts.models import Member
from core import clock
from core import hooks as core_hooks
from core.db import db_call
from core.messaging import call_telegram, edit, edit_markup, render, send

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


@dataclass(frozen=True)
class Tap:
    """One button tap being answered: who, where, and what the service did."""

    bot: Any
    chat_id: int
    message_id: int
    turn: Turn
    args: list[str]

    @property
    def arg(self) -> str:
        return self.args[0] if self.args else ""

    @property
    def mode(self) -> str:
        return self.args[1] if len(self.args) > 1 else ""


@dataclass(frozen=True)
class Route:
    """One kind of accounts button: when it applies, the service it calls, how the bot answers."""

    action: str
    applies: Callable[[list[str]], bool]
    work: Callable[[list[str]], Callable[[Member], Any] | None]
    reply: Callable[[Tap], Any]


def _member(call: Callable[..., Any], **params: Any) -> Callable[[list[str]], Callable[[Member], Any]]:
    """A service called with the member id and `params` (values may be functions of the args)."""
    return lambda args: (
        lambda m: call(member_id=m.pk, **{k: v(args) if callable(v) else v for k, v in params.items()})
    )


def _arg(args: list[str]) -> str:
    return args[0] if args else ""


def _is(*values: str) -> Callable[[list[str]], bool]:
    return lambda args: _arg(args) in values


def _digit(args: list[str]) -> bool:
    return _arg(args).isdigit()


def _any_arg(args: list[str]) -> bool:
    return bool(_arg(args))


def _nothing(args: list[str]) -> None:
    return None


async def _cards_done(tap: Tap) -> None:
    if tap.turn.was_onboarded or tap.mode == "h":
        await edit(tap.bot, tap.chat_id, tap.message_id, "accounts/cards_closed")
    else:
        await _after_step(tap.bot, tap.chat_id, tap.turn)


async def _card(tap: Tap) -> None:
    member = tap.turn.member
    during_onboarding = not member.is_onboarded and member.onboarding_step == Step.SAFETY and tap.mode == "o"
    await send_safety_card(
        tap.bot, tap.chat_id, int(tap.arg), onboarding=during_onboarding, message_id=tap.message_id
    )


async def _colist_saved(tap: Tap) -> None:
    await send(tap.bot, tap.chat_id, "accounts/saved_long")
    await _show_profile(tap.bot, tap.chat_id, tap.turn.view)


async def _delete_asked(tap: Tap) -> None:
    markup = keyboards.delete_second(tap.turn.member.pk, int(clock.now().timestamp()))
    await send(tap.bot, tap.chat_id, "accounts/delete_confirm_again", reply_markup=markup)


def _erase_confirmed(args: list[str]) -> Callable[[Member], Any]:
    asked_for, asked_at = int(args[1]), dt.datetime.fromtimestamp(int(args[2]), tz=dt.UTC)
    return lambda m: services.member_erase_confirmed(member_id=m.pk, asked_for=asked_for, asked_at=asked_at)


def _sent(template: str) -> Callable[[Tap], Any]:
    return lambda tap: send(tap.bot, tap.chat_id, template)


def _next(tap: Tap):
    return _after_step(tap.bot, tap.chat_id, tap.turn)


def _again(tap: Tap):
    return ask_again(tap.bot, tap.chat_id, tap.turn)


def _profile(tap: Tap):
    return _show_profile(tap.bot, tap.chat_id, tap.turn.view, message_id=tap.message_id)


_TOGGLED = {
    "topic": lambda tap: keyboards.topics(tap.turn.view["topics"], tap.turn.view["selected"]),
    "exp": lambda tap: keyboards.expectations(tap.turn.member.expectations),
    "av": lambda tap: keyboards.availability(tap.turn.member.availability),
    "later": lambda tap: _colist_markup(tap.turn.view),
}


def _toggled(action: str) -> Callable[[Tap], Any]:
    return lambda tap: edit_markup(tap.bot, tap.chat_id, tap.message_id, _TOGGLED[action](tap))


# Every accounts button, in one table: the first route whose action and arguments match is
# the one; anything else is a stale button.
ROUTES = (
    Route("rules", _is("ok"), _member(onboarding.rules_accept), lambda t: ask_step(t.bot, t.chat_id, t.turn.member, t.turn.view)),
    Route("adult", _is("yes"), _member(onboarding.adult_confirm), lambda t: ask_step(t.bot, t.chat_id, t.turn.member, t.turn.view)),
    Route("adult", _is("no"), _member(onboarding.adult_decline), _sent("accounts/underage")),
    Route("tz", _is("other"), _member(onboarding.timezone_ask_other), _sent("accounts/ask_timezone_text")),
    Route("tz", _any_arg, _member(onboarding.timezone_set, value=_arg), _next),
    Route("topic", _digit, _member(onboarding.topic_toggle, topic_id=lambda a: int(_arg(a)), selected=_wanted), _toggled("topic")),
    Route("topics", _is("done"), _member(onboarding.topics_confirm), _next),
    Route("exp", _is("done"), _member(onboarding.expectations_confirm), _next),
    Route("exp", _any_arg, _member(onboarding.expectation_toggle, value=_arg, selected=_wanted), _toggled("exp")),
    Route("av", _is("done"), _member(onboarding.availability_confirm), _next),
    Route("av", _any_arg, _member(onboarding.availability_toggle, value=_arg, selected=_wanted), _toggled("av")),
    Route("country", _any_arg, _member(onboarding.country_set, value=_arg), _next),
    Route("sens", _any_arg, _member(onboarding.sensitivity_set, value=_arg), _next),
    Route("cards", lambda a: _arg(a) == "done" and len(a) == 2, _member(onboarding.safety_cards_seen, onboarding=lambda a: a[1] == "o"), _cards_done),
    Route("cards", _is("open"), _nothing, lambda t: send_safety_card(t.bot, t.chat_id, 1, onboarding=False)),
    Route("cards", lambda a: _digit(a) and 1 <= int(a[0]) <= keyboards.SAFETY_CARDS and len(a) == 2, _nothing, _card),
    Route("later", _digit, _member(onboarding.later_topic_toggle, topic_id=lambda a: int(_arg(a)), selected=_wanted), _toggled("later")),
    Route("later", _is("notify"), _member(onboarding.colist_notify_toggle, on=_wanted), _toggled("later")),
    Route("later", _is("done"), _member(onboarding.colist_confirm), _colist_saved),
    Route("avatar", _is("new"), _member(onboarding.avatar_regenerate), _profile),
    Route("unsub", _is("digest", "colist"), _member(onboarding.notices_unsubscribe, what=_arg), lambda t: edit(t.bot, t.chat_id, t.message_id, f"accounts/{t.arg}_unsubscribed")),
    Route("bio", _is("skip"), _member(onboarding.bio_set, text=None), _next),
    Route("profile", lambda a: True, lambda a: _require_onboarded, _again),
    Route("edit", _is("cancel"), lambda a: _clear_awaiting, _again),
    Route("edit", _any_arg, _member(onboarding.profile_edit_start, what=_arg), lambda t: ask_edit(t.bot, t.chat_id, t.turn.member, t.turn.view, t.arg)),
    Route("pref", _any_arg, _member(onboarding.preference_toggle, what=_arg, on=_wanted), _profile),
    Route("delete", lambda a: _arg(a) == "2" and len(a) == 3 and a[1].isdigit() and a[2].isdigit(), _erase_confirmed, _sent("accounts/deleted")),
    Route("delete", _is("1"), _nothing, _delete_asked),
    Route("delete", _is("no"), _nothing, _sent("accounts/delete_cancelled")),
)  # fmt: skip


def _route(action: str, args: list[str]) -> Route | None:
    return next((r for r in ROUTES if r.action == action and r.applies(args)), None)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    action, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
    if action == "find":
        await query.answer()
        await _start_search(update, context)
        return
    route = _route(action, args)
    erasing = action == "delete" and args[:1] == ["2"]
    turn = await _run(update, route.work(args) if route else _stale, view=not erasing)
    bot, chat_id = context.bot, update.effective_chat.id
    if turn.stale or route is None:
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
    await route.reply(Tap(bot, chat_id, query.message.message_id, turn, args))


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
    loneliness_bot.register(application)  # the loneliness check, before the accounts: catch-all
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
