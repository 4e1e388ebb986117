"""A lean ASGI handler for the hot paths (webhook, health): async middleware only, no thread hops."""

import io

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, reset_queries
from django.http import JsonResponse
from django.urls import set_script_prefix

LEAN_PATHS = ("/telegram/webhook", "/health")
# A Telegram update is a few KiB (a 4 096-character message with its entities and the message it
# replies to); a body past this is refused with 413 before it is read (README: "Webhook limits").
MAX_BODY_BYTES = 1 << 20


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

    async def read_body(self, receive):
        """The body in memory, at most MAX_BODY_BYTES of it (BodyTooLarge past that)."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RequestAborted()
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                raise BodyTooLarge()
            if not message.get("more_body", False):
                return io.BytesIO(body)

    async def handle(self, scope, receive, send):
        try:
            if _declared_length(scope) > MAX_BODY_BYTES:
                raise BodyTooLarge()
            body_file = await self.read_body(receive)
        except BodyTooLarge:
            response = JsonResponse(
                {"ok": False, "detail": f"body larger than {MAX_BODY_BYTES} bytes"}, status=413
            )
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


def _declared_length(scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def route_lean_paths(*, full, lean):
    """An ASGI app sending LEAN_PATHS to `lean` and everything else to `full`."""

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(LEAN_PATHS):
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
