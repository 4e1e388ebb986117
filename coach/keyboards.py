from telegram import CopyTextButton
from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from core.messaging import button


def hint(hint_id: int, phrase: str) -> Markup:
    """Copy the example phrase into the member's own input field (Telegram does it, the bot sends
    nothing), or hide the hint."""
    return Markup(
        [
            [Button(button("coach.copy"), copy_text=CopyTextButton(text=phrase))],
            [Button(button("coach.hide"), callback_data=f"coach:hide:{hint_id}")],
        ]
    )


def switch(on: bool) -> Markup:
    key, data = ("turn_off", "coach:set:0") if on else ("turn_on", "coach:set:1")
    return Markup([[Button(button(f"coach.{key}"), callback_data=data)]])
