import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from chats.models import ChatSession
from core import clock
from matching import services as matching_services
from matching.models import Match, Proposal, SearchRequest
from moderation.models import Block, Report
from tests import updates
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7400001, 7400002


@sync_to_async
def start_session():
    anna = MemberFactory(tg_id=ANNA, pseudonym="Анна")
    boris = MemberFactory(tg_id=BORIS, pseudonym="Борис")
    match = Match.objects.create(member_a=anna, member_b=boris)
    return ChatSession.objects.create(
        match=match, member_a=anna, member_b=boris, ends_at=clock.now() + dt.timedelta(hours=24)
    )


async def test_block_ends_the_chat_tells_only_the_blocker_and_the_pair_never_meets_again(webhook, telegram):
    session = await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    answer = await anna.command("block")
    assert "заблокирован" in answer.text
    assert "заблокир" not in telegram.last_to(BORIS).text
    assert "завершил разговор" in telegram.last_to(BORIS).text
    assert (await ChatSession.objects.aget(pk=session.pk)).end_reason == "blocked"
    assert await Block.objects.acount() == 1

    @sync_to_async
    def both_search_long_after():
        clock.advance(dt.timedelta(days=30))
        for member in (session.member_a, session.member_b):
            SearchRequest.objects.create(
                member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft"
            )
        matching_services.round_run()
        return Proposal.objects.count()

    assert await both_search_long_after() == 0


async def test_report_with_reasons_and_danger_shows_the_crisis_card(webhook, telegram):
    await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("report")
    assert {"Спам или реклама", "Оскорбления, давление", "Опасность, угрозы", "Другое"} == set(
        anna.last.button_texts()
    )
    await anna.tap("Опасность")
    texts = telegram.texts_to(ANNA)
    assert "Модераторы посмотрят" in texts[-2]
    assert "112" in texts[-1]
    report = await Report.objects.aget()
    assert report.reason == "danger" and report.status == "new"
    assert "жалоб" not in " ".join(telegram.texts_to(BORIS))


async def test_one_report_per_minute(webhook, telegram):
    session = await start_session()
    await webhook.send(updates.callback(ANNA, f"moderation:report:{session.pk}:spam"))
    await webhook.send(updates.callback(ANNA, f"moderation:report:{session.pk}:abuse"))
    assert await Report.objects.acount() == 1
    assert "минуту назад" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]


async def test_report_and_block_without_a_recent_conversation_are_explained(webhook, telegram):
    await sync_to_async(MemberFactory)(tg_id=ANNA)
    anna = MemberJourney(webhook, telegram, ANNA)
    assert "нет разговора" in (await anna.command("report")).text
    assert "нет разговора" in (await anna.command("block")).text
