"""/delete takes back the copies of the member's messages from partners' chats, within the
48 hours Telegram allows, and says honestly what stays."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from core import clock
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney
from tests.chats.factories import conversation
from tests.jobs import arun_jobs

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 6410001, 6410002


@sync_to_async
def talking():
    return conversation(
        MemberFactory(tg_id=ANNA, pseudonym="Анна"), MemberFactory(tg_id=BORIS, pseudonym="Борис")
    )


async def erase(webhook, telegram) -> MemberJourney:
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("delete")
    await anna.tap("Да, удалить")
    await anna.tap("Удалить навсегда")
    return anna


def deleted_in(telegram, chat_id: int) -> list[int]:
    return [i for c in telegram.calls_for(chat_id, "deleteMessages") for i in c.params["message_ids"]]


async def test_delete_removes_the_members_copies_from_the_partners_chat_and_only_those(webhook, telegram):
    await talking()
    await webhook.text(ANNA, "мне сегодня тяжело")
    await webhook.text(ANNA, "спасибо, что слушаешь")
    await webhook.text(BORIS, "я рядом")
    copies = [c.result["message_id"] for c in telegram.calls_for(BORIS, "copyMessage")]
    assert len(copies) == 2
    anna = await erase(webhook, telegram)
    assert "48 часов" in anna.last.text and "не позволяет" in anna.last.text
    await arun_jobs()
    assert sorted(deleted_in(telegram, BORIS)) == sorted(copies)
    assert deleted_in(telegram, ANNA) == []  # Boris's words are his, in Anna's chat


async def test_copies_older_than_48_hours_are_left_and_nothing_fails(webhook, telegram):
    await talking()
    await webhook.text(ANNA, "привет")
    clock.advance(dt.timedelta(hours=49))
    await erase(webhook, telegram)
    await arun_jobs()
    assert deleted_in(telegram, BORIS) == []


async def test_a_partner_who_blocked_the_bot_does_not_stop_the_rest(webhook, telegram):
    await talking()
    await webhook.text(ANNA, "привет")
    telegram.fail_next(BORIS, "forbidden", method="deleteMessages")
    await erase(webhook, telegram)
    assert await arun_jobs() >= 1
    assert [c.ok for c in telegram.calls_for(BORIS, "deleteMessages")] == [False]


async def test_a_flood_answer_keeps_the_copies_for_the_next_try(webhook, telegram):
    from accounts.models import Member
    from chats import copies
    from core.db import db_call

    await talking()
    await webhook.text(ANNA, "привет")
    anna_id = (await Member.objects.aget(tg_id=ANNA)).pk
    telegram.fail_next(BORIS, "retry_after", method="deleteMessages", retry_after=3)
    await erase(webhook, telegram)
    await arun_jobs()  # Telegram said "later": the job put itself back, nothing forgotten
    assert [c.ok for c in telegram.calls_for(BORIS, "deleteMessages")] == [False]
    assert await db_call(copies.copies_delete, anna_id) == 1
    assert [c.ok for c in telegram.calls_for(BORIS, "deleteMessages")] == [False, True]
