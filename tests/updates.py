"""Builders of realistic Telegram Update JSON, as Telegram would post it to the webhook."""

from __future__ import annotations

import itertools
import time
from typing import Any

_update_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)
_message_ids = itertools.count(1)


def next_update_id() -> int:
    return next(_update_ids)


def user(tg_id: int, first_name: str = "Аня", username: str | None = None) -> dict:
    data = {"id": tg_id, "is_bot": False, "first_name": first_name, "language_code": "ru"}
    if username:
        data["username"] = username
    return data


def _chat(tg_id: int, first_name: str = "Аня") -> dict:
    return {"id": tg_id, "type": "private", "first_name": first_name}


def message_body(tg_id: int, *, first_name: str = "Аня", username: str | None = None, **fields: Any) -> dict:
    body = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": _chat(tg_id, first_name),
        "from": user(tg_id, first_name, username),
    }
    body.update(fields)
    return body


def message(
    tg_id: int, text: str, *, update_id: int | None = None, reply_to: int | None = None, **kw
) -> dict:
    fields: dict[str, Any] = {"text": text}
    if reply_to is not None:
        fields["reply_to_message"] = message_body(tg_id, text="…", message_id=reply_to)
    return {"update_id": update_id or next_update_id(), "message": message_body(tg_id, **fields, **kw)}


def command(tg_id: int, name: str, args: str = "", **kw) -> dict:
    text = f"/{name}" + (f" {args}" if args else "")
    update = message(tg_id, text, **kw)
    update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(name) + 1}]
    return update


def edited_message(tg_id: int, message_id: int, text: str) -> dict:
    body = message_body(tg_id, text=text, message_id=message_id, edit_date=int(time.time()))
    return {"update_id": next_update_id(), "edited_message": body}


def callback(tg_id: int, data: str, *, message_id: int = 1, query_id: str | None = None) -> dict:
    return {
        "update_id": next_update_id(),
        "callback_query": {
            "id": query_id or f"cq{next_update_id()}",
            "from": user(tg_id),
            "chat_instance": f"ci{tg_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(tg_id),
                "from": {"id": 123456, "is_bot": True, "first_name": "Ты не один"},
                "text": "…",
            },
        },
    }


def media(tg_id: int, kind: str, *, caption: str | None = None, media_group_id: str | None = None) -> dict:
    """A message with a photo, voice, video, video_note, sticker, animation, document, audio or poll."""
    file = {"file_id": f"{kind}-{next_update_id()}", "file_unique_id": f"u{next_update_id()}"}
    payloads: dict[str, Any] = {
        "photo": [{**file, "width": 90, "height": 90}, {**file, "width": 800, "height": 800}],
        "voice": {**file, "duration": 3},
        "video": {**file, "width": 640, "height": 480, "duration": 5},
        "video_note": {**file, "length": 240, "duration": 5},
        "sticker": {
            **file,
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
        "animation": {**file, "width": 320, "height": 240, "duration": 2},
        "document": {**file, "file_name": "notes.pdf"},
        "audio": {**file, "duration": 120},
        "poll": {
            "id": "poll1",
            "question": "Как вы?",
            "options": [
                {"text": "Хорошо", "voter_count": 0, "persistent_id": "o1"},
                {"text": "Так себе", "voter_count": 0, "persistent_id": "o2"},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        },
        "contact": {"phone_number": "+79990000000", "first_name": "Иван"},
        "location": {"latitude": 55.75, "longitude": 37.61},
        "venue": {
            "location": {"latitude": 55.75, "longitude": 37.61},
            "title": "Кафе",
            "address": "Тверская, 1",
        },
    }
    fields: dict[str, Any] = {kind: payloads[kind]}
    if caption:
        fields["caption"] = caption
    if media_group_id:
        fields["media_group_id"] = media_group_id
    return {"update_id": next_update_id(), "message": message_body(tg_id, **fields)}


def pre_checkout_query(tg_id: int, payload: str, amount: int, *, query_id: str | None = None) -> dict:
    return {
        "update_id": next_update_id(),
        "pre_checkout_query": {
            "id": query_id or f"pcq{next_update_id()}",
            "from": user(tg_id),
            "currency": "XTR",
            "total_amount": amount,
            "invoice_payload": payload,
        },
    }


def successful_payment(
    tg_id: int, payload: str, amount: int, charge_id: str, *, update_id: int | None = None
) -> dict:
    return {
        "update_id": update_id or next_update_id(),
        "message": message_body(
            tg_id,
            successful_payment={
                "currency": "XTR",
                "total_amount": amount,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": "",
            },
        ),
    }


def refunded_payment(tg_id: int, payload: str, amount: int, charge_id: str) -> dict:
    return {
        "update_id": next_update_id(),
        "message": message_body(
            tg_id,
            refunded_payment={
                "currency": "XTR",
                "total_amount": amount,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id,
            },
        ),
    }


def my_chat_member_blocked(tg_id: int) -> dict:
    return {
        "update_id": next_update_id(),
        "my_chat_member": {
            "chat": _chat(tg_id),
            "from": user(tg_id),
            "date": int(time.time()),
            "old_chat_member": {
                "status": "member",
                "user": {"id": 123456, "is_bot": True, "first_name": "bot"},
            },
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 123456, "is_bot": True, "first_name": "bot"},
            },
        },
    }
