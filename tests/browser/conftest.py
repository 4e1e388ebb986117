"""Admin pages in a real browser: Playwright driving Debian's Chromium against the ASGI app.

The app runs in this process under uvicorn (a thread with its own event loop), on the test
database, so a test arranges data with factories and asserts on the database as usual.
Screenshots are kept under .data/screenshots/ (never in git) for a person to look at.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User

from tests.moderation.conftest import _canned_reasons  # noqa: F401  (the case page offers them)

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(settings.BASE_DIR) / ".data" / "screenshots"
PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config, items):
    """Without Debian's Chromium every browser test is skipped, with one reason saying why."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests skipped: {CHROMIUM} is missing (apt-get install -y chromium)"
    )
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def server_url(django_db_setup, django_db_blocker):
    """The production ASGI app (full middleware, WhiteNoise static) served over real HTTP."""
    import uvicorn

    from config.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(application, lifespan="off", log_level="warning", loop="asyncio")
    server = uvicorn.Server(config)
    with django_db_blocker.unblock():
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # are plain synchronous code all the same.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Staff:
    """A browser tab of one staff member: what they see, and what the console said."""

    def __init__(self, page, base_url: str, name: str):
        self.page, self.base_url, self.name = page, base_url, name
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("response", lambda r: r.status >= 400 and self.console_errors.append(f"{r.status} {r.url}"))

    def open(self, path: str):
        response = self.page.goto(self.base_url + path)
        return response

    def shot(self, label: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', label.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self) -> Staff:
        self.open("/admin/login/?next=/admin/")
        self.page.fill("#id_username", self.name)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(self.base_url + "/admin/")
        return self


def make_staff(name: str, group: str | None) -> User:
    user = User.objects.create_user(name, password=PASSWORD, is_staff=True, is_superuser=group is None)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def as_staff(browser, server_url):
    """as_staff("mod", "Moderators", width=390) → a logged-in Staff tab."""
    contexts = []

    def open_tab(name: str, group: str | None, *, width: int = 1366, height: int = 900) -> Staff:
        make_staff(name, group)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
        contexts.append(context)
        return Staff(context.new_page(), server_url, name).login()

    yield open_tab
    for context in contexts:
        context.close()
