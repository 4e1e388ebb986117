"""The hot paths below Django's full stack: the Telegram webhook as a plain ASGI endpoint, and a
lean Django handler (async middleware only, no thread hops) for the health probes."""

import io
import uuid

import orjson
import structlog
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, reset_queries
from django.http import JsonResponse
from django.urls import set_script_prefix

from core.webhook import Outcome, webhook_answer

WEBHOOK_PATH = "/telegram/webhook"
LEAN_PATHS = ("/health",)
# A Telegram update is a few KiB (a 4 096-character message with its entities and the message it
# replies to); a body past this is refused with 413 before it is read (README: "What the webhook answers").
MAX_BODY_BYTES = 1 << 20
TOO_LARGE = f"body larger than {MAX_BODY_BYTES} bytes"


class BodyTooLarge(Exception):
    pass


class LeanASGIHandler(ASGIHandler):
    """Django's ASGI handler with settings.LEAN_MIDDLEWARE and a hop-free request cycle.

    Database connections on this path are taken from and returned to the pool by core.db.db_call,
    so Django's request_started/finished connection handling is not needed here.
    """

    def load_middleware(self, is_async=False):
        saved = settings.MIDDLEWARE
        try:
            settings.MIDDLEWARE = settings.LEAN_MIDDLEWARE
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = saved

    async def handle(self, scope, receive, send):
        try:
            body_file = io.BytesIO(await read_body(scope, receive))
        except BodyTooLarge:
            response = JsonResponse({"ok": False, "detail": TOO_LARGE}, status=413)
            response["Connection"] = "close"  # the rest of the body is not read
            await self.send_response(response, send)
            return
        except Exception:  # noqa: BLE001 - RequestAborted and friends: the client went away
            return
        set_script_prefix(get_script_prefix(scope))
        request, error_response = self.create_request(scope, body_file)
        try:
            if request is None:
                await self.send_response(error_response, send)
                return
            response = await self.get_response_async(request)
            if not response.streaming and not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            await self.send_response(response, send)
            response.close()  # no request_finished receivers for this sender: no thread hop
        finally:
            body_file.close()


async def read_body(scope, receive) -> bytes:
    """The request body, at most MAX_BODY_BYTES of it (BodyTooLarge past that, before reading it
    when the client declared its length)."""
    if _declared_length(scope) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestAborted()
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge()
        if not message.get("more_body", False):
            return bytes(body)


async def telegram_webhook(scope, receive, send) -> None:
    """POST /telegram/webhook: the body and the secret header to core.webhook, its answer back.

    Plain ASGI: Django's request and response objects, URL resolution and middleware cost a
    fifth of a relayed message's CPU, and none of them is needed to take one JSON body in.
    """
    headers = dict(scope["headers"])
    request_id = headers.get(b"x-request-id", b"")[:64].decode("latin-1") or uuid.uuid4().hex[:16]
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    extra = [(b"x-request-id", request_id.encode("latin-1"))]
    if scope["method"] != "POST":
        outcome = Outcome(405, "method not allowed")
        extra.append((b"allow", b"POST"))
    else:
        try:
            body = await read_body(scope, receive)
        except BodyTooLarge:
            outcome = Outcome(413, TOO_LARGE)
            extra.append((b"connection", b"close"))  # the rest of the body is not read
        except RequestAborted:
            return  # the client went away
        else:
            secret = headers.get(b"x-telegram-bot-api-secret-token", b"").decode("latin-1")
            outcome = await webhook_answer(secret=secret, body=body)
    if outcome.reply is not None:
        content = orjson.dumps(outcome.reply)
    else:
        content = orjson.dumps({"ok": outcome.status == 200, "detail": outcome.detail})
    if outcome.retry_after is not None:
        extra.append((b"retry-after", str(outcome.retry_after).encode()))
    await send(
        {
            "type": "http.response.start",
            "status": outcome.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def _declared_length(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def route_lean_paths(*, full, lean):
    """An ASGI app sending the webhook to `telegram_webhook`, LEAN_PATHS to `lean` and everything
    else to `full`."""

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == WEBHOOK_PATH:
            await telegram_webhook(scope, receive, send)
        elif scope["type"] == "http" and scope["path"].startswith(LEAN_PATHS):
            await lean(scope, receive, send)
        else:
            await full(scope, receive, send)

    return app


def scope_connection_signals() -> None:
    """Keep Django's per-request connection handling for the standard handlers only."""
    signals.request_started.disconnect(reset_queries)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    for handler in (ASGIHandler, WSGIHandler):
        signals.request_started.connect(reset_queries, sender=handler)
        signals.request_started.connect(close_old_connections, sender=handler)
        signals.request_finished.connect(close_old_connections, sender=handler)
