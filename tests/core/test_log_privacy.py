import logging

import pytest

from tests import updates
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7300001, 7300002


async def test_a_full_journey_logs_no_telegram_id_pseudonym_token_or_message_text(
    webhook, telegram, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    anna = MemberJourney(webhook, telegram, ANNA)
    boris = MemberJourney(webhook, telegram, BORIS)
    await anna.onboard(pseudonym="Секретный Ёж", bio="Мой тайный рассказ")
    await boris.onboard(pseudonym="Тайный Барсук")
    await anna.command("find")
    await boris.command("find")

    from core.db import db_call
    from matching.tasks import matching_round

    await db_call(matching_round)
    await anna.tap("Принять")
    await boris.tap("Принять")
    await webhook.text(ANNA, "очень-личный-текст-сообщения")
    telegram.fail_next(ANNA, "bad_request")  # a dead letter is logged too
    await webhook.send(updates.command(ANNA, "mydata", "ещё-личный-текст"))
    telegram.fail_next(BORIS, "forbidden", method="copyMessage")
    await webhook.text(ANNA, "третий-личный-текст")

    from django.conf import settings

    logged = caplog.text + "".join(capfd.readouterr())
    assert "webhook.handler_failed" in logged  # the logs are really captured
    for secret in (
        str(ANNA),
        str(BORIS),
        "Секретный Ёж",
        "Тайный Барсук",
        "тайный рассказ",
        "личный-текст",
        settings.TELEGRAM_BOT_TOKEN,
        settings.TELEGRAM_WEBHOOK_SECRET,
    ):
        assert secret not in logged, secret


@pytest.mark.parametrize("name", ["aiohttp.client", "httpx", "httpcore", "httpcore.http11", "telegram.ext"])
def test_http_client_loggers_never_log_a_request_url_with_the_bot_token(name, caplog):
    from django.conf import settings

    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG, as an operator might set it
    url = f"https://api.telegram.org/bot{settings.TELEGRAM_BOT_TOKEN}/sendMessage"
    logging.getLogger(name).info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
    logging.getLogger(name).debug("send_request_headers.started request=<Request [b'POST'] %s>", url)

    assert settings.TELEGRAM_BOT_TOKEN not in caplog.text
