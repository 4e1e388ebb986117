"""The python-telegram-bot Application: one per process (and event loop), no Updater, no getMe."""

from __future__ import annotations

import asyncio
import functools
import importlib
import ssl
import time

import certifi
import orjson
from django.conf import settings
from telegram import User
from telegram.ext import Application, ApplicationBuilder, ExtBot
from telegram.request import HTTPXRequest, RequestData

from core.messaging import WebhookReply, call_telegram, webhook_reply

# Each app's bot.py exposes register(application); this is the order handlers are tried in.
BOT_MODULES = (
    "moderation.bot",
    "tips.bot",
    "accounts.bot",
    "matching.bot",
    "coach.bot",
    "chats.bot",
    "core.bot",
)


# The update kinds the bot handles (setWebhook / getUpdates allowed_updates).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "pre_checkout_query", "my_chat_member"]


class Bot(ExtBot):
    """An ExtBot whose identity comes from settings, so start-up makes no getMe call."""

    async def initialize(self) -> None:
        if not self._requests_initialized:
            await asyncio.gather(self._request[0].initialize(), self._request[1].initialize())
            self._requests_initialized = True
        if self._bot_user is None:
            self._bot_user = User(
                id=int(self.token.split(":", 1)[0]) if self.token.split(":", 1)[0].isdigit() else 0,
                is_bot=True,
                first_name="Ты не один",
                username=settings.TELEGRAM_BOT_USERNAME,
            )
        self._bot_initialized = True


class Request(HTTPXRequest):
    """PTB's httpx transport, reading Telegram's answers with orjson (every call parses one), and
    holding back an update's last sendMessage for the webhook's answer (core.messaging.reply)."""

    async def post(self, url: str, request_data: RequestData | None = None, **kwargs):
        slot = webhook_reply.get()
        if slot is None:
            return await super().post(url, request_data, **kwargs)
        await self.release(slot)  # a held message goes out before anything after it: order is kept
        if slot.hold_next and request_data is not None and url.endswith("/sendMessage"):
            slot.hold_next = False
            slot.held = (url, request_data, kwargs)
            params = request_data.parameters
            chat = {"id": int(params["chat_id"]), "type": "private"}
            # What sendMessage would return, as far as the handler can know (the id comes later).
            return {"message_id": 0, "date": int(time.time()), "chat": chat, "text": params.get("text", "")}
        return await super().post(url, request_data, **kwargs)

    async def release(self, slot: WebhookReply) -> None:
        """Send a held message now (something follows it, or the update did not end cleanly)."""
        held, slot.held = slot.held, None
        if held is None:
            return
        url, request_data, kwargs = held
        chat_id = int(request_data.parameters["chat_id"])
        await call_telegram(
            chat_id, "sendMessage", lambda: HTTPXRequest.post(self, url, request_data, **kwargs)
        )

    @staticmethod
    def held_as_answer(slot: WebhookReply) -> dict | None:
        """The held message as the webhook's answer body (Telegram runs it), taken off the slot."""
        held, slot.held = slot.held, None
        if held is None:
            return None
        url, request_data, _ = held
        return {"method": url.rsplit("/", 1)[-1], **request_data.parameters}

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict:
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return HTTPXRequest.parse_json_payload(payload)  # PTB's lenient decode, or its error


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process (what httpx would build, certifi's roots), shared by every Bot.

    Building one reads and parses the whole CA bundle (~20 ms of CPU); jobs build a Bot each, and
    the worker builds it once at start (core.worker.Worker), before its first job.
    """
    return ssl.create_default_context(cafile=certifi.where())


def build_bot(*, connection_pool_size: int = 64) -> Bot:
    tls = {"verify": tls_context()}
    request = Request(
        connection_pool_size=connection_pool_size,
        connect_timeout=5.0,
        read_timeout=10.0,
        write_timeout=10.0,
        pool_timeout=5.0,
        httpx_kwargs=tls,
    )
    return Bot(
        token=settings.TELEGRAM_BOT_TOKEN or "0:not-configured",
        base_url=f"{settings.TELEGRAM_API_BASE_URL}/bot",
        base_file_url=f"{settings.TELEGRAM_API_BASE_URL}/file/bot",
        request=request,
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=40.0, httpx_kwargs=tls),
    )


def build_application() -> Application:
    application = ApplicationBuilder().bot(build_bot()).updater(None).concurrent_updates(True).build()
    for module_name in BOT_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(application)
    return application


_current: tuple[asyncio.AbstractEventLoop, Application] | None = None
_building: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None


async def get_application() -> Application:
    """The initialised Application of the running event loop, built on first use (once: the
    first burst of updates waits for it instead of each building and discarding its own)."""
    global _current, _building
    loop = asyncio.get_running_loop()
    if _current is not None and _current[0] is loop:
        return _current[1]
    if _building is None or _building[0] is not loop:
        _building = (loop, asyncio.Lock())
    async with _building[1]:
        if _current is not None and _current[0] is loop:
            return _current[1]
        application = build_application()
        await application.initialize()
        _current = (loop, application)
    return application


async def reset() -> None:
    """Shut down this process's Application (tests end their event loop after each test)."""
    global _current
    if _current is not None:
        _loop, application = _current
        _current = None
        try:
            await application.shutdown()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
