"""Inline keyboards of the moderation app (callback data `moderation:<action>:<id>…`)."""

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from core.messaging import button


def crisis_step(step_id: int, *, tier: str) -> Markup:
    """«Вы сейчас в безопасности?»: help now, keep talking, not about me — one tap each."""
    rows = [[Button(button("moderation.crisis_help"), callback_data=f"moderation:crisis:{step_id}:help")]]
    if tier == "likely":
        rows.append(
            [Button(button("moderation.crisis_talk"), callback_data=f"moderation:crisis:{step_id}:talk")]
        )
    # After a gentle question "это не обо мне" would sound odd: the same answer, said as "I'm fine".
    label = button("moderation.crisis_not_me" if tier == "likely" else "moderation.crisis_fine")
    rows.append([Button(label, callback_data=f"moderation:crisis:{step_id}:not_me")])
    return Markup(rows)


def appeal(sanction_id: int) -> Markup:
    """Under a sanction notice: «Обжаловать»."""
    return Markup([[Button(button("moderation.appeal"), callback_data=f"moderation:appeal:{sanction_id}")]])
