"""The chat filters, automatic mute, crisis flags, moderator alerts and appeals, over the webhook."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from accounts.models import Member
from core import clock
from core.db import db_call
from moderation import sanctions, services, tasks
from moderation.models import AlertChat, Appeal, Report, SafetyFlag, Sanction
from tests import updates
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney
from tests.chats.factories import conversation
from tests.jobs import arun_jobs

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS, MODERATORS = 7600001, 7600002, -1007600000


@sync_to_async
def start_session():
    AlertChat.objects.create(chat_id=MODERATORS, title="Модераторы")
    anna = MemberFactory(tg_id=ANNA, pseudonym="Анна", timezone="Europe/Moscow")
    return conversation(anna, MemberFactory(tg_id=BORIS, pseudonym="Борис"))


def relayed(telegram) -> int:
    return len([c for c in telegram.calls_for(BORIS, "copyMessage") if c.ok])


async def test_a_toxic_message_is_held_and_the_sender_warned_kindly(webhook, telegram):
    await start_session()
    await webhook.text(ANNA, "ты просто дебил")
    assert relayed(telegram) == 0
    assert "не передано" in telegram.last_to(ANNA).text
    await webhook.text(ANNA, "прости, я сорвалась")
    assert relayed(telegram) == 1


async def test_three_toxic_messages_in_ten_minutes_mute_for_an_hour_with_reason_and_appeal(webhook, telegram):
    session = await start_session()
    for text in ("иди нахуй", "ты урод", "х*й тебе"):
        await webhook.text(ANNA, text)
    muted = telegram.last_to(ANNA)
    assert "писать в разговоре нельзя" in muted.text and "Обжаловать" in muted.button_texts()
    assert "бранью" in muted.text
    sanction = await Sanction.objects.aget()
    assert sanction.kind == "mute" and sanction.created_by_id is None
    flag = await SafetyFlag.objects.aget()
    assert flag.kind == "toxicity" and flag.session_id == session.pk and "нахуй" not in flag.details
    member = await Member.objects.aget(tg_id=ANNA)
    assert abs(member.muted_until - clock.now() - dt.timedelta(hours=1)) < dt.timedelta(seconds=30)
    # While muted even a kind message stays; the member is told until when.
    await webhook.text(ANNA, "извини")
    assert relayed(telegram) == 0 and "ограничение до" in telegram.last_to(ANNA).text
    clock.advance(dt.timedelta(hours=1, minutes=1))
    await webhook.text(ANNA, "извини, пожалуйста")
    assert relayed(telegram) == 1
    assert not any("нахуй" in t or "урод" in t for t in telegram.texts_to(BORIS))


async def test_moderators_are_paged_on_an_automatic_mute_once_per_member_per_hour(webhook, telegram):
    session = await start_session()
    for text in ("иди нахуй", "ты урод", "х*й тебе"):
        await webhook.text(ANNA, text)
    await arun_jobs()
    flag = await SafetyFlag.objects.aget()
    alerts = telegram.messages_to(MODERATORS)
    assert len(alerts) == 1 and "Автоматическое ограничение" in alerts[0].text
    assert "бранью" in alerts[0].text and f"/admin/moderation/safetyflag/{flag.pk}/change/" in alerts[0].text
    assert str(ANNA) not in alerts[0].text and "Анна" not in alerts[0].text and "нахуй" not in alerts[0].text
    # A second automatic mute of the same member within the hour is on record but pages nobody.
    anna = await Member.objects.aget(tg_id=ANNA)
    await db_call(sanctions.toxic_mute, member_id=anna.pk, session_id=session.pk, categories=["insult"])
    await arun_jobs()
    assert await Sanction.objects.acount() == 2 and len(telegram.messages_to(MODERATORS)) == 1
    # An hour later the next one pages again.
    clock.advance(dt.timedelta(hours=1, minutes=1))
    await db_call(sanctions.toxic_mute, member_id=anna.pk, session_id=session.pk, categories=["insult"])
    await arun_jobs()
    assert len(telegram.messages_to(MODERATORS)) == 2


async def test_an_appeal_is_one_message_that_moderators_receive_once(webhook, telegram):
    await start_session()
    for text in ("иди нахуй", "ты урод", "сука"):
        await webhook.text(ANNA, text)
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.tap("Обжаловать", on=telegram.last_to(ANNA))
    assert "одним сообщением" in telegram.last_to(ANNA).text
    await webhook.text(ANNA, "Я была на эмоциях, больше не повторится")
    assert "отправлено модераторам" in telegram.last_to(ANNA).text
    appeal = await Appeal.objects.aget()
    assert appeal.status == "pending" and "эмоциях" in appeal.text
    assert relayed(telegram) == 0  # the appeal text never reached the partner
    sanction = await Sanction.objects.aget()
    await webhook.send(updates.callback(ANNA, f"moderation:appeal:{sanction.pk}"))
    assert "уже обжаловали" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    await arun_jobs()
    assert "Обжалование" in telegram.last_to(MODERATORS).text


async def test_crisis_language_is_relayed_and_moderators_are_alerted_once(webhook, telegram):
    await start_session()
    await webhook.text(ANNA, "я больше не хочу жить")
    assert relayed(telegram) == 1  # never silence a person in crisis
    assert "Вы сейчас в безопасности?" in telegram.last_to(ANNA).text
    await webhook.text(ANNA, "хочу покончить с собой")
    flag = await SafetyFlag.objects.aget()
    assert flag.kind == "crisis" and flag.severity == SafetyFlag.Severity.HIGH
    assert "жить" not in flag.details
    await arun_jobs()
    await db_call(tasks.alert_moderators, "flag", flag.pk)  # a second run says nothing new
    alerts = telegram.messages_to(MODERATORS)
    assert len(alerts) == 1 and f"/admin/moderation/safetyflag/{flag.pk}/change/" in alerts[0].text
    assert str(ANNA) not in alerts[0].text and "Анна" not in alerts[0].text


async def test_an_idiom_is_neither_held_nor_flagged(webhook, telegram):
    await start_session()
    await webhook.text(ANNA, "умираю со смеху, убила весь вечер на этот сериал")
    assert relayed(telegram) == 1
    assert await SafetyFlag.objects.acount() == 0


async def test_a_danger_report_reaches_the_moderators_chat(webhook, telegram):
    await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("report")
    await anna.tap("Опасность")
    await arun_jobs()
    report = await Report.objects.aget()
    assert report.alerted_at is not None
    assert f"/admin/moderation/report/{report.pk}/change/" in telegram.last_to(MODERATORS).text


def test_evidence_is_purged_after_90_days(db):
    anna, boris = MemberFactory(), MemberFactory()
    report = Report.objects.create(
        reporter=anna, reported=boris, reason="abuse", evidence_text="…", evidence_kind="text",
        evidence_purge_at=clock.now() + services.EVIDENCE_KEEP,
    )  # fmt: skip
    clock.advance(dt.timedelta(days=89))
    assert tasks.evidence_purge() == 0
    clock.advance(dt.timedelta(days=2))
    assert tasks.evidence_purge() == 1
    report.refresh_from_db()
    assert report.evidence_text == "" and report.reason == "abuse"


async def test_a_report_replying_to_a_message_attaches_it_and_takes_a_comment(webhook, telegram):
    await start_session()
    report = updates.command(ANNA, "report")
    message = report["message"]
    message["reply_to_message"] = {
        "message_id": 77,
        "date": message["date"],
        "chat": message["chat"],
        "from": {"id": 123456, "is_bot": True, "first_name": "Ты не один"},
        "text": "никому ты не нужна",
    }
    await webhook.send(report)
    assert "приложу к жалобе" in telegram.last_to(ANNA).text
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.tap("Оскорбления")
    saved = telegram.last_to(ANNA)
    assert "вместе с приложенным сообщением" in saved.text
    await anna.tap("Добавить комментарий", on=saved)
    await webhook.text(ANNA, "Он уже третий раз так пишет")
    assert "Комментарий добавлен" in telegram.last_to(ANNA).text
    stored = await Report.objects.aget()
    assert stored.evidence_text == "никому ты не нужна" and stored.evidence_kind == "text"
    assert stored.comment == "Он уже третий раз так пишет"
    assert stored.evidence_purge_at - clock.now() > dt.timedelta(days=89)
    assert relayed(telegram) == 0  # neither the report nor the comment reached the partner
