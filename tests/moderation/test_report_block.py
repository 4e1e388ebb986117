import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User

from chats.models import ChatSession
from core import clock
from matching import rounds
from matching.models import Match, Proposal, SearchRequest
from moderation import cases
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
    assert "Разговор завершён" in telegram.last_to(BORIS).text
    assert (await ChatSession.objects.aget(pk=session.pk)).end_reason == "blocked"
    assert await Block.objects.acount() == 1

    @sync_to_async
    def both_search_long_after():
        clock.advance(dt.timedelta(days=30))
        for member in (session.member_a, session.member_b):
            SearchRequest.objects.create(
                member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft"
            )
        rounds.round_run()
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


async def test_a_report_in_a_chat_ends_it_and_the_partner_hears_only_a_neutral_ending(webhook, telegram):
    session = await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("report")
    await anna.tap("Оскорбления")
    saved = telegram.last_to(ANNA).text
    assert "Модераторы посмотрят" in saved and "Разговор завершён" in saved
    to_boris = telegram.last_to(BORIS).text
    assert to_boris.startswith("Разговор завершён") and "жалоб" not in to_boris
    ended = await ChatSession.objects.aget(pk=session.pk)
    assert (ended.status, ended.end_reason) == ("ended", "reported")
    await webhook.text(ANNA, "ты тут?")
    assert telegram.calls_for(BORIS, "copyMessage") == []


@sync_to_async
def both_search_a_month_later(session) -> int:
    clock.advance(dt.timedelta(days=30))
    SearchRequest.objects.filter(status="waiting").update(status="cancelled")
    for member in (session.member_a, session.member_b):
        SearchRequest.objects.create(
            member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft"
        )
    rounds.round_run()
    return Proposal.objects.count()


@pytest.mark.parametrize(("decision", "proposed"), [("resolve", 0), ("dismiss", 1)])
async def test_a_reported_pair_is_never_proposed_again_unless_the_report_is_dismissed_as_unfounded(
    webhook, telegram, decision, proposed
):
    session = await start_session()
    await webhook.tap(ANNA, f"moderation:report:{session.pk}:abuse")
    assert await both_search_a_month_later(session) == 0  # long after the 7-day recent-partner pause

    @sync_to_async
    def moderator_decides():
        moderator = User.objects.create_user("mod", password="pw", is_staff=True)
        cases.case_close(case=Report.objects.get(), by=moderator, dismiss=decision == "dismiss")

    await moderator_decides()
    assert await both_search_a_month_later(session) == proposed


async def test_report_and_block_buttons_on_the_intro(webhook, telegram):
    from tests.matching.test_matching import make, run_round

    await make(ANNA, pseudonym="Анна")
    await make(BORIS, pseudonym="Борис")
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    for member in (anna, boris):
        await member.command("find")
    await run_round()
    await anna.tap("Принять")
    await boris.tap("Принять")
    card = next(m for m in reversed(telegram.messages_to(ANNA)) if "Вы на связи с" in m.text)
    assert "Вы на связи с Борис" in card.text
    assert card.button_texts() == ["⚠️ Пожаловаться", "🚫 Заблокировать"]
    session = await ChatSession.objects.aget()

    await anna.tap("Заблокировать", on=card)
    assert "Заблокировать собеседника?" in anna.last.text
    await anna.tap("Нет, продолжим")
    assert "продолжается" in anna.last_edit().text  # the question itself becomes the answer
    assert (await ChatSession.objects.aget(pk=session.pk)).status == "active"

    await anna.tap("Пожаловаться", on=card)
    assert "Выберите причину" in anna.last.text
    await anna.tap("Спам")
    assert "Разговор завершён" in telegram.last_to(ANNA).text
    assert (await ChatSession.objects.aget(pk=session.pk)).end_reason == "reported"

    await anna.tap("Заблокировать", on=card)
    await anna.tap("Да, заблокировать")
    assert "заблокирован" in anna.last.text
    assert await Block.objects.filter(blocker__tg_id=ANNA, blocked__tg_id=BORIS).aexists()


async def test_an_old_intros_block_button_never_blocks_todays_partner(webhook, telegram):
    old = await start_session()
    await ChatSession.objects.filter(pk=old.pk).aupdate(
        status="ended", ended_at=clock.now() - dt.timedelta(days=2), end_reason="member_ended"
    )

    @sync_to_async
    def new_chat_with_vera():
        vera = MemberFactory(tg_id=7400003, pseudonym="Вера")
        match = Match.objects.create(member_a=old.member_a, member_b=vera)
        ChatSession.objects.create(
            match=match, member_a=old.member_a, member_b=vera, ends_at=clock.now() + dt.timedelta(hours=24)
        )

    await new_chat_with_vera()
    await webhook.tap(ANNA, f"moderation:block:{old.pk}")
    assert "нет разговора" in telegram.last_to(ANNA).text
    assert not await Block.objects.aexists()
    assert await ChatSession.objects.filter(status="active").acount() == 1
