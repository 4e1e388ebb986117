import asyncio

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core import tasks
from core.models import DeadLetterUpdate, ProcessedUpdate
from core.services import processed_updates_prune
from tests import updates

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER = 5560001


def _post(webhook, update):
    async def go():
        try:
            return await webhook.post(update)
        finally:
            from config import telegram as telegram_app
            from core import asyncdb

            await asyncdb.reset()
            await telegram_app.reset()

    return asyncio.run(go())


@pytest.fixture
def sync_webhook(telegram):
    from tests.conftest import Webhook

    return Webhook(client=None, telegram=telegram)


def test_staff_replay_of_a_dead_letter_answers_the_member(sync_webhook, telegram):
    telegram.fail_next(MEMBER, "bad_request", description="Bad Request: chat not found")
    update = updates.command(MEMBER, "start")
    assert _post(sync_webhook, update).status_code == 200
    letter = DeadLetterUpdate.objects.get(update_id=update["update_id"])
    # The member is not left in silence: an apology instead of the answer.
    [apology] = telegram.texts_to(MEMBER)
    assert "что-то сломалось" in apology and "/sos" in apology and "/help" not in apology

    assert tasks.dead_letter_replay(letter.pk) == "replayed"

    letter.refresh_from_db()
    assert letter.status == DeadLetterUpdate.Status.REPLAYED
    assert "/sos" in telegram.last_to(MEMBER).text


def test_a_replay_that_fails_again_is_counted(sync_webhook, telegram):
    telegram.fail_next(MEMBER, "bad_request", times=3)  # the answer, the apology, the replay
    update = updates.command(MEMBER, "start")
    _post(sync_webhook, update)
    letter = DeadLetterUpdate.objects.get(update_id=update["update_id"])

    assert tasks.dead_letter_replay(letter.pk).startswith("failed again")

    letter.refresh_from_db()
    assert letter.status == DeadLetterUpdate.Status.FAILED_AGAIN
    assert letter.attempts == 2


def test_dead_letters_page_lists_them_for_staff(sync_webhook, telegram, client):
    telegram.fail_next(MEMBER, "bad_request")
    update = updates.command(MEMBER, "start")
    _post(sync_webhook, update)
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    page = client.get(reverse("admin:core_deadletterupdate_changelist"))
    assert page.status_code == 200
    assert str(update["update_id"]) in page.content.decode()


def test_dedup_marks_older_than_a_week_are_pruned(sync_webhook, telegram):
    from datetime import timedelta

    from core import clock

    _post(sync_webhook, updates.command(MEMBER, "help"))
    assert ProcessedUpdate.objects.count() == 1
    clock.advance(timedelta(days=6))
    assert processed_updates_prune() == 0
    clock.advance(timedelta(days=2))
    assert processed_updates_prune() == 1


def test_a_failed_button_tap_is_answered_with_an_alert(sync_webhook, telegram):
    from tests.accounts.factories import MemberFactory

    MemberFactory(tg_id=MEMBER)
    telegram.fail_next(MEMBER, "bad_request", method="sendMessage", times=5)
    telegram.fail_next(MEMBER, "bad_request", method="editMessageText", times=5)
    update = updates.callback(MEMBER, "accounts:delete:1")  # its answer is sent by the bot itself
    assert _post(sync_webhook, update).status_code == 200
    assert DeadLetterUpdate.objects.filter(update_id=update["update_id"]).exists()
    answers = telegram.calls_for(None, "answerCallbackQuery")
    assert answers and "Попробуйте ещё раз" in answers[-1].params["text"]
    assert answers[-1].params["show_alert"] in (True, "true", "True")
