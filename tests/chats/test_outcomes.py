"""Did it help? «Как вы сейчас?» before and after a conversation, and a starter for a silent pair,
walked through the real webhook as two members would."""

import datetime as dt
import html

import pytest
from asgiref.sync import sync_to_async

from chats.models import ChatSession, MoodCheck
from chats.outcomes import _starters
from chats.tasks import sessions_sweep
from core import clock
from core.db import db_call
from matching.models import ExperimentAssignment
from matching.tasks import matching_round
from tests import updates
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7300001, 7300002
MOOD_WORDS = ["😣 Очень тяжело", "😔 Скорее плохо", "😐 Так себе", "🙂 Скорее хорошо", "😊 Хорошо"]


async def talking(webhook, telegram, *, topics=("burnout", "anxiety"), expectations=("vent",), arm=""):
    """Anna and Boris find each other through /find and both accept: a conversation starts."""
    for tg_id, name in ((ANNA, "Анна"), (BORIS, "Борис")):
        member = await sync_to_async(MemberFactory)(
            tg_id=tg_id, pseudonym=name, topics=list(topics), expectations=list(expectations)
        )
        if arm:
            await ExperimentAssignment.objects.acreate(member=member, arm=arm)
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    await anna.command("find")
    await boris.command("find")
    await db_call(matching_round)
    await anna.tap("Принять")
    await boris.tap("Принять")
    return anna, boris


def toast(telegram) -> str:
    return telegram.calls_for(None, "answerCallbackQuery")[-1].params.get("text", "")


def mood_question(telegram, tg_id):
    return next(c for c in reversed(telegram.messages_to(tg_id)) if "как вы сейчас" in c.text.lower())


async def test_a_conversation_starts_and_ends_with_one_tap_how_are_you_in_words(webhook, telegram):
    anna, boris = await talking(webhook, telegram)
    for tg_id in (ANNA, BORIS):
        intro, rules, question = telegram.messages_to(tg_id)[-3:]
        assert "на связи с" in intro.text and "Коротко о правилах" in rules.text
        assert "Как вы сейчас?" in question.text and "собеседник его не узнает" in question.text
        assert question.button_texts() == MOOD_WORDS  # words, not bare digits

    await anna.tap("Скорее плохо", on=mood_question(telegram, ANNA))
    edited = telegram.last_to(ANNA, "editMessageText")
    assert "Скорее плохо" in edited.text and "Спасибо" in edited.text
    assert edited.buttons() == []  # the choice replaced the buttons
    # A second tap on an old copy of the buttons changes nothing and is answered politely.
    await anna.tap("Хорошо", on=mood_question(telegram, ANNA))
    assert "уже сохранён" in toast(telegram)

    await anna.command("end")
    await anna.tap("Да, завершить")
    for tg_id in (ANNA, BORIS):
        before_goodbye, ended = telegram.messages_to(tg_id)[-2:]
        assert "Перед тем как попрощаться: как вы сейчас?" in before_goodbye.text
        assert before_goodbye.button_texts() == MOOD_WORDS
        assert "заверш" in ended.text.lower()
        assert "Оцените от 1 до 5" in ended.text
    await anna.tap("Скорее хорошо", on=mood_question(telegram, ANNA))
    assert "после разговора" in telegram.last_to(ANNA, "editMessageText").text
    # The «before» buttons of a conversation that has ended are stale now, and say so kindly.
    stale_tap = updates.callback(BORIS, f"chats:mood:{(await ChatSession.objects.aget()).pk}:b3")
    await webhook.send(stale_tap)
    assert "неактуален" in toast(telegram)

    moods = {(m.phase, m.score) async for m in MoodCheck.objects.all()}
    assert moods == {("before", 2), ("after", 4)}


async def test_erasing_a_profile_erases_the_how_are_you_answers(webhook, telegram):
    anna, _ = await talking(webhook, telegram)
    await anna.tap("Так себе", on=mood_question(telegram, ANNA))
    assert await MoodCheck.objects.acount() == 1
    await anna.command("delete")
    await anna.tap("Да, удалить")
    await anna.tap("Удалить навсегда")
    assert "Профиль удалён" in telegram.last_to(ANNA).text
    assert await MoodCheck.objects.acount() == 0


async def test_a_silent_pair_gets_one_starter_each_from_their_shared_topics_after_3_minutes(
    webhook, telegram
):
    anna, boris = await talking(
        webhook, telegram, topics=("relocation", "loneliness"), expectations=("vent",)
    )
    clock.advance(dt.timedelta(minutes=2))
    await db_call(sessions_sweep)
    assert not any("Начать первым" in text for text in telegram.texts_to(ANNA))

    clock.advance(dt.timedelta(minutes=1, seconds=5))
    await db_call(sessions_sweep)
    starters = {tg: telegram.last_to(tg).text for tg in (ANNA, BORIS)}
    for text in starters.values():
        assert "Начать первым бывает непросто" in text
        assert "Собеседнику сейчас важно: выговориться" in text
    assert starters[ANNA] != starters[BORIS]  # never the same opening line for both
    # Each opening line is one of theirs: their shared topics' and what both came for (to vent).
    theirs = await sync_to_async(_starters)(topic_slugs=["loneliness", "relocation"], expectations=["vent"])
    generic = await sync_to_async(_starters)(topic_slugs=[], expectations=[])
    for text in starters.values():
        line = next(line for line in theirs + generic if html.unescape(line) in html.unescape(text))
        assert line in theirs and line not in generic

    clock.advance(dt.timedelta(minutes=5))
    await db_call(sessions_sweep)
    assert sum("Начать первым" in text for text in telegram.texts_to(ANNA)) == 1  # once

    await webhook.text(BORIS, "Привет! Я переехал полгода назад")
    session = await ChatSession.objects.aget()
    assert session.starter_sent_at is not None and session.first_message_at > session.starter_sent_at


async def test_a_pair_that_writes_within_3_minutes_gets_no_starter(webhook, telegram):
    await talking(webhook, telegram, topics=("pet-loss", "grief"))
    await webhook.text(ANNA, "Привет")
    clock.advance(dt.timedelta(minutes=4))
    await db_call(sessions_sweep)
    assert not any("Начать первым" in text for text in telegram.texts_to(BORIS))
    assert (await ChatSession.objects.aget()).starter_sent_at is None


def test_topics_without_starters_of_their_own_fall_back_to_generic_ones():
    generic = _starters(topic_slugs=["topic-added-in-admin"], expectations=[])
    assert len(generic) >= 3 and all(line.startswith("Привет") for line in generic)
    assert len(_starters(topic_slugs=["burnout"], expectations=[])) >= 3  # several per topic
