import asyncio

import structlog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from telegram.error import NetworkError, TimedOut

from config.telegram import ALLOWED_UPDATES, build_bot
from core.telegram_profile import publish_bot_profile
from core.webhook import process_update_json

log = structlog.get_logger(__name__)


class Command(BaseCommand):
    help = "Polling mode for a laptop: getUpdates fed into the same path as the webhook."

    def handle(self, *args, **options):
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set")
        try:
            asyncio.run(self._poll())
        except KeyboardInterrupt:
            pass

    async def _poll(self) -> None:
        async with build_bot() as bot:
            # A webhook and getUpdates exclude each other; pending updates are kept.
            await bot.delete_webhook(drop_pending_updates=False)
            await publish_bot_profile(bot)
            self.stdout.write("polling Telegram for updates (Ctrl-C to stop)")
            offset = None
            while True:
                try:
                    updates = await bot.get_updates(
                        offset=offset, timeout=30, allowed_updates=ALLOWED_UPDATES
                    )
                except (TimedOut, NetworkError) as exc:
                    log.warning("polling.network_error", error=type(exc).__name__)
                    await asyncio.sleep(2)
                    continue
                for update in updates:
                    while True:
                        outcome = await process_update_json(
                            update.to_dict(), retry_after=settings.WEBHOOK_RETRY_AFTER_SECONDS
                        )
                        if outcome.status != 503:
                            break
                        await asyncio.sleep(outcome.retry_after or 5)  # outage: keep the update
                    offset = update.update_id + 1
