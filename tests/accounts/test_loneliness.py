"""The opt-in loneliness check: offered at joining and on day 30, 60, 90, answered by taps."""

import datetime as dt

import pytest

from accounts.models import LonelinessCheck
from accounts.tasks import loneliness_offer
from core import clock
from core.db import db_call
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

LENA = 7400001
OFFER_BUTTONS = ["Ответить (3 вопроса)", "Пропустить", "Больше не спрашивать"]


async def offer_round():
    return await db_call(loneliness_offer)


def offers(telegram) -> list:
    return [c for c in telegram.messages_to(LENA) if c.button_texts() == OFFER_BUTTONS]


def toast(telegram) -> str:
    return telegram.calls_for(None, "answerCallbackQuery")[-1].params.get("text", "")


@pytest.fixture
async def lena(webhook, telegram):
    journey = MemberJourney(webhook, telegram, LENA)
    await journey.onboard()
    return journey


async def test_a_new_member_answers_three_questions_in_one_message_and_is_not_asked_twice(lena, telegram):
    await offer_round()
    offer = telegram.last_to(LENA)
    assert offer.button_texts() == OFFER_BUTTONS
    assert "три коротких вопроса" in offer.text and "через 30, 60 и 90 дней" in offer.text

    await lena.tap("Ответить", on=offer)
    first = lena.last_edit()
    assert "Вопрос 1 из 3" in first.text and "не хватает общения" in first.text
    assert first.button_texts() == ["Почти никогда", "Иногда", "Часто", "Пропустить"]
    await lena.tap("Часто", on=first)
    assert "Вопрос 2 из 3" in lena.last_edit().text
    # A double tap on the first question's old buttons changes nothing and shows where we are.
    await lena.tap("Почти никогда", on=first)
    assert "уже сохранён" in toast(telegram) and "Вопрос 2 из 3" in lena.last_edit().text
    await lena.tap("Иногда", on=lena.last_edit())
    third = lena.last_edit()
    assert "Вопрос 3 из 3" in third.text and "изоляцию" in third.text
    await lena.tap("Часто", on=third)
    assert "ответы сохранены" in lena.last_edit().text and lena.last_edit().buttons() == []

    check = await LonelinessCheck.objects.aget()
    assert (check.wave, check.companionship, check.left_out, check.isolated, check.score) == (0, 3, 2, 3, 8)
    await offer_round()
    clock.advance(dt.timedelta(days=10))
    await offer_round()
    assert len(offers(telegram)) == 1  # one offer per wave


async def test_day_30_60_and_90_are_offered_skippable_and_never_again_after_saying_so(lena, telegram):
    await offer_round()
    await lena.tap("Пропустить", on=offers(telegram)[-1])
    assert "пропустим" in lena.last_edit().text
    clock.advance(dt.timedelta(days=30, hours=1))
    await offer_round()
    assert "уже 30 дней" in offers(telegram)[-1].text
    await lena.tap("Ответить", on=offers(telegram)[-1])
    await lena.tap("Пропустить", on=lena.last_edit())  # skipped half-way: nothing half-answered kept
    clock.advance(dt.timedelta(days=30))
    await offer_round()
    assert "уже 60 дней" in offers(telegram)[-1].text
    await lena.tap("Больше не спрашивать", on=offers(telegram)[-1])
    assert "больше не будем спрашивать" in lena.last_edit().text
    clock.advance(dt.timedelta(days=30))
    await offer_round()
    assert len(offers(telegram)) == 3
    assert await LonelinessCheck.objects.filter(score__isnull=False).acount() == 0
    assert await LonelinessCheck.objects.filter(companionship__isnull=False).acount() == 0


async def test_never_more_than_once_a_week(lena, telegram):
    clock.advance(dt.timedelta(days=28))
    await offer_round()
    assert "Можно вопрос" in offers(telegram)[-1].text  # the joining wave, late
    clock.advance(dt.timedelta(days=3))  # day 31: the day-30 wave is due, but the last offer was 3 days ago
    await offer_round()
    assert len(offers(telegram)) == 1
    clock.advance(dt.timedelta(days=5))
    await offer_round()
    assert len(offers(telegram)) == 2 and "уже 30 дней" in offers(telegram)[-1].text


async def test_a_stale_tap_is_answered_politely_and_erasure_removes_the_answers(lena, telegram, webhook):
    await offer_round()
    await lena.tap("Ответить", on=offers(telegram)[-1])
    await lena.tap("Иногда", on=lena.last_edit())
    await webhook.tap(LENA, "accounts:lonely:999999:go")
    assert "неактуален" in telegram.last_to(LENA, "editMessageText").text
    assert await LonelinessCheck.objects.acount() == 1
    await lena.command("delete")
    await lena.tap("Да, удалить")
    await lena.tap("Удалить навсегда")
    assert await LonelinessCheck.objects.acount() == 0
