from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from core.messaging import button


def rate(session_id: int) -> Markup:
    stars = [Button(f"{n}", callback_data=f"chats:rate:{session_id}:{n}") for n in range(1, 6)]
    return Markup([stars])


def end_confirm(session_id: int) -> Markup:
    return Markup(
        [
            [
                Button(button("chats.end_yes"), callback_data=f"chats:end:{session_id}"),
                Button(button("chats.end_no"), callback_data="chats:keep:0"),
            ]
        ]
    )


def held(message_id: int) -> Markup:
    return Markup(
        [
            [
                Button(button("chats.send_anyway"), callback_data=f"chats:send:{message_id}"),
                Button(button("chats.cancel"), callback_data=f"chats:drop:{message_id}"),
            ]
        ]
    )


def extend(session_id: int) -> Markup:
    return Markup([[Button(button("chats.extend"), callback_data=f"chats:extend:{session_id}")]])


def for_notice(notice):
    if notice.keyboard == "rate":
        return rate(notice.keyboard_arg)
    if notice.keyboard == "extend":
        return extend(notice.keyboard_arg)
    return None
