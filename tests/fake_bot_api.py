"""A fake Telegram Bot API: a local HTTP server that answers like Telegram and records every call.

Used by the tests (in a thread: `FakeBotAPI().start()`), by `make demo` and by the benchmarks
(as a process: `python -m tests.fake_bot_api --port 8081`). Point TELEGRAM_API_BASE_URL at
`server.base_url`. It understands JSON, form-encoded (what python-telegram-bot sends) and
multipart bodies, keeps increasing message ids per chat, and can be told to fail a chat's next
call with 403, 429 or 400.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

BOT_ID = 123456
BOT_USERNAME = "ty_ne_odin_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.time)
    ok: bool = True  # False when the fake answered with an injected failure
    result: Any = None  # what the fake answered (e.g. the new message with its message_id)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id", self.params.get("user_id"))
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def reply_markup(self) -> dict:
        markup = self.params.get("reply_markup") or {}
        return markup if isinstance(markup, dict) else {}

    def buttons(self) -> list[dict]:
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        return [button if isinstance(button, dict) else {"text": button} for row in rows for button in row]

    def button_texts(self) -> list[str]:
        return [button.get("text", "") for button in self.buttons()]

    def callback_data(self, text_contains: str) -> str:
        for button in self.buttons():
            if text_contains in button.get("text", ""):
                return button["callback_data"]
        raise LookupError(f"no button containing {text_contains!r} in {self.button_texts()}")


@dataclass
class Failure:
    kind: str  # "forbidden" | "retry_after" | "bad_request" | "slow" (answers normally, late)
    method: str | None
    retry_after: int = 1
    description: str = ""
    seconds: float = 0.0  # "slow": how long the answer takes


def _parse_value(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotAPI:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.RLock()
        self.calls: list[Call] = []
        self._failures: dict[int | None, list[Failure]] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._updates: list[dict] = []
        self._update_event = threading.Condition(self._lock)
        self.refunded: set[str] = set()
        self.star_transactions: list[dict] = []
        self.webhook: dict[str, Any] = {}
        self.record_calls = True
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one response must not wait 40 ms for a delayed ACK

            def log_message(self, format, *args):  # noqa: A002 - quiet
                return

            def do_GET(self):  # noqa: N802
                self._handle()

            def do_POST(self):  # noqa: N802
                self._handle()

            def _handle(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = dict(parse_qsl(url.query))
                params = {k: _parse_value(v) for k, v in params.items()}
                params.update(server._parse_body(self.headers.get("Content-Type", ""), body))
                parts = url.path.strip("/").split("/")
                if parts[0] == "_control":
                    status, payload = server._control(parts[1] if len(parts) > 1 else "", params)
                elif len(parts) == 2 and parts[0].startswith("bot"):
                    status, payload = server._dispatch(parts[1], params)
                else:
                    status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def run_webhook_answer(self, content: bytes, token: str) -> None:
        """Run the Bot API method a webhook's answer carries, as Telegram does after a 200."""
        try:
            body = json.loads(content)
        except ValueError:
            return
        if not isinstance(body, dict) or "method" not in body:
            return
        method = body.pop("method")
        request = urllib.request.Request(
            f"{self.base_url}/bot{token}/{method}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError:
            pass  # Telegram does not tell the bot either

    def start(self) -> FakeBotAPI:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._updates.clear()
            self.refunded.clear()
            self.star_transactions.clear()
            self.webhook.clear()

    # -- test helpers -----------------------------------------------------------------------
    def fail_next(
        self,
        chat_id: int | None,
        kind: str,
        *,
        method: str | None = None,
        retry_after: int = 1,
        description: str = "",
        times: int = 1,
        seconds: float = 0.0,
    ) -> None:
        """Make the next call(s) for `chat_id` (None: any chat) fail like Telegram would, or with
        kind "slow" answer only after `seconds`."""
        with self._lock:
            for _ in range(times):
                self._failures.setdefault(chat_id, []).append(
                    Failure(kind, method, retry_after, description, seconds)
                )

    def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._update_event:
            self._updates.append(update)
            self._update_event.notify_all()

    def calls_for(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        with self._lock:
            return [
                call
                for call in self.calls
                if (chat_id is None or call.chat_id == chat_id) and (method is None or call.method == method)
            ]

    def messages_to(self, chat_id: int) -> list[Call]:
        """Messages the bot delivered (sent or copied) into a chat, in order."""
        return [
            c
            for c in self.calls_for(chat_id)
            if c.ok
            and c.method
            in {
                "sendMessage",
                "copyMessage",
                "sendInvoice",
                "sendDocument",
                "sendPhoto",
                "copyMessages",
                "sendPoll",
            }
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [call.text for call in self.messages_to(chat_id)]

    def last_to(self, chat_id: int, method: str | None = None) -> Call:
        calls = self.calls_for(chat_id, method) if method else self.messages_to(chat_id)
        if not calls:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return calls[-1]

    def add_star_transaction(self, transaction: dict) -> None:
        with self._lock:
            self.star_transactions.append(transaction)

    # -- request handling -------------------------------------------------------------------
    @staticmethod
    def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if content_type.startswith("application/json"):
            return json.loads(body)
        if content_type.startswith("application/x-www-form-urlencoded"):
            return {k: _parse_value(v) for k, v in parse_qsl(body.decode())}
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body
            )
            params: dict[str, Any] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True) or b""
                if filename:
                    params[name] = {"filename": filename, "content": payload.decode("utf-8", "replace")}
                else:
                    params[name] = _parse_value(payload.decode())
            return params
        return {}

    def _control(self, action: str, params: dict) -> tuple[int, dict]:
        if action == "calls":
            with self._lock:
                return 200, {
                    "ok": True,
                    "result": [{"method": c.method, "params": c.params} for c in self.calls],
                }
        if action == "reset":
            self.reset()
            return 200, {"ok": True}
        if action == "record":
            self.record_calls = bool(params.get("on", True))
            return 200, {"ok": True}
        if action == "fail":
            self.fail_next(
                params.get("chat_id"), params["kind"], retry_after=int(params.get("retry_after", 1))
            )
            return 200, {"ok": True}
        return 404, {"ok": False, "description": "unknown control action"}

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1000))
        return next(counter)

    def _take_failure(self, chat_id: int | None, method: str) -> Failure | None:
        for key in (chat_id, None):
            queue = self._failures.get(key)
            if not queue:
                continue
            for index, failure in enumerate(queue):
                if failure.method in (None, method):
                    return queue.pop(index)
        return None

    def _dispatch(self, method: str, params: dict) -> tuple[int, dict]:
        with self._lock:
            call = Call(method, params)
            if self.record_calls:
                self.calls.append(call)
            failure = self._take_failure(call.chat_id, method)
            if failure is not None and failure.kind != "slow":
                call.ok = False
                return self._failure_answer(failure)
            handler = getattr(self, f"_m_{method}", None)
            if method == "getUpdates":
                handler = None
        if failure is not None:  # slow: Telegram takes its time, then answers
            time.sleep(failure.seconds)
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if handler is None:
            return 200, {"ok": True, "result": True}
        status, payload = handler(call)
        call.result = payload.get("result")
        return status, payload

    @staticmethod
    def _failure_answer(failure: Failure) -> tuple[int, dict]:
        if failure.kind == "forbidden":
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": failure.description or "Forbidden: bot was blocked by the user",
            }
        if failure.kind == "retry_after":
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {failure.retry_after}",
                "parameters": {"retry_after": failure.retry_after},
            }
        return 400, {
            "ok": False,
            "error_code": 400,
            "description": failure.description or "Bad Request: message to edit not found",
        }

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        deadline = time.time() + timeout
        with self._update_event:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.time() >= deadline:
                    return list(self._updates[: int(params.get("limit") or 100)])
                self._update_event.wait(max(0.0, deadline - time.time()))

    # -- methods ----------------------------------------------------------------------------
    def _message(self, call: Call, **extra: Any) -> dict:
        chat_id = call.chat_id or 0
        message = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Member"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Ты не один", "username": BOT_USERNAME},
        }
        if "text" in call.params:
            message["text"] = str(call.params["text"])
        if call.reply_markup:
            message["reply_markup"] = call.reply_markup
        message.update(extra)
        return message

    def _ok(self, result: Any) -> tuple[int, dict]:
        return 200, {"ok": True, "result": result}

    def _m_getMe(self, call: Call):  # noqa: N802
        return self._ok(
            {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Ты не один",
                "username": BOT_USERNAME,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    def _m_sendMessage(self, call: Call):  # noqa: N802
        with self._lock:
            return self._ok(self._message(call))

    def _m_sendDocument(self, call: Call):  # noqa: N802
        with self._lock:
            doc = call.params.get("document")
            name = doc.get("filename", "file") if isinstance(doc, dict) else "file"
            return self._ok(
                self._message(
                    call,
                    document={"file_id": f"doc-{time.time_ns()}", "file_unique_id": "u", "file_name": name},
                )
            )

    def _m_sendInvoice(self, call: Call):  # noqa: N802
        with self._lock:
            return self._ok(
                self._message(
                    call,
                    invoice={
                        "title": call.params.get("title", ""),
                        "description": call.params.get("description", ""),
                        "start_parameter": "",
                        "currency": call.params.get("currency", "XTR"),
                        "total_amount": sum(p.get("amount", 0) for p in call.params.get("prices", [])),
                    },
                )
            )

    def _m_copyMessage(self, call: Call):  # noqa: N802
        with self._lock:
            return self._ok({"message_id": self._next_message_id(call.chat_id or 0)})

    def _m_copyMessages(self, call: Call):  # noqa: N802
        with self._lock:
            ids = call.params.get("message_ids") or []
            return self._ok([{"message_id": self._next_message_id(call.chat_id or 0)} for _ in ids])

    def _m_editMessageText(self, call: Call):  # noqa: N802
        with self._lock:
            message = self._message(call)
            message["message_id"] = int(call.params.get("message_id") or 0)
            message["edit_date"] = int(time.time())
            return self._ok(message)

    def _m_editMessageCaption(self, call: Call):  # noqa: N802
        return self._m_editMessageText(call)

    def _m_editMessageReplyMarkup(self, call: Call):  # noqa: N802
        return self._m_editMessageText(call)

    def _m_refundStarPayment(self, call: Call):  # noqa: N802
        charge = str(call.params.get("telegram_payment_charge_id"))
        with self._lock:
            if charge in self.refunded:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: CHARGE_ALREADY_REFUNDED",
                }
            self.refunded.add(charge)
        return self._ok(True)

    def _m_getStarTransactions(self, call: Call):  # noqa: N802
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        with self._lock:
            return self._ok({"transactions": self.star_transactions[offset : offset + limit]})

    def _m_setWebhook(self, call: Call):  # noqa: N802
        with self._lock:
            self.webhook = dict(call.params)
        return self._ok(True)

    def _m_deleteWebhook(self, call: Call):  # noqa: N802
        with self._lock:
            self.webhook = {}
        return self._ok(True)

    def _m_getWebhookInfo(self, call: Call):  # noqa: N802
        with self._lock:
            return self._ok(
                {
                    "url": self.webhook.get("url", ""),
                    "has_custom_certificate": False,
                    "pending_update_count": 0,
                }
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--no-record", action="store_true", help="do not keep calls (long benchmarks)")
    args = parser.parse_args()
    server = FakeBotAPI(args.host, args.port)
    server.record_calls = not args.no_record
    print(f"fake Bot API on {server.base_url}", flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
