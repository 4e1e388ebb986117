"""Report, comment and block buttons as a member meets them after use, and /block after a chat ended."""

import datetime as dt

import pytest

from chats.models import ChatSession
from core import clock
from moderation.models import Block, Report
from tests import updates
from tests.moderation.test_report_block import ANNA, BORIS, start_session
from tests.taps import keyboard_gone, tap, toasts

pytestmark = pytest.mark.django_db(transaction=True)


async def report(webhook, telegram, reason: str = "Спам"):
    await webhook.command(ANNA, "report")
    reasons = telegram.last_to(ANNA)
    await tap(webhook, ANNA, reasons, reason)
    return reasons, telegram.last_to(ANNA)


async def test_report_reasons_go_once_one_is_chosen_and_a_second_tap_files_nothing(webhook, telegram):
    await start_session()
    reasons, saved = await report(webhook, telegram)
    assert "Модераторы посмотрят" in saved.text
    assert keyboard_gone(telegram, ANNA, reasons.result["message_id"])
    clock.advance(dt.timedelta(minutes=2))
    await tap(webhook, ANNA, reasons, "Другое")
    assert "уже пожаловались" in toasts(telegram)[-1]
    assert await Report.objects.acount() == 1


async def test_no_comment_says_in_the_chat_that_the_report_was_filed_without_one(webhook, telegram):
    await start_session()
    _, saved = await report(webhook, telegram)
    assert {"Добавить комментарий", "Без комментария"} == set(saved.button_texts())
    await tap(webhook, ANNA, saved, "Без комментария")
    assert "без комментария" in telegram.last_to(ANNA).text
    assert keyboard_gone(telegram, ANNA, saved.result["message_id"])
    # The last thing in the chat is the confirmation, not an invitation to comment.
    assert "Можно добавить" not in telegram.last_to(ANNA).text
    assert (await Report.objects.aget()).comment == ""


async def test_add_comment_removes_both_comment_buttons(webhook, telegram):
    await start_session()
    _, saved = await report(webhook, telegram)
    await tap(webhook, ANNA, saved, "Добавить комментарий")
    assert "Напишите комментарий" in telegram.last_to(ANNA).text
    assert keyboard_gone(telegram, ANNA, saved.result["message_id"])
    await webhook.text(ANNA, "Присылал ссылки на казино")
    assert (await Report.objects.aget()).comment == "Присылал ссылки на казино"


async def test_block_during_a_chat_says_it_ended_the_chat(webhook, telegram):
    await start_session()
    await webhook.command(ANNA, "block")
    answer = telegram.last_to(ANNA).text
    assert "заблокирован" in answer and "разговор завершён" in answer


async def test_block_after_the_chat_already_ended_does_not_say_it_just_ended(webhook, telegram):
    session = await start_session()
    await webhook.command(ANNA, "end")
    await tap(webhook, ANNA, telegram.last_to(ANNA), "Да, завершить")
    to_boris = len(telegram.messages_to(BORIS))
    clock.advance(dt.timedelta(hours=2))

    await webhook.command(ANNA, "block")
    answer = telegram.last_to(ANNA).text
    assert "заблокирован" in answer
    assert "разговор завершён" not in answer and "уже был завершён" in answer
    assert len(telegram.messages_to(BORIS)) == to_boris  # nothing reaches the partner
    assert await Block.objects.filter(session_id=session.pk).aexists()
    assert (await ChatSession.objects.aget(pk=session.pk)).end_reason != "blocked"


async def test_block_confirmation_is_answered_once(webhook, telegram):
    session = await start_session()
    await webhook.send(updates.callback(ANNA, f"moderation:blockask:{session.pk}"))
    confirm = telegram.last_to(ANNA)
    await tap(webhook, ANNA, confirm, "Да, заблокировать")
    assert keyboard_gone(telegram, ANNA, confirm.result["message_id"])
    assert await Block.objects.acount() == 1
