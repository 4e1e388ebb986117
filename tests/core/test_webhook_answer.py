"""An update's last message rides in the webhook's answer (Telegram runs it): one HTTP call less,
the same words, in the same order."""

import pytest
from telegram.error import RetryAfter

from config.telegram import get_application
from core.messaging import WebhookReply, reply, send, webhook_reply
from core.webhook import process_update_json
from tests import updates

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER = 5560001


async def test_help_comes_back_in_the_webhook_answer_and_is_sent_once(webhook, telegram):
    response = await webhook.post(updates.command(MEMBER, "help"))

    answer = response.json()
    assert response.status_code == 200 and answer["method"] == "sendMessage"
    assert answer["chat_id"] == MEMBER and "/sos" in answer["text"] and answer["parse_mode"] == "HTML"
    # The member reads it once: Telegram ran the answer, the bot made no call of its own.
    [message] = telegram.messages_to(MEMBER)
    assert "/sos" in message.text and message.buttons()


async def test_an_unknown_command_is_answered_in_the_webhook_answer(webhook, telegram):
    response = await webhook.post(updates.command(MEMBER, "frobnicate"))
    assert response.json()["method"] == "sendMessage"
    assert "не знаю" in telegram.last_to(MEMBER).text


async def test_a_message_sent_after_a_held_one_goes_out_after_it(webhook, telegram):
    bot = (await get_application()).bot
    slot = WebhookReply()
    token = webhook_reply.set(slot)
    try:
        await reply(bot, MEMBER, "accounts/help")
        assert telegram.messages_to(MEMBER) == []  # held for the answer
        await send(bot, MEMBER, "core/unknown_command")
    finally:
        webhook_reply.reset(token)

    first, second = telegram.messages_to(MEMBER)
    assert "/sos" in first.text and "не знаю" in second.text
    assert slot.held is None  # nothing left for the answer: it went out in order


async def test_outside_the_webhook_a_reply_is_sent_at_once(webhook, telegram):
    outcome = await process_update_json(updates.command(MEMBER, "help"), retry_after=5)  # polling
    assert outcome.status == 200 and outcome.reply is None
    assert "/sos" in telegram.last_to(MEMBER).text


async def test_a_held_answer_is_dropped_when_the_update_will_come_again(webhook, telegram):
    telegram.fail_next(MEMBER, "retry_after", retry_after=3600)  # a long flood wait: Telegram redelivers
    bot = (await get_application()).bot
    slot = WebhookReply()
    token = webhook_reply.set(slot)
    try:
        await reply(bot, MEMBER, "accounts/help")
        with pytest.raises(RetryAfter):
            await send(bot, MEMBER, "core/unknown_command")  # releasing the held one meets the flood
    finally:
        webhook_reply.reset(token)
    assert telegram.messages_to(MEMBER) == []
