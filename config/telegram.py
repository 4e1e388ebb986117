"""The python-telegram-bot Application: one per process (and event loop), no Updater, no getMe."""

from __future__ import annotations

import asyncio
import functools
import importlib
import ssl
import time

import aiohttp
import certifi
import orjson
from django.conf import settings
from telegram import User
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder, ExtBot
from telegram.request import BaseRequest, RequestData

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


_Default = type(BaseRequest.DEFAULT_NONE)  # "no value given": the request's own timeout applies


class AiohttpRequest(BaseRequest):
    """PTB's transport over aiohttp instead of httpx: the same form-encoded calls, connect, pool
    and read timeouts (aiohttp has no write timeout: a call's `write_timeout` is not applied) and
    errors (TimedOut, NetworkError), at about a tenth of httpx's CPU per call when many calls are
    in flight (httpx's pool and anyio cost ~2.5 ms a call under the webhook's concurrency)."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 10.0,
        pool_timeout: float | None = 5.0,
    ):
        self._limit = connection_pool_size
        self._timeouts = {"connect": connect_timeout, "read": read_timeout, "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, ssl=tls_context())
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeout(self, read, connect, pool) -> aiohttp.ClientTimeout:
        read, connect, pool = (
            self._timeouts[name] if isinstance(value, _Default) else value
            for name, value in (("read", read), ("connect", connect), ("pool", pool))
        )
        # aiohttp's `connect` covers waiting for a free connection and opening one.
        waiting = None if pool is None or connect is None else pool + connect
        return aiohttp.ClientTimeout(total=None, connect=waiting, sock_connect=connect, sock_read=read)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data: dict | aiohttp.FormData | None = None
        if request_data is not None:
            data = request_data.json_parameters
            if request_data.contains_files:
                form = aiohttp.FormData(data)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


class Request(AiohttpRequest):
    """The bot's transport: reads Telegram's answers with orjson (every call parses one), and
    holds back an update's last sendMessage for the webhook's answer (core.messaging.reply)."""

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
            chat_id, "sendMessage", lambda: BaseRequest.post(self, url, request_data, **kwargs)
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
            return BaseRequest.parse_json_payload(payload)  # PTB's lenient decode, or its error


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process (certifi's roots), shared by every Bot.

    Building one reads and parses the whole CA bundle (~20 ms of CPU); jobs build a Bot each, and
    the worker builds it once at start (core.worker.Worker), before its first job.
    """
    return ssl.create_default_context(cafile=certifi.where())


def build_bot(*, connection_pool_size: int = 64) -> Bot:
    request = Request(
        connection_pool_size=connection_pool_size, connect_timeout=5.0, read_timeout=10.0, pool_timeout=5.0
    )
    return Bot(
        token=settings.TELEGRAM_BOT_TOKEN or "0:not-configured",
        base_url=f"{settings.TELEGRAM_API_BASE_URL}/bot",
        base_file_url=f"{settings.TELEGRAM_API_BASE_URL}/file/bot",
        request=request,
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=40.0),
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
