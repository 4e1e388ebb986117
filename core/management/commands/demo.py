"""`make demo`: a member talks to the bot through the real webhook; the fake Bot API records answers."""

import asyncio
import html
import re

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test import AsyncClient

DEMO_TG_ID = 999_000_001


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Command(BaseCommand):
    help = "Play a short scripted conversation through the webhook against the fake Telegram Bot API."

    def handle(self, *args, **options):
        from tests import updates
        from tests.fake_bot_api import FakeBotAPI

        call_command("migrate", interactive=False, verbosity=0)
        server = FakeBotAPI().start()
        settings.TELEGRAM_API_BASE_URL = server.base_url
        settings.TELEGRAM_BOT_TOKEN = settings.TELEGRAM_BOT_TOKEN or "123456:DEMO"
        settings.TELEGRAM_WEBHOOK_SECRET = settings.TELEGRAM_WEBHOOK_SECRET or "demo-secret"
        script = [
            ("/start", updates.command(DEMO_TG_ID, "start")),
            ("/help", updates.command(DEMO_TG_ID, "help")),
            ("/whatever", updates.command(DEMO_TG_ID, "whatever")),
        ]
        try:
            asyncio.run(self._play(server, script))
        finally:
            server.stop()

    async def _play(self, server, script) -> None:
        client = AsyncClient()
        for said, update in script:
            self.stdout.write(self.style.HTTP_INFO(f"\n👤 участник: {said}"))
            before = len(server.calls)
            response = await client.post(
                "/telegram/webhook",
                data=update,
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": settings.TELEGRAM_WEBHOOK_SECRET},
            )
            for call in server.calls[before:]:
                if call.text:
                    self.stdout.write(f"🤖 бот ({call.method}):\n{_plain(call.text)}")
                    if call.button_texts():
                        self.stdout.write("   [" + "] [".join(call.button_texts()) + "]")
            self.stdout.write(self.style.SUCCESS(f"   webhook answered {response.status_code}"))
