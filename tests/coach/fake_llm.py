"""A local OpenAI-compatible /chat/completions server whose next answer the test chooses."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    def __init__(self):
        self.mode = "ok"
        self.content = json.dumps(
            {"advice": "Отразите чувства собеседника.", "phrase": "Похоже, тебе очень одиноко сейчас."},
            ensure_ascii=False,
        )
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                fake.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    return self._reply(404, b"{}")
                if fake.mode == "slow":
                    time.sleep(1.5)
                if fake.mode == "error":
                    return self._reply(500, b'{"error": "boom"}')
                if fake.mode == "garbage":
                    return self._reply(200, b"<html>not json</html>")
                body = {"choices": [{"message": {"role": "assistant", "content": fake.content}}]}
                return self._reply(200, json.dumps(body, ensure_ascii=False).encode())

            def _reply(self, status, body):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def start(self) -> FakeLLM:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
