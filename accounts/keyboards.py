"""Inline keyboards of the accounts app. Callback data: accounts:<action>:<arg>[:<1|0>].

Toggle buttons carry the state they switch to (1 = select, 0 = unselect), so a double tap on
the same button, or a tap on an outdated copy of the keyboard, never undoes the first tap.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from accounts.models import Member, Preferences, Topic
from core.messaging import button

# Cities of Russian-speaking regions, west to east; each label also shows the UTC offset.
TIMEZONES = [
    "Europe/Berlin",
    "Europe/Kaliningrad",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Europe/Minsk",
    "Europe/Samara",
    "Asia/Tbilisi",
    "Asia/Yekaterinburg",
    "Asia/Tashkent",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]


def timezone_label(name: str) -> str:
    """A timezone as the member chose it: the button's label for one of TIMEZONES
    («Москва, Петербург (UTC+3)»), otherwise its current offset («UTC+5», «UTC+5:30»)."""
    if name in TIMEZONES:
        return button(f"accounts.tz.{name}")
    try:
        offset = dt.datetime.now(zoneinfo.ZoneInfo(name)).utcoffset() or dt.timedelta()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return name
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


def _b(key: str, data: str) -> Button:
    return Button(button(f"accounts.{key}"), callback_data=data)


def rules() -> Markup:
    return Markup([[_b("agree", "accounts:rules:ok")]])


def adult() -> Markup:
    return Markup([[_b("adult_yes", "accounts:adult:yes"), _b("adult_no", "accounts:adult:no")]])


def _pairs(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def timezones(*, editing: bool = False) -> Markup:
    rows = _pairs(
        [Button(button(f"accounts.tz.{tz}"), callback_data=f"accounts:tz:{tz}") for tz in TIMEZONES]
    )
    rows.append([_b("tz_other", "accounts:tz:other")])
    if editing:
        rows.append([_b("cancel", "accounts:edit:cancel")])
    return Markup(rows)


def _mark(selected: bool, label: str) -> str:
    return f"✅ {label}" if selected else label


def _toggle(selected: bool, label: str, data: str) -> Button:
    return Button(_mark(selected, label), callback_data=f"{data}:{0 if selected else 1}")


def topics(all_topics: list[Topic], selected: set[int]) -> Markup:
    rows = _pairs([_toggle(t.pk in selected, t.title, f"accounts:topic:{t.pk}") for t in all_topics])
    rows.append([_b("done", "accounts:topics:done")])
    return Markup(rows)


def expectations(selected: list[str]) -> Markup:
    rows = [
        [_toggle(value in selected, label, f"accounts:exp:{value}")]
        for value, label in Member.Expectation.choices
    ]
    rows.append([_b("done", "accounts:exp:done")])
    return Markup(rows)


def availability(selected: list[str]) -> Markup:
    rows = _pairs(
        [_toggle(value in selected, label, f"accounts:av:{value}") for value, label in Member.Window.choices]
    )
    rows.append([_b("done", "accounts:av:done")])
    return Markup(rows)


def bio(*, editing: bool = False) -> Markup:
    if editing:
        return Markup([[_b("bio_clear", "accounts:bio:skip"), _b("cancel", "accounts:edit:cancel")]])
    return Markup([[_b("skip", "accounts:bio:skip")]])


COUNTRIES = ("RU", "BY", "KZ", "UA", "UZ", "AM", "GE")
SAFETY_CARDS = 4


def countries(suggested: str = "", *, editing: bool = False) -> Markup:
    """Countries with their own crisis lines, the one the timezone suggests first."""
    order = sorted(COUNTRIES, key=lambda code: code != suggested)
    rows = _pairs([_b(f"country.{code}", f"accounts:country:{code}") for code in order])
    rows.append([_b("country.ZZ", "accounts:country:ZZ")])
    if editing:
        rows.append([_b("cancel", "accounts:edit:cancel")])
    return Markup(rows)


def sensitivity(current: str = "", *, editing: bool = False) -> Markup:
    rows = [
        [
            Button(
                _mark(value == current, button(f"accounts.sens.{value}")),
                callback_data=f"accounts:sens:{value}",
            )
        ]
        for value in Preferences.Sensitivity.values
    ]
    if editing:
        rows.append([_b("cancel", "accounts:edit:cancel")])
    return Markup(rows)


def safety_card(number: int, *, onboarding: bool) -> Markup:
    """Next/Back under a safe-communication card (o: onboarding, h: opened from /help)."""
    mode = "o" if onboarding else "h"
    row = []
    if number > 1:
        row.append(_b("cards_back", f"accounts:cards:{number - 1}:{mode}"))
    if number < SAFETY_CARDS:
        row.append(_b("cards_next", f"accounts:cards:{number + 1}:{mode}"))
    else:
        row.append(_b("cards_done", f"accounts:cards:done:{mode}"))
    return Markup([row])


def help_menu() -> Markup:
    return Markup([[_b("cards_open", "accounts:cards:open:h")]])


def colist(all_topics: list[Topic], selected: set[int], notify: bool) -> Markup:
    rows = _pairs([_toggle(t.pk in selected, t.title, f"accounts:later:{t.pk}") for t in all_topics])
    rows.append(
        [_b(f"colist_notify_{'on' if notify else 'off'}", f"accounts:later:notify:{0 if notify else 1}")]
    )
    rows.append([_b("done", "accounts:later:done")])
    return Markup(rows)


def digest() -> Markup:
    return Markup([[_b("find", "accounts:find:go")], [_b("digest_unsubscribe", "accounts:unsub:digest")]])


def colist_notice() -> Markup:
    return Markup([[_b("find", "accounts:find:go")], [_b("colist_stop", "accounts:unsub:colist")]])


def summary() -> Markup:
    return Markup([[_b("edit", "accounts:profile:edit")], [_b("find", "accounts:find:go")]])


def profile(card: dict) -> Markup:
    return Markup(
        [
            [_b("edit_pseudonym", "accounts:edit:pseudonym"), _b("edit_timezone", "accounts:edit:timezone")],
            [
                _b("edit_topics", "accounts:edit:topics"),
                _b("edit_expectations", "accounts:edit:expectations"),
            ],
            [_b("edit_availability", "accounts:edit:availability"), _b("edit_bio", "accounts:edit:bio")],
            [
                _b("edit_country", "accounts:edit:country"),
                _b("edit_sensitivity", "accounts:edit:sensitivity"),
            ],
            [_b("edit_colist", "accounts:edit:colist"), _b("avatar_new", "accounts:avatar:new")],
            [_pref("protect", "protect_content", card["protect_content"])],
            [_pref("coach", "coach", card["coach_opt_in"])],
            [_pref("digest", "digest_opt_in", card["digest_opt_in"])],
            [_b("find", "accounts:find:go")],
        ]
    )


def _pref(key: str, what: str, on: bool) -> Button:
    """A setting shown with its current state; tapping switches it to the other one."""
    return _b(f"{key}_{'on' if on else 'off'}", f"accounts:pref:{what}:{0 if on else 1}")


def cancel_edit() -> Markup:
    return Markup([[_b("cancel", "accounts:edit:cancel")]])


def delete_first() -> Markup:
    return Markup([[_b("delete_yes", "accounts:delete:1"), _b("delete_no", "accounts:delete:no")]])


def delete_second(member_id: int, asked_at: int) -> Markup:
    """The final button names the profile and the moment it was asked for, so an old copy of it
    can never erase a profile created later."""
    return Markup(
        [
            [
                _b("delete_really", f"accounts:delete:2:{member_id}:{asked_at}"),
                _b("delete_no", "accounts:delete:no"),
            ]
        ]
    )


def loneliness_offer(check_id: int) -> Markup:
    """The loneliness check offered (accounts.loneliness): answer now, skip this time, or never."""
    return Markup(
        [
            [_b("lonely_go", f"accounts:lonely:{check_id}:go")],
            [_b("lonely_skip", f"accounts:lonely:{check_id}:skip")],
            [_b("lonely_never", f"accounts:lonely:{check_id}:never")],
        ]
    )


def loneliness_answers(check_id: int, question: int) -> Markup:
    """«Почти никогда / Иногда / Часто» for one question, and skipping the rest."""
    rows = [[_b(f"lonely_{value}", f"accounts:lonely:{check_id}:{question}{value}")] for value in (1, 2, 3)]
    return Markup([*rows, [_b("lonely_skip", f"accounts:lonely:{check_id}:skip")]])
