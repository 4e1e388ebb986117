from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from chats.models import Rating
from core.messaging import button


def rate(session_id: int) -> Markup:
    stars = [Button(f"{n}", callback_data=f"chats:rate:{session_id}:{n}") for n in range(1, 6)]
    return Markup([stars, [Button(button("chats.again"), callback_data=f"chats:again:{session_id}")]])


def chips(session_id: int) -> Markup:
    rows = [
        [Button(label, callback_data=f"chats:chip:{session_id}:{value}")]
        for value, label in Rating.Chip.choices
    ]
    rows.append([Button(button("chats.again"), callback_data=f"chats:again:{session_id}")])
    return Markup(rows)


def again_invite(request_id: int) -> Markup:
    return Markup(
        [
            [
                Button(button("chats.again_yes"), callback_data=f"chats:againyes:{request_id}"),
                Button(button("chats.again_no"), callback_data=f"chats:againno:{request_id}"),
            ]
        ]
    )


def end_confirm(session_id: int) -> Markup:
    return Markup(
        [
            [
                Button(button("chats.end_yes"), callback_data=f"chats:end:{session_id}"),
                Button(button("chats.end_no"), callback_data=f"chats:keep:{session_id}"),
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


def again_only(session_id: int) -> Markup:
    return Markup([[Button(button("chats.again"), callback_data=f"chats:again:{session_id}")]])


def intro(session_id: int) -> Markup:
    """On the intro of a conversation: report or block the partner in one tap (moderation's buttons)."""
    return Markup(
        [
            [
                Button(button("chats.report"), callback_data=f"moderation:reportask:{session_id}"),
                Button(button("chats.block"), callback_data=f"moderation:blockask:{session_id}"),
            ]
        ]
    )


def _moods(session_id: int, phase: str) -> Markup:
    """«Как вы сейчас?»: five words, worst to best, one per row (chats.outcomes)."""
    return Markup(
        [
            [Button(button(f"chats.mood{n}"), callback_data=f"chats:mood:{session_id}:{phase}{n}")]
            for n in range(1, 6)
        ]
    )


def mood_before(session_id: int) -> Markup:
    return _moods(session_id, "b")


def mood_after(session_id: int) -> Markup:
    return _moods(session_id, "a")
