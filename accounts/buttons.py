"""The accounts app's buttons: one routing table from callback data to the service it calls and
the answer the member sees. Anything no route matches is a stale button."""

from __future__ import annotations

import datetime as dt
import html
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from accounts import keyboards, onboarding, screens, services, turns
from accounts.models import Member
from accounts.screens import ask_edit, ask_step, send_safety_card, show_profile
from core import clock
from core.messaging import edit, edit_markup, render, send

Step = Member.Step


def _plain(template: str, context: dict | None = None) -> str:
    """A template for callback answers and alerts, which Telegram shows as plain text."""
    return html.unescape(render(template, context))


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
    turn: turns.Turn
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
        await screens.after_step(
            tap.bot, tap.chat_id, tap.turn.member, tap.turn.view, was_onboarded=tap.turn.was_onboarded
        )


async def _card(tap: Tap) -> None:
    member = tap.turn.member
    during_onboarding = not member.is_onboarded and member.onboarding_step == Step.SAFETY and tap.mode == "o"
    await send_safety_card(
        tap.bot, tap.chat_id, int(tap.arg), onboarding=during_onboarding, message_id=tap.message_id
    )


async def _colist_saved(tap: Tap) -> None:
    await send(tap.bot, tap.chat_id, "accounts/saved_long")
    await show_profile(tap.bot, tap.chat_id, tap.turn.view)


async def _delete_asked(tap: Tap) -> None:
    markup = keyboards.delete_second(tap.turn.member.pk, int(clock.now().timestamp()))
    await send(tap.bot, tap.chat_id, "accounts/delete_confirm_again", reply_markup=markup)


def _erase_confirmed(args: list[str]) -> Callable[[Member], Any]:
    asked_for, asked_at = int(args[1]), dt.datetime.fromtimestamp(int(args[2]), tz=dt.UTC)
    return lambda m: services.member_erase_confirmed(member_id=m.pk, asked_for=asked_for, asked_at=asked_at)


def _sent(template: str) -> Callable[[Tap], Any]:
    return lambda tap: send(tap.bot, tap.chat_id, template)


def _next(tap: Tap):
    return screens.after_step(
        tap.bot, tap.chat_id, tap.turn.member, tap.turn.view, was_onboarded=tap.turn.was_onboarded
    )


def _again(tap: Tap):
    return screens.ask_again(tap.bot, tap.chat_id, tap.turn.member, tap.turn.view)


def _profile(tap: Tap):
    return show_profile(tap.bot, tap.chat_id, tap.turn.view, message_id=tap.message_id)


_TOGGLED = {
    "topic": lambda tap: keyboards.topics(tap.turn.view["topics"], tap.turn.view["selected"]),
    "exp": lambda tap: keyboards.expectations(tap.turn.member.expectations),
    "av": lambda tap: keyboards.availability(tap.turn.member.availability),
    "later": lambda tap: screens.colist_markup(tap.turn.view),
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
    Route("edit", _is("cancel"), lambda a: turns.clear_awaiting, _again),
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
    turn = await turns.run(update, route.work(args) if route else _stale, view=not erasing)
    bot, chat_id = context.bot, update.effective_chat.id
    if turn.stale or route is None:
        await query.answer(_plain("accounts/stale_button"))
        if action == "delete":
            await send(bot, chat_id, "accounts/delete_expired")
        else:
            await screens.ask_again(bot, chat_id, turn.member, turn.view)
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
