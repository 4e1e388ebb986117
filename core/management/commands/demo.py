"""`make demo`: a member talks to the bot through the real webhook; the fake Bot API records answers."""

import asyncio
import html
import re

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test import AsyncClient

DEMO_TG_ID = 999_000_001
DEMO_PEER_ID = 999_000_002


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
        self._forget_demo_members()
        script = [
            ("/start", lambda: updates.command(DEMO_TG_ID, "start")),
            ("/help", lambda: updates.command(DEMO_TG_ID, "help")),
            ("/whatever", lambda: updates.command(DEMO_TG_ID, "whatever")),
            ("[✅ Согласен(на) с правилами]", lambda: self._tap(server, DEMO_TG_ID, "Согласен")),
            ("[Мне есть 18]", lambda: self._tap(server, DEMO_TG_ID, "есть 18")),
            ("Тихий лис", lambda: updates.message(DEMO_TG_ID, "Тихий лис")),
            ("[Москва]", lambda: self._tap(server, DEMO_TG_ID, "Москва")),
            ("[Выгорание]", lambda: self._tap(server, DEMO_TG_ID, "Выгорание")),
            ("[Тревога]", lambda: self._tap(server, DEMO_TG_ID, "Тревога", on_last_with_buttons=True)),
            ("[Готово]", lambda: self._tap(server, DEMO_TG_ID, "Готово", on_last_with_buttons=True)),
            ("[Выговориться]", lambda: self._tap(server, DEMO_TG_ID, "Выговориться")),
            ("[Готово]", lambda: self._tap(server, DEMO_TG_ID, "Готово")),
            ("[Вечер]", lambda: self._tap(server, DEMO_TG_ID, "Вечер")),
            ("[Готово]", lambda: self._tap(server, DEMO_TG_ID, "Готово")),
            ("[Пропустить]", lambda: self._tap(server, DEMO_TG_ID, "Пропустить")),
            ("/sos", lambda: updates.command(DEMO_TG_ID, "sos")),
        ]
        try:
            asyncio.run(self._play(server, script))
        finally:
            server.stop()

    def _forget_demo_members(self) -> None:
        from accounts.models import Member
        from accounts.services import member_erase

        for member in Member.objects.filter(tg_id__in=[DEMO_TG_ID, DEMO_PEER_ID]):
            member_erase(member_id=member.pk)

    @staticmethod
    def _tap(server, tg_id: int, label: str, *, on_last_with_buttons: bool = False):
        from tests import updates

        messages = [c for c in server.messages_to(tg_id) if c.buttons()]
        if on_last_with_buttons:
            messages = [c for c in messages if any(label in t for t in c.button_texts())]
        return updates.callback(tg_id, messages[-1].callback_data(label))

    async def _play(self, server, script) -> None:
        client = AsyncClient()
        for said, build in script:
            update = build()
            self.stdout.write(self.style.HTTP_INFO(f"\n👤 участник: {said}"))
            before = len(server.calls)
            response = await client.post(
                "/telegram/webhook",
                data=update,
                content_type="application/json",
                headers={"X-Telegram-Bot-Api-Secret-Token": settings.TELEGRAM_WEBHOOK_SECRET},
            )
            for call in server.calls[before:]:
                if call.text and call.ok and call.method != "answerCallbackQuery":
                    self.stdout.write(f"🤖 бот ({call.method}):\n{_plain(call.text)}")
                    if call.button_texts():
                        self.stdout.write("   [" + "] [".join(call.button_texts()) + "]")
            self.stdout.write(self.style.SUCCESS(f"   webhook answered {response.status_code}"))
