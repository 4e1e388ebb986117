import asyncio
import json

import pytest
from django.db import connections

from core import asyncdb
from core.models import DeadLetterUpdate, ProcessedUpdate
from tests import updates

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER = 5550001


async def test_start_is_answered_with_the_welcome_text(webhook, telegram):
    await webhook.command(MEMBER, "start")
    assert "Ты не один" in telegram.texts_to(MEMBER)[0]


async def test_help_lists_what_the_bot_does(webhook, telegram):
    await webhook.command(MEMBER, "help")
    assert "/sos" in telegram.last_to(MEMBER).text


async def test_unknown_command_gets_a_hint_towards_help(webhook, telegram):
    await webhook.command(MEMBER, "frobnicate")
    text = telegram.last_to(MEMBER).text
    assert "не знаю" in text and "/help" in text


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
async def test_wrong_or_missing_secret_is_forbidden_and_writes_nothing(webhook, telegram, secret):
    response = await webhook.post(updates.command(MEMBER, "start"), secret=secret)
    assert response.status_code == 403
    assert await ProcessedUpdate.objects.acount() == 0
    assert telegram.calls == []


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", json.dumps({"message": {"text": "hi"}}).encode(), b'{"update_id": "x"}'],
)
async def test_malformed_body_is_a_bad_request_with_a_reason(webhook, telegram, body):
    response = await webhook.post(body)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert telegram.calls == []


async def test_the_same_update_twice_is_answered_once(webhook, telegram):
    update = updates.command(MEMBER, "help")
    await webhook.send(update)
    await webhook.send(update)
    assert len(telegram.messages_to(MEMBER)) == 1


async def test_the_same_update_posted_concurrently_is_answered_once(webhook, telegram):
    update = updates.command(MEMBER, "help")
    responses = await asyncio.gather(*(webhook.post(update) for _ in range(5)))
    assert {r.status_code for r in responses} == {200}
    assert len(telegram.messages_to(MEMBER)) == 1


async def test_a_failing_handler_is_dead_lettered_and_other_chats_still_work(webhook, telegram):
    # Telegram refusing a sendMessage with a 400 surfaces as an exception inside the handler.
    telegram.fail_next(MEMBER, "bad_request", description="Bad Request: chat not found")
    update = updates.command(MEMBER, "start")
    response = await webhook.post(update)
    assert response.status_code == 200
    letter = await DeadLetterUpdate.objects.aget(update_id=update["update_id"])
    assert letter.error_type == "BadRequest"
    assert letter.update_type == "message"

    await webhook.command(MEMBER + 1, "help")
    assert telegram.messages_to(MEMBER + 1)


async def test_dead_letter_keeps_no_message_text(webhook, telegram):
    telegram.fail_next(MEMBER, "bad_request")
    update = updates.command(MEMBER, "start", "мне очень плохо сегодня")
    await webhook.post(update)
    letter = await DeadLetterUpdate.objects.aget(update_id=update["update_id"])
    dumped = json.dumps(letter.payload, ensure_ascii=False)
    assert "плохо" not in dumped
    assert letter.payload["message"]["text"] == "/start"


class DatabaseOutage:
    """Points every connection pool at a port where no PostgreSQL listens, and back."""

    def __init__(self):
        self.connection = connections["default"]
        self.saved = dict(self.connection.settings_dict)

    async def start(self):
        await asyncdb.reset()
        self.connection.close_pool()
        self.connection.settings_dict.update(HOST="127.0.0.1", PORT="1")

    async def end(self):
        await asyncdb.reset()
        self.connection.close_pool()
        self.connection.settings_dict.clear()
        self.connection.settings_dict.update(self.saved)


@pytest.fixture
async def outage():
    outage = DatabaseOutage()
    yield outage
    await outage.end()


async def test_database_unreachable_answers_503_with_retry_after(webhook, telegram, outage):
    await outage.start()
    response = await webhook.post(updates.command(MEMBER, "help"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert telegram.calls == []


async def test_update_is_processed_when_telegram_retries_after_an_outage(webhook, telegram, outage):
    update = updates.command(MEMBER, "help")
    await outage.start()
    assert (await webhook.post(update)).status_code == 503
    await outage.end()
    assert (await webhook.post(update)).status_code == 200
    assert len(telegram.messages_to(MEMBER)) == 1


async def test_webhook_path_never_redirects(webhook, telegram):
    response = await webhook.client.post("/telegram/webhook/", data="{}", content_type="application/json")
    assert response.status_code not in (301, 302, 307, 308)


async def test_webhook_answers_only_post_and_says_so(webhook, telegram):
    response = await webhook.http.get("/telegram/webhook")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert await ProcessedUpdate.objects.acount() == 0


async def test_webhook_answer_carries_the_request_id_the_logs_use(webhook, telegram):
    response = await webhook.http.post(
        "/telegram/webhook",
        json=updates.command(MEMBER, "help"),
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong", "X-Request-ID": "trace-42"},
    )
    assert response.status_code == 403
    assert response.headers["X-Request-ID"] == "trace-42"


async def test_past_its_limit_a_process_refuses_at_once_and_the_update_comes_through_when_redelivered(
    webhook, telegram, settings
):
    settings.WEBHOOK_MAX_IN_FLIGHT = 1
    other = MEMBER + 1
    telegram.fail_next(MEMBER, "slow", seconds=1.5)  # Telegram is slow to take our answer
    first = asyncio.create_task(webhook.post(updates.command(MEMBER, "start")))
    for _ in range(100):
        if telegram.calls_for(MEMBER):
            break
        await asyncio.sleep(0.02)
    update = updates.command(other, "help")

    refused = await webhook.post(update)
    assert refused.status_code == 503 and int(refused["Retry-After"]) > 0
    assert not await ProcessedUpdate.objects.filter(update_id=update["update_id"]).aexists()
    assert telegram.messages_to(other) == []

    assert (await first).status_code == 200
    assert (await webhook.post(update)).status_code == 200  # Telegram's redelivery
    assert len(telegram.messages_to(other)) == 1 and telegram.messages_to(MEMBER)


# -- every body gets a defined answer (never a 500) ------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"update_id": 7, "message": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}",
    ],
    ids=["100k-levels-in-an-update", "100k-levels-bare", "40-levels"],
)
async def test_deeply_nested_json_is_a_bad_request(webhook, telegram, body):
    response = await webhook.post(body)
    assert response.status_code == 400
    assert "nest" in response.json()["detail"] or "JSON" in response.json()["detail"]
    assert await ProcessedUpdate.objects.acount() == 0


@pytest.mark.parametrize("update_id", [10**30, 2**63, 0, -1, True, 1.5, None])
async def test_update_id_that_telegram_never_sends_is_a_bad_request(webhook, telegram, update_id):
    update = updates.command(MEMBER, "help")
    update["update_id"] = update_id
    response = await webhook.post(json.dumps(update))
    assert response.status_code == 400
    assert "update_id" in response.json()["detail"]
    assert telegram.calls == [] and await ProcessedUpdate.objects.acount() == 0


async def test_largest_bigint_update_id_is_handled(webhook, telegram):
    await webhook.send(updates.command(MEMBER, "help", update_id=2**63 - 1))
    assert "/sos" in telegram.last_to(MEMBER).text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe not utf-8",
        b'{"update_id": 5, "message": {"text": "\\ud800"}}',
        b"null",
        b'"text"',
        b"42",
    ],
    ids=["empty", "not-utf8", "lone-surrogate", "null", "string", "number"],
)
async def test_body_that_is_not_a_json_object_is_a_bad_request(webhook, telegram, body):
    response = await webhook.post(body)
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_update_whose_message_is_not_a_message_is_a_bad_request(webhook, telegram):
    response = await webhook.post(json.dumps({"update_id": 5, "message": {"text": "hi"}}))
    assert response.status_code == 400
    assert "Update" in response.json()["detail"]


async def test_body_over_the_limit_is_refused_with_413(webhook, telegram):
    from core.asgi import MAX_BODY_BYTES

    update = updates.command(MEMBER, "help")
    update["message"]["padding"] = "x" * MAX_BODY_BYTES
    response = await webhook.post(json.dumps(update))
    assert response.status_code == 413
    assert telegram.calls == [] and await ProcessedUpdate.objects.acount() == 0


async def test_an_update_with_a_long_message_under_the_limit_is_handled(webhook, telegram):
    await webhook.send(updates.command(MEMBER, "help", "слово " * 600))
    assert "/sos" in telegram.last_to(MEMBER).text


async def test_valid_update_a_handler_chokes_on_is_dead_lettered_with_200(webhook, telegram):
    update = updates.command(10**30, "start")  # a user id PostgreSQL's bigint cannot hold
    response = await webhook.post(json.dumps(update))
    assert response.status_code == 200
    assert await DeadLetterUpdate.objects.filter(update_id=update["update_id"]).aexists()


async def test_update_with_content_postgres_cannot_store_is_still_dead_lettered(webhook, telegram):
    update = updates.command(10**30, "start")
    update["message"]["from"]["language_code"] = "r\u0000u"
    response = await webhook.post(json.dumps(update))
    assert response.status_code == 200
    letter = await DeadLetterUpdate.objects.aget(update_id=update["update_id"])
    assert letter.payload == {"update_id": update["update_id"]}


async def test_a_bug_outside_the_handlers_answers_200_and_keeps_the_update(webhook, telegram, monkeypatch):
    from core import webhook as core_webhook

    def broken(update):
        raise RuntimeError("bug")

    monkeypatch.setattr(core_webhook, "update_kind", broken)
    update = updates.command(MEMBER, "help")
    response = await webhook.post(update)
    assert response.status_code == 200
    assert await DeadLetterUpdate.objects.filter(update_id=update["update_id"]).aexists()


async def test_update_of_a_kind_the_bot_does_not_handle_is_answered_200(webhook, telegram):
    response = await webhook.post({"update_id": 77, "channel_post": updates.message_body(MEMBER, text="x")})
    assert response.status_code == 200
    assert telegram.calls == []
