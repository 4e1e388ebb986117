"""`make demo`: a member talks to the bot through the real webhook; the fake Bot API records answers."""

import asyncio
import html
import re

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

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
        saved = {
            name: getattr(settings, name)
            for name in ("TELEGRAM_API_BASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
        }
        settings.TELEGRAM_API_BASE_URL = server.base_url
        settings.TELEGRAM_BOT_TOKEN = settings.TELEGRAM_BOT_TOKEN or "123456:DEMO"
        settings.TELEGRAM_WEBHOOK_SECRET = settings.TELEGRAM_WEBHOOK_SECRET or "demo-secret"
        self._forget_demo_members()
        anna, boris = DEMO_TG_ID, DEMO_PEER_ID
        script = [
            (anna, "/start", lambda: updates.command(anna, "start")),
            (anna, "/whatever", lambda: updates.command(anna, "whatever")),
            *self._onboarding(server, anna, "Тихий лис"),
            (anna, "/sos", lambda: updates.command(anna, "sos")),
            (boris, "/start", lambda: updates.command(boris, "start")),
            *self._onboarding(server, boris, "Светлая сова"),
            (anna, "/find", lambda: updates.command(anna, "find")),
            (boris, "/find", lambda: updates.command(boris, "find")),
            (None, "⏱ раунд подбора (задача django-rq)", self._round),
            (anna, "[✅ Принять]", lambda: self._tap(server, anna, "Принять")),
            (boris, "[✅ Принять]", lambda: self._tap(server, boris, "Принять")),
            (anna, "[😐 Так себе]", lambda: self._tap(server, anna, "Так себе", on_last_with_buttons=True)),
            (boris, "[😔 Скорее плохо]", lambda: self._tap(server, boris, "Скорее плохо", on_last_with_buttons=True)),
            (anna, "Привет! Я тоже выгорела на работе, как ты?", lambda: updates.message(anna, "Привет! Я тоже выгорела на работе, как ты?")),
            (boris, "Спасибо, что написала. Держусь, но тяжело.", lambda: updates.message(boris, "Спасибо, что написала. Держусь, но тяжело.")),
            (boris, "иногда кажется, что всем было бы легче без меня, и я больше не хочу жить", lambda: updates.message(boris, "иногда кажется, что всем было бы легче без меня, и я больше не хочу жить")),
            (boris, "[💬 Хочу продолжить разговор]", lambda: self._tap(server, boris, "продолжить разговор", on_last_with_buttons=True)),
            (anna, "Я рядом. Расскажешь, что сейчас происходит?", lambda: updates.message(anna, "Я рядом. Расскажешь, что сейчас происходит?")),
            (anna, "мой номер +7 999 123-45-67", lambda: updates.message(anna, "мой номер +7 999 123-45-67")),
            (anna, "[Не отправлять]", lambda: self._tap(server, anna, "Не отправлять")),
            (anna, "/end", lambda: updates.command(anna, "end")),
            (anna, "[Да, завершить]", lambda: self._tap(server, anna, "Да, завершить")),
            (anna, "[🙂 Скорее хорошо]", lambda: self._tap(server, anna, "Скорее хорошо", on_last_with_buttons=True)),
            (boris, "[😐 Так себе]", lambda: self._tap(server, boris, "Так себе", on_last_with_buttons=True)),
            (boris, "[5]", lambda: self._tap(server, boris, "5", on_last_with_buttons=True)),
            (boris, "[Меня выслушали]", lambda: self._tap(server, boris, "Меня выслушали", on_last_with_buttons=True)),
            (boris, "[🔁 Предложить поговорить снова]", lambda: self._tap(server, boris, "поговорить снова", on_last_with_buttons=True)),
        ]  # fmt: skip
        try:
            asyncio.run(self._play(server, script))
        finally:
            server.stop()
            for name, value in saved.items():  # the demo may run inside a longer process (tests)
                setattr(settings, name, value)

    def _onboarding(self, server, tg_id: int, pseudonym: str) -> list:
        from tests import updates

        tap = self._tap
        return [
            (tg_id, "[✅ Принимаю правила]", lambda: tap(server, tg_id, "Принимаю")),
            (tg_id, "[Мне есть 18]", lambda: tap(server, tg_id, "есть 18")),
            (tg_id, pseudonym, lambda: updates.message(tg_id, pseudonym)),
            (tg_id, "[Москва]", lambda: tap(server, tg_id, "Москва")),
            (tg_id, "[🇷🇺 Россия]", lambda: tap(server, tg_id, "Россия")),
            (tg_id, "[Выгорание]", lambda: tap(server, tg_id, "Выгорание")),
            (tg_id, "[Тревога]", lambda: tap(server, tg_id, "Тревога", on_last_with_buttons=True)),
            (tg_id, "[Готово]", lambda: tap(server, tg_id, "Готово", on_last_with_buttons=True)),
            (tg_id, "[Выговориться]", lambda: tap(server, tg_id, "Выговориться")),
            (tg_id, "[Готово]", lambda: tap(server, tg_id, "Готово")),
            (tg_id, "[спокойно]", lambda: tap(server, tg_id, "спокойно")),
            (tg_id, "[Вечер]", lambda: tap(server, tg_id, "Вечер")),
            (tg_id, "[Готово]", lambda: tap(server, tg_id, "Готово")),
            (tg_id, "[Пропустить]", lambda: tap(server, tg_id, "Пропустить")),
            *[(tg_id, "[Дальше →]", lambda: tap(server, tg_id, "Дальше", on_last_with_buttons=True))] * 3,
            (tg_id, "[Понятно]", lambda: tap(server, tg_id, "Понятно", on_last_with_buttons=True)),
        ]

    @staticmethod
    def _round():
        """What the worker does after /find: one matching round (returns no update)."""
        from matching.tasks import matching_round

        return matching_round

    def _forget_demo_members(self) -> None:
        from accounts.models import Member
        from accounts.services import member_erase

        for member in Member.objects.filter(tg_id__in=[DEMO_TG_ID, DEMO_PEER_ID]):
            member_erase(member_id=member.pk)

    @staticmethod
    def _tap(server, tg_id: int, label: str, *, on_last_with_buttons: bool = False):
        from tests import updates

        messages = [
            c
            for c in server.calls_for(tg_id)
            if c.ok
            and c.method in ("sendMessage", "editMessageText", "editMessageReplyMarkup")
            and c.buttons()
        ]
        if on_last_with_buttons:
            messages = [c for c in messages if any(label in t for t in c.button_texts())]
        return updates.callback(tg_id, messages[-1].callback_data(label))

    async def _play(self, server, script) -> None:
        from config.asgi import application  # the production ASGI app, webhook route and all

        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://demo")
        names = {DEMO_TG_ID: "Анна", DEMO_PEER_ID: "Борис"}
        for who, said, build in script:
            update = build()
            before = len(server.calls)
            if who is None:  # a background job, run as the worker would
                self.stdout.write(self.style.WARNING(f"\n{said}"))
                await asyncio.to_thread(update)
            else:
                self.stdout.write(self.style.HTTP_INFO(f"\n👤 {names[who]}: {said}"))
                response = await client.post(
                    "/telegram/webhook",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": settings.TELEGRAM_WEBHOOK_SECRET},
                )
                if response.status_code == 200:  # Telegram runs a method given in the answer
                    server.run_webhook_answer(response.content, settings.TELEGRAM_BOT_TOKEN)
            for call in server.calls[before:]:
                if not call.ok or call.method == "answerCallbackQuery":
                    continue
                to = names.get(call.chat_id, call.chat_id)
                if call.method == "copyMessage":
                    self.stdout.write(f"🤖 → {to}: (анонимная копия сообщения, copyMessage)")
                elif call.text:
                    self.stdout.write(f"🤖 → {to} ({call.method}):\n{_plain(call.text)}")
                    if call.button_texts():
                        self.stdout.write("   [" + "] [".join(call.button_texts()) + "]")
            if who is not None:
                self.stdout.write(self.style.SUCCESS(f"   webhook answered {response.status_code}"))
