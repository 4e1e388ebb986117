"""Inline keyboards of the accounts app. Callback data: accounts:<action>:<arg>."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from accounts.models import Member, Topic
from core.messaging import button

TIMEZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Minsk",
    "Europe/Samara",
    "Asia/Tbilisi",
    "Asia/Yekaterinburg",
    "Asia/Tashkent",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Irkutsk",
    "Asia/Vladivostok",
    "Europe/Berlin",
]


def _b(key: str, data: str) -> Button:
    return Button(button(f"accounts.{key}"), callback_data=data)


def rules() -> Markup:
    return Markup([[_b("agree", "accounts:rules:ok")]])


def adult() -> Markup:
    return Markup([[_b("adult_yes", "accounts:adult:yes"), _b("adult_no", "accounts:adult:no")]])


def timezones() -> Markup:
    rows = [[Button(button(f"accounts.tz.{tz}"), callback_data=f"accounts:tz:{tz}")] for tz in TIMEZONES]
    rows.append([_b("tz_other", "accounts:tz:other")])
    return Markup(rows)


def _mark(selected: bool, label: str) -> str:
    return f"✅ {label}" if selected else label


def topics(all_topics: list[Topic], selected: set[int]) -> Markup:
    buttons = [
        Button(_mark(t.pk in selected, t.title), callback_data=f"accounts:topic:{t.pk}") for t in all_topics
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_b("done", "accounts:topics:done")])
    return Markup(rows)


def expectations(selected: list[str]) -> Markup:
    rows = [
        [Button(_mark(value in selected, label), callback_data=f"accounts:exp:{value}")]
        for value, label in Member.Expectation.choices
    ]
    rows.append([_b("done", "accounts:exp:done")])
    return Markup(rows)


def availability(selected: list[str]) -> Markup:
    buttons = [
        Button(_mark(value in selected, label), callback_data=f"accounts:av:{value}")
        for value, label in Member.Window.choices
    ]
    rows = [buttons[0:2], buttons[2:4], buttons[4:6], [_b("done", "accounts:av:done")]]
    return Markup(rows)


def bio() -> Markup:
    return Markup([[_b("skip", "accounts:bio:skip")]])


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
            [_b("protect_on" if card["protect_content"] else "protect_off", "accounts:pref:protect_content")],
            [_b("coach_on" if card["coach_opt_in"] else "coach_off", "accounts:pref:coach")],
            [_b("find", "accounts:find:go")],
        ]
    )


def cancel_edit() -> Markup:
    return Markup([[_b("cancel", "accounts:edit:cancel")]])


def delete_first() -> Markup:
    return Markup([[_b("delete_yes", "accounts:delete:1"), _b("delete_no", "accounts:delete:no")]])


def delete_second() -> Markup:
    return Markup([[_b("delete_really", "accounts:delete:2"), _b("delete_no", "accounts:delete:no")]])
