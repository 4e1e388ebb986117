from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from core.messaging import button


def offer(session_id: int, presets: list[int]) -> Markup:
    """Preset amounts in one row, "another amount" below."""
    row = [
        Button(button("tips.preset", amount=n), callback_data=f"tips:give:{session_id}:{n}") for n in presets
    ]
    rows = [row] if row else []
    rows.append([Button(button("tips.custom"), callback_data=f"tips:custom:{session_id}")])
    return Markup(rows)


def cancel() -> Markup:
    return Markup([[Button(button("tips.cancel"), callback_data="tips:cancel:0")]])
