"""A button does its job once: after the choice its keyboard goes, and a stale tap is answered politely."""

import pytest

from chats.models import ChatSession, Rating
from matching.models import SearchRequest
from tests.accounts.journeys import MemberJourney
from tests.chats.test_relay import ANNA, BORIS, start_session
from tests.matching.test_matching import make, run_round
from tests.taps import keyboard_gone, tap, toasts

pytestmark = pytest.mark.django_db(transaction=True)


async def test_stop_search_tapped_during_the_chat_is_answered_and_disappears(webhook, telegram):
    await make(ANNA, pseudonym="Анна")
    await make(BORIS, pseudonym="Борис")
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    searching = await anna.command("find")
    await boris.command("find")
    await run_round()
    await anna.tap("Принять")
    await boris.tap("Принять")
    assert await ChatSession.objects.filter(status="active").aexists()
    sent_before = len(telegram.messages_to(ANNA))

    await tap(webhook, ANNA, searching, "Остановить")
    assert "Поиск уже не идёт" in toasts(telegram)[-1]
    assert keyboard_gone(telegram, ANNA, searching.result["message_id"])
    assert len(telegram.messages_to(ANNA)) == sent_before  # nothing new lands in the chat
    assert await ChatSession.objects.filter(status="active").aexists()


async def test_stop_search_that_worked_takes_its_button_away(webhook, telegram):
    await make(ANNA, pseudonym="Анна")
    anna = MemberJourney(webhook, telegram, ANNA)
    searching = await anna.command("find")
    await tap(webhook, ANNA, searching, "Остановить")
    assert "остановлен" in anna.last.text
    assert keyboard_gone(telegram, ANNA, searching.result["message_id"])
    assert not await SearchRequest.objects.filter(status="waiting").aexists()


async def test_end_confirmation_buttons_go_after_ending_and_a_late_tap_is_stale(webhook, telegram):
    session = await start_session()
    await webhook.command(ANNA, "end")
    confirm = telegram.last_to(ANNA)
    await tap(webhook, ANNA, confirm, "Да, завершить")
    assert (await ChatSession.objects.aget(pk=session.pk)).status == ChatSession.Status.ENDED
    assert keyboard_gone(telegram, ANNA, confirm.result["message_id"])

    await tap(webhook, ANNA, confirm, "Нет, продолжим")
    assert "неактуальна" in toasts(telegram)[-1]
    assert "продолжаем" not in " ".join(c.text for c in telegram.calls_for(ANNA, "editMessageText"))


async def test_keep_talking_replaces_the_question_with_its_answer(webhook, telegram):
    await start_session()
    await webhook.command(ANNA, "end")
    confirm = telegram.last_to(ANNA)
    await tap(webhook, ANNA, confirm, "Нет, продолжим")
    answer = telegram.last_to(ANNA, "editMessageText")
    assert "продолжаем" in answer.text and answer.buttons() == []
    assert int(answer.params["message_id"]) == confirm.result["message_id"]


async def test_dont_send_removes_the_contact_guard_and_send_anyway_no_longer_works(webhook, telegram):
    await start_session()
    await webhook.text(ANNA, "мой номер 89991234567")
    guard = telegram.last_to(ANNA)
    await tap(webhook, ANNA, guard, "Не отправлять")
    dropped = telegram.last_to(ANNA, "editMessageText")
    assert "не отправляю" in dropped.text and dropped.buttons() == []

    await tap(webhook, ANNA, guard, "Всё равно")  # an old copy of the keyboard
    assert "неактуальна" in toasts(telegram)[-1]
    assert telegram.calls_for(BORIS, "copyMessage") == []


async def test_rating_stars_go_once_rated_and_a_second_tap_changes_nothing(webhook, telegram):
    session = await start_session()
    await webhook.command(ANNA, "end")
    await tap(webhook, ANNA, telegram.last_to(ANNA), "Да, завершить")
    rate = next(c for c in reversed(telegram.messages_to(ANNA)) if "4" in c.button_texts())
    await tap(webhook, ANNA, rate, "4")
    assert keyboard_gone(telegram, ANNA, rate.result["message_id"])
    assert any("Оценки помогают" in text for text in telegram.texts_to(ANNA))

    await tap(webhook, ANNA, rate, "1")
    assert "уже оценили" in toasts(telegram)[-1]
    assert (await Rating.objects.aget(session=session)).score == 4
