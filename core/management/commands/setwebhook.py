import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.telegram import ALLOWED_UPDATES, build_bot
from core.telegram_profile import publish_bot_profile


class Command(BaseCommand):
    help = "Register the webhook (PUBLIC_BASE_URL/telegram/webhook) and the bot's command menu."

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="remove the webhook (keeps pending updates)"
        )

    def handle(self, *args, delete: bool = False, **options):
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set")
        if not delete and not (settings.PUBLIC_BASE_URL and settings.TELEGRAM_WEBHOOK_SECRET):
            raise CommandError("PUBLIC_BASE_URL and TELEGRAM_WEBHOOK_SECRET must be set")
        url = asyncio.run(self._run(delete))
        self.stdout.write(self.style.SUCCESS(f"webhook {'deleted' if delete else 'set to ' + url}"))

    async def _run(self, delete: bool) -> str:
        url = f"{settings.PUBLIC_BASE_URL}/telegram/webhook"
        async with build_bot() as bot:
            if delete:
                await bot.delete_webhook(drop_pending_updates=False)
                return ""
            await bot.set_webhook(
                url=url,
                secret_token=settings.TELEGRAM_WEBHOOK_SECRET,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=40,
                drop_pending_updates=False,
            )
            await publish_bot_profile(bot)
        return url
