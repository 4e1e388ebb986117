"""Honest waiting: the searching message says how long people with these topics waited lately,
and after 30 minutes without anyone a notice offers what the member can do."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from core import clock
from core.db import db_call
from matching.models import SearchRequest
from matching.tasks import matching_sweep
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

ANNA = 7500001


@sync_to_async
def recent_searches(*, found: int, not_found: int, minutes: int, topics=("burnout", "grief")):
    now = clock.now()
    for n in range(found + not_found):
        member = MemberFactory(topics=list(topics))
        created = now - dt.timedelta(days=2, hours=n)
        SearchRequest.objects.create(
            member=member, status="matched" if n < found else "expired", created_at=created,
            expires_at=created + dt.timedelta(hours=24), ended_at=created + dt.timedelta(hours=1),
            first_proposal_at=created + dt.timedelta(minutes=minutes) if n < found else None,
        )  # fmt: skip


@pytest.fixture
async def anna(webhook, telegram):
    await sync_to_async(MemberFactory)(tg_id=ANNA, topics=["burnout", "anxiety"])
    return MemberJourney(webhook, telegram, ANNA)


async def test_with_too_little_data_the_searching_message_says_so_honestly(anna):
    await recent_searches(found=4, not_found=0, minutes=3)
    searching = await anna.command("find")
    assert "Ищу собеседника" in searching.text
    assert "честно сказать пока не могу" in searching.text and "слишком мало" in searching.text


async def test_the_searching_message_estimates_from_recent_searches_with_the_members_topics(anna):
    await recent_searches(found=6, not_found=2, minutes=4)
    await recent_searches(found=6, not_found=0, minutes=600, topics=("parenting", "grief"))  # other topics
    searching = await anna.command("find")
    assert "примерно через 4 мин" in searching.text and "по 6 поискам" in searching.text
    assert "75 %" in searching.text  # 6 of 8 recent searches got a proposal
    assert "Если за 30 минут никого не найдётся" in searching.text


async def test_after_30_minutes_without_a_candidate_one_notice_offers_what_to_do(anna, telegram):
    await anna.command("find")
    clock.advance(dt.timedelta(minutes=29))
    await db_call(matching_sweep)
    assert not any("Прошло полчаса" in text for text in telegram.texts_to(ANNA))
    clock.advance(dt.timedelta(minutes=2))
    await db_call(matching_sweep)
    notice = telegram.last_to(ANNA)
    assert "Прошло полчаса" in notice.text and "Поиск продолжается" in notice.text
    assert notice.button_texts() == ["➕ Добавить тему", "🗂 Темы на потом", "⏹ Остановить поиск"]
    clock.advance(dt.timedelta(hours=3))
    await db_call(matching_sweep)
    assert sum("Прошло полчаса" in text for text in telegram.texts_to(ANNA)) == 1  # once

    topics = await anna.tap("Добавить тему", on=notice)
    assert "Тревога" in " ".join(topics.button_texts())
    await anna.tap("Остановить поиск", on=notice)
    assert (await SearchRequest.objects.aget(member__tg_id=ANNA)).status == "cancelled"


async def test_nobody_waits_24_hours_in_silence(anna, telegram):
    await anna.command("find")
    for _ in range(48):  # the sweep every half hour for a day
        clock.advance(dt.timedelta(minutes=30))
        await db_call(matching_sweep)
    texts = telegram.texts_to(ANNA)
    assert sum("Прошло полчаса" in t for t in texts) == 1
    assert "За сутки подобрать собеседника не получилось" in texts[-1]
    assert (await SearchRequest.objects.aget(member__tg_id=ANNA)).status == "expired"
