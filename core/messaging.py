"""The one way to talk to a member: render a template, send it, handle what Telegram answers."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import structlog
from django.conf import settings
from django.template.loader import render_to_string
from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from core import hooks, metrics

log = structlog.get_logger("core.messaging")
T = TypeVar("T")


def render(template: str, context: dict[str, Any] | None = None) -> str:
    """Render `templates/bot/<template>.html` (HTML parse mode; autoescaped)."""
    return render_to_string(f"bot/{template}.html", context or {}).strip()


def retry_after_seconds(exc: RetryAfter) -> float:
    wait = exc.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


async def flood_wait(method: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run a Bot API call; on a short flood answer (429) wait and try again, in order.

    A longer wait raises RetryAfter: inside the webhook that answers 503 with Retry-After, so
    Telegram holds this chat's later updates and delivers this one again: nothing is dropped or
    reordered (core.webhook). Jobs re-enqueue themselves instead.
    """
    for attempt in range(3):
        try:
            return await call()
        except RetryAfter as exc:
            metrics.telegram_errors_total.labels(method, "retry_after").inc()
            wait = retry_after_seconds(exc)
            if wait > settings.TELEGRAM_MAX_INLINE_RETRY_AFTER or attempt == 2:
                raise
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def call_telegram(chat_id: int, method: str, call: Callable[[], Awaitable[T]]) -> T | None:
    """Run one Bot API call for a member's chat; None when the member cannot be reached."""
    try:
        return await flood_wait(method, call)
    except Forbidden:
        metrics.telegram_errors_total.labels(method, "forbidden").inc()
        log.info("telegram.forbidden", method=method)
        for hook in hooks.member_unreachable:
            await hook(chat_id)
        return None


async def send(
    bot: Bot,
    chat_id: int,
    template: str,
    context: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Message | None:
    """Send a rendered template to a member; None when the member blocked the bot."""
    text = render(template, context)
    return await call_telegram(
        chat_id,
        "sendMessage",
        lambda: bot.send_message(chat_id=chat_id, text=text, parse_mode=ParseMode.HTML, **kwargs),
    )


@dataclass
class WebhookReply:
    """The last words of the update being handled, held back to ride in the webhook's answer:
    Telegram runs a method given in that answer, which saves one HTTP call for most updates. Its
    result never comes back, so only a sendMessage whose Message nobody reads is held (`reply`)."""

    hold_next: bool = False
    held: tuple | None = None  # (url, request_data, kwargs) of the held call


# Set by the webhook around one update's handlers; None in jobs, polling and replays.
webhook_reply: contextvars.ContextVar[WebhookReply | None] = contextvars.ContextVar(
    "webhook_reply", default=None
)


async def reply(
    bot: Bot, chat_id: int, template: str, context: dict[str, Any] | None = None, **kwargs
) -> None:
    """An update's last message to the member who sent it: inside the webhook it rides in the
    answer to Telegram; anywhere else (or if anything is sent after it) it is sent as usual."""
    slot = webhook_reply.get()
    if slot is not None:
        slot.hold_next = True
    try:
        await send(bot, chat_id, template, context, **kwargs)
    finally:
        if slot is not None:
            slot.hold_next = False


async def edit(bot: Bot, chat_id: int, message_id: int, template: str, context=None, **kwargs) -> None:
    """Replace a bot message's text; an unchanged or vanished message is not an error."""
    text = render(template, context)
    try:
        await call_telegram(
            chat_id,
            "editMessageText",
            lambda: bot.edit_message_text(
                chat_id=chat_id, message_id=message_id, text=text, parse_mode=ParseMode.HTML, **kwargs
            ),
        )
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        log.info("telegram.edit_failed", error=str(exc))
        await send(bot, chat_id, template, context, **kwargs)


async def edit_tapped(bot: Bot, chat_id: int, query, template: str, context=None, **kwargs) -> None:
    """The message whose button was tapped becomes the answer (its text replaced, its keyboard
    gone); sent as a new message when there is none to edit."""
    if query.message is not None:
        await edit(bot, chat_id, query.message.message_id, template, context, **kwargs)
    else:
        await send(bot, chat_id, template, context, **kwargs)


async def edit_markup(bot: Bot, chat_id: int, message_id: int, reply_markup=None) -> None:
    """Replace (None: remove) the keyboard of a bot message once its choice is made; a message
    already without it, or gone, is not an error."""
    try:
        await call_telegram(
            chat_id,
            "editMessageReplyMarkup",
            lambda: bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=message_id, reply_markup=reply_markup
            ),
        )
    except BadRequest as exc:
        log.info("telegram.edit_markup_failed", error=str(exc))


async def tapped_markup(bot: Bot, query, reply_markup=None) -> None:
    """The keyboard of the message whose button was tapped, replaced (None: removed)."""
    if query.message is not None:
        await edit_markup(bot, query.message.chat.id, query.message.message_id, reply_markup)


@functools.cache
def _button_labels() -> dict[str, str]:
    """Button labels from templates/bot/<app>/buttons.txt ("key = Label" lines), as "<app>.<key>"."""
    labels: dict[str, str] = {}
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory, "bot").glob("*/buttons.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                key, sep, label = line.partition("=")
                if sep and not line.lstrip().startswith("#"):
                    labels[f"{path.parent.name}.{key.strip()}"] = label.strip()
    return labels


def button(key: str, **values: Any) -> str:
    """The label of a button, e.g. button("accounts.agree")."""
    label = _button_labels()[key]
    return label.format(**values) if values else label
