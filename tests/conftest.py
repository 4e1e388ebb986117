"""Shared fixtures: the fake Bot API, the webhook poster, update builders and the clock."""

from __future__ import annotations

import importlib
import json

import django_rq
import httpx
import pytest
from django.conf import settings
from django.test import AsyncClient

from config import telegram as telegram_app
from config.asgi import application as asgi_application
from core import asyncdb, clock
from core import redis as core_redis
from tests import updates
from tests.fake_bot_api import FakeBotAPI


@pytest.fixture(scope="session")
def fake_api_server():
    server = FakeBotAPI().start()
    settings.TELEGRAM_API_BASE_URL = server.base_url
    yield server
    server.stop()


@pytest.fixture
def telegram(fake_api_server):
    """The fake Telegram Bot API, emptied before the test."""
    fake_api_server.reset()
    yield fake_api_server
    fake_api_server.reset()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Topics and hotlines from the data migrations (transactional tests truncate every table)."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("django_db_setup")
    from django.apps import apps
    from django.db import connection

    if not connection.introspection.table_names():
        return
    for module, function in (
        ("accounts.migrations.0002_topics", "create_topics"),
        ("moderation.migrations.0002_hotlines_and_staff_groups", "create"),
        ("moderation.migrations.0005_beyond_hotlines_by_country", "create"),
        ("moderation.migrations.0009_hotline_audience_source", "mark_children"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _clean_redis_and_clock():
    django_rq.get_connection("default").flushdb()
    clock.reset()
    yield
    clock.reset()


class WebhookResponse:
    """An httpx response that also answers `response["Header"]` like Django's."""

    def __init__(self, response: httpx.Response):
        self._response = response
        self.status_code = response.status_code
        self.content = response.content
        self.headers = response.headers

    def json(self):
        return self._response.json()

    def __getitem__(self, header: str) -> str:
        return self._response.headers[header]


class Webhook:
    """Posts update JSON to /telegram/webhook the way Telegram does, through the production ASGI app."""

    def __init__(self, client: AsyncClient, telegram: FakeBotAPI):
        self.client = client  # Django's AsyncClient, for other pages
        self.telegram = telegram  # runs a method the webhook answers with, as Telegram would
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi_application), base_url="http://testserver"
        )

    async def post(self, update: dict | bytes | str, *, secret: str | None = None) -> WebhookResponse:
        body = update if isinstance(update, bytes | str) else json.dumps(update)
        headers = {"Content-Type": "application/json"}
        secret = settings.TELEGRAM_WEBHOOK_SECRET if secret is None else secret
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        response = await self.http.post("/telegram/webhook", content=body, headers=headers)
        if response.status_code == 200:
            self.telegram.run_webhook_answer(response.content, settings.TELEGRAM_BOT_TOKEN)
        return WebhookResponse(response)

    async def send(self, update: dict):
        """Post and insist on a 200, as a healthy exchange with Telegram would end."""
        response = await self.post(update)
        assert response.status_code == 200, response.content
        return response

    async def command(self, tg_id: int, name: str, args: str = ""):
        return await self.send(updates.command(tg_id, name, args))

    async def text(self, tg_id: int, text: str, **kw):
        return await self.send(updates.message(tg_id, text, **kw))

    async def tap(self, tg_id: int, data: str, **kw):
        return await self.send(updates.callback(tg_id, data, **kw))


@pytest.fixture
async def webhook(telegram):
    yield Webhook(AsyncClient(), telegram)
    # This test's event loop ends: close what was opened on it.
    await asyncdb.reset()
    await core_redis.reset()
    await telegram_app.reset()
