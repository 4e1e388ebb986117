"""Shared fixtures: the fake Bot API, the webhook poster, update builders and the clock."""

from __future__ import annotations

import json

import django_rq
import pytest
from django.conf import settings
from django.test import AsyncClient

from core import clock
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
def _clean_redis_and_clock():
    django_rq.get_connection("default").flushdb()
    clock.reset()
    yield
    clock.reset()


class Webhook:
    """Posts update JSON to /telegram/webhook the way Telegram does."""

    def __init__(self, client: AsyncClient):
        self.client = client

    async def post(self, update: dict | bytes | str, *, secret: str | None = None):
        body = update if isinstance(update, bytes | str) else json.dumps(update)
        headers = {}
        secret = settings.TELEGRAM_WEBHOOK_SECRET if secret is None else secret
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.client.post(
            "/telegram/webhook", data=body, content_type="application/json", headers=headers
        )

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
def webhook(telegram) -> Webhook:
    return Webhook(AsyncClient())
