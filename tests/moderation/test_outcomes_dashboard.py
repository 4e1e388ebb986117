"""The dashboard's «Помогает ли разговор» shows the numbers members made through the bot."""

import datetime as dt
import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.urls import reverse

from accounts.tasks import loneliness_offer
from chats.models import ChatSession
from chats.tasks import sessions_sweep
from core import clock
from core.db import db_call
from tests.accounts.journeys import MemberJourney
from tests.chats.test_outcomes import ANNA, BORIS, mood_question, talking

pytestmark = pytest.mark.django_db(transaction=True)

LENA = 7600001


def row(page: str, title: str) -> list[str]:
    """The cells of the table row whose first cell holds `title`."""
    match = re.search(rf"<tr><td>(?:<b>)?{re.escape(title)}(?:</b>)?</td>(.*?)</tr>", page, re.S)
    assert match, f"no row {title!r}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)
    ]


async def answer_loneliness(lena, telegram, answers):
    await db_call(loneliness_offer)
    await lena.tap("Ответить", on=telegram.last_to(LENA))
    for label in answers:
        await lena.tap(label, on=lena.last_edit())


async def test_the_dashboard_shows_better_after_chats_silent_starts_and_loneliness_cohorts(webhook, telegram):
    started = clock.now()
    # Lena joins and answers the loneliness check (8 of 9), then again on day 30 (5 of 9).
    lena = MemberJourney(webhook, telegram, LENA)
    await lena.onboard(pseudonym="Лена")
    await answer_loneliness(lena, telegram, ["Часто", "Иногда", "Часто"])
    clock.advance(dt.timedelta(days=30, hours=2))
    await lena.command("start")
    await answer_loneliness(lena, telegram, ["Иногда", "Почти никогда", "Иногда"])

    # Anna and Boris start talking, stay silent 3 minutes, get a starter and then talk.
    anna, boris = await talking(webhook, telegram, arm="soft")
    await anna.tap("Скорее плохо", on=mood_question(telegram, ANNA))
    await boris.tap("Так себе", on=mood_question(telegram, BORIS))
    clock.advance(dt.timedelta(minutes=3, seconds=30))
    await db_call(sessions_sweep)
    await webhook.text(BORIS, "Привет! Как вы?")
    await anna.command("end")
    await anna.tap("Да, завершить")
    await anna.tap("Скорее хорошо", on=mood_question(telegram, ANNA))
    await boris.tap("Так себе", on=mood_question(telegram, BORIS))
    assert (await ChatSession.objects.select_related("match").aget()).match.arm == "soft"

    user = await sync_to_async(User.objects.create_superuser)("analyst", "a@example.com", "pw")
    await webhook.client.aforce_login(user)
    period = {"from": started.date().isoformat(), "to": clock.now().date().isoformat()}
    page = (await webhook.client.get(reverse("kpi-dashboard"), period)).content.decode()

    assert "Помогает ли разговор" in page
    # answered before and after, better, same, worse, share: Anna 2 → 4, Boris 3 → 3.
    assert row(page, "Все разговоры") == ["2", "1", "1", "0", "50,0 %"]
    assert row(page, "Вариант «мягкий»") == ["2", "1", "1", "0", "50,0 %"]
    assert row(page, "Вариант «строгий»") == ["0", "0", "0", "0", "нет данных"]
    assert row(page, "Тема: Выгорание") == ["2", "1", "1", "0", "50,0 %"]
    assert row(page, "Тема: Тревога") == ["2", "1", "1", "0", "50,0 %"]
    # sessions, silent 3 minutes, began after the starter, share.
    assert row(page, "Всего") == ["1", "1", "1", "100,0 %"]
    # Lena's cohort: day 0 score 8 (1 answer), day 30 score 5 and still active.
    cohort = row(page, started.strftime("%m.%Y"))
    assert cohort[:5] == ["1", "8,0 (1)", "100,0 %", "5,0 (1)", "100,0 %"]
    assert "loneliness-chart" in page and "<polyline" in page
