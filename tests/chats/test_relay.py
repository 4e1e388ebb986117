import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.db import connection

from accounts.models import Member, Preferences
from chats import services
from chats.models import ChatSession, Rating
from core import clock
from core import hooks as core_hooks
from core.db import db_call
from matching.models import Match
from tests import updates
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7200001, 7200002


@sync_to_async
def start_session(**kw):
    anna = MemberFactory(tg_id=ANNA, pseudonym="Анна")
    boris = MemberFactory(tg_id=BORIS, pseudonym="Борис")
    match = Match.objects.create(member_a=anna, member_b=boris)
    return ChatSession.objects.create(
        match=match, member_a=anna, member_b=boris, ends_at=clock.now() + dt.timedelta(hours=24), **kw
    )


@pytest.fixture
async def session(webhook, telegram):
    return await start_session()


async def test_every_message_kind_but_voice_reaches_the_partner_as_an_anonymous_copy(
    session, webhook, telegram
):
    await webhook.text(ANNA, "Привет, мне тоже было тяжело после переезда")
    for kind in ("photo", "video", "sticker", "animation", "document", "audio", "poll"):
        await webhook.send(updates.media(ANNA, kind, caption="подпись" if kind == "photo" else None))
    copies = telegram.calls_for(BORIS, "copyMessage")
    assert len(copies) == 8
    assert all(int(c.params["from_chat_id"]) == ANNA for c in copies)
    fresh = await ChatSession.objects.aget(pk=session.pk)
    assert fresh.messages_a == 8 and fresh.media_a == 7 and fresh.messages_b == 0
    assert fresh.first_message_at is not None


async def test_a_copy_the_partner_got_is_counted_even_when_a_later_step_fails(
    session, webhook, telegram, monkeypatch
):
    async def broken(event):
        raise RuntimeError("a bug after the copy was sent")

    monkeypatch.setattr(core_hooks, "after_relay", [*core_hooks.after_relay, broken])
    await webhook.text(ANNA, "Привет")
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 1
    fresh = await ChatSession.objects.aget(pk=session.pk)
    assert fresh.messages_a == 1 and fresh.last_message_at is not None


async def test_an_answer_the_bot_asked_for_mid_chat_is_taken_not_relayed(session, webhook, telegram):
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("profile")
    await anna.tap("Псевдоним")
    await anna.say("Северный ветер")
    assert (await Member.objects.aget(tg_id=ANNA)).pseudonym == "Северный ветер"
    assert telegram.calls_for(BORIS, "copyMessage") == []
    await anna.say("А теперь тебе")
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 1


async def test_voice_and_video_notes_are_refused_kindly_and_never_reach_the_partner(
    session, webhook, telegram
):
    for kind in ("voice", "video_note"):
        await webhook.send(updates.media(ANNA, kind))
        refusal = telegram.last_to(ANNA).text
        assert "Голосовые и видеосообщения" in refusal and "не дошло" in refusal
        assert "фото, документы и стикеры" in refusal
    assert telegram.calls_for(BORIS, "copyMessage") == []
    assert telegram.messages_to(BORIS) == []
    assert (await ChatSession.objects.aget(pk=session.pk)).messages_a == 0
    # Photos, documents and stickers still go through.
    for kind in ("photo", "document", "sticker"):
        await webhook.send(updates.media(ANNA, kind))
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 3


async def test_the_rules_say_voice_messages_are_not_relayed(webhook, telegram):
    answer = await MemberJourney(webhook, telegram, 7200009).command("start")
    assert "Голосовые и видеосообщения" in answer.text


async def test_album_parts_are_each_copied(session, webhook, telegram):
    for _ in range(3):
        await webhook.send(updates.media(ANNA, "photo", media_group_id="album1"))
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 3


async def test_contacts_and_locations_are_not_relayed_and_the_sender_is_told(session, webhook, telegram):
    for kind in ("contact", "location", "venue"):
        await webhook.send(updates.media(ANNA, kind))
    assert telegram.calls_for(BORIS, "copyMessage") == []
    assert "не пересылаю" in telegram.last_to(ANNA).text


async def test_an_edit_edits_the_partners_copy(session, webhook, telegram):
    original = updates.message(ANNA, "Я устал")
    await webhook.send(original)
    copy_id = telegram.calls_for(BORIS, "copyMessage")[-1].result["message_id"]
    await webhook.send(updates.edited_message(ANNA, original["message"]["message_id"], "Я очень устал"))
    edit = telegram.calls_for(BORIS, "editMessageText")[-1]
    assert edit.params["text"] == "Я очень устал"
    assert int(edit.params["message_id"]) == copy_id


async def test_a_reply_keeps_the_thread_on_the_partners_side(session, webhook, telegram):
    first = updates.message(ANNA, "Как ты справляешься?")
    await webhook.send(first)
    # Boris replies to the copy he received; Anna must see the reply attached to her original.
    boris_copy_id = telegram.calls_for(BORIS, "copyMessage")[-1].result["message_id"]
    await webhook.send(updates.message(BORIS, "Потихоньку", reply_to=boris_copy_id))
    reply_copy = telegram.calls_for(ANNA, "copyMessage")[-1]
    assert reply_copy.params["reply_parameters"]["message_id"] == first["message"]["message_id"]


@pytest.mark.parametrize(
    "text", ["мой номер +7 999 123-45-67", "пиши на anna@mail.ru", "я в тг @anna_k", "vk.com/anna"]
)
async def test_contact_details_are_held_until_the_sender_confirms(session, webhook, telegram, text):
    sent = updates.message(ANNA, text)
    await webhook.send(sent)
    assert telegram.calls_for(BORIS, "copyMessage") == []
    warning = telegram.last_to(ANNA)
    assert "анонимность" in warning.text
    await webhook.send(updates.callback(ANNA, warning.callback_data("Всё равно")))
    copy = telegram.calls_for(BORIS, "copyMessage")[-1]
    assert int(copy.params["message_id"]) == sent["message"]["message_id"]


async def test_held_message_can_be_cancelled(session, webhook, telegram):
    await webhook.send(updates.message(ANNA, "мой номер 89991234567"))
    await webhook.send(updates.callback(ANNA, telegram.last_to(ANNA).callback_data("Не отправлять")))
    assert telegram.calls_for(BORIS, "copyMessage") == []
    assert "не отправляю" in telegram.last_to(ANNA, "editMessageText").text


async def test_more_than_15_messages_a_minute_get_a_polite_notice(session, webhook, telegram):
    for n in range(16):
        await webhook.text(ANNA, f"сообщение {n}")
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 15
    assert "не передано" in telegram.last_to(ANNA).text


async def test_talking_marks_the_member_seen_once_a_minute_and_reachable_again(session, webhook, telegram):
    with clock.freeze():
        await Member.objects.filter(tg_id=ANNA).aupdate(
            last_seen_at=clock.now(), unreachable_since=clock.now()
        )
        await webhook.text(ANNA, "Я снова здесь")  # a member who writes has unblocked the bot
        anna = await Member.objects.aget(tg_id=ANNA)
        assert anna.unreachable_since is None and anna.last_seen_at == clock.now()
        clock.advance(dt.timedelta(seconds=50))
        await webhook.text(ANNA, "Ещё одно")
        assert (await Member.objects.aget(tg_id=ANNA)).last_seen_at == anna.last_seen_at
        clock.advance(dt.timedelta(seconds=20))
        await webhook.text(ANNA, "И ещё")
        assert (await Member.objects.aget(tg_id=ANNA)).last_seen_at == clock.now()
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 3


async def test_a_partner_who_blocked_the_bot_ends_the_session_kindly(session, webhook, telegram):
    telegram.fail_next(BORIS, "forbidden", method="copyMessage")
    await webhook.text(ANNA, "Ты здесь?")
    assert "больше не открыт" in telegram.last_to(ANNA).text
    fresh = await ChatSession.objects.aget(pk=session.pk)
    assert fresh.status == "ended" and fresh.end_reason == "unreachable"


async def test_end_asks_to_confirm_then_both_are_told_and_asked_for_a_rating(session, webhook, telegram):
    anna = MemberJourney(webhook, telegram, ANNA)
    confirm = await anna.command("end")
    assert "Завершить разговор?" in confirm.text
    await anna.tap("Да, завершить")
    assert "Вы завершили разговор" in telegram.last_to(ANNA).text
    assert "Разговор завершён собеседником" in telegram.last_to(BORIS).text
    await webhook.send(updates.callback(BORIS, telegram.last_to(BORIS).callback_data("5")))
    await webhook.send(updates.callback(BORIS, f"chats:rate:{session.pk}:1"))  # a second tap changes nothing
    assert await Rating.objects.acount() == 1
    anna_member = await Member.objects.aget(tg_id=ANNA)
    assert anna_member.ratings_count == 1 and anna_member.helpfulness > 0.5


async def test_a_message_after_the_end_is_not_relayed(session, webhook, telegram):
    await sync_to_async(services.session_end)(member_id=session.member_a_id)
    await webhook.text(BORIS, "Ты ещё здесь?")
    assert telegram.calls_for(ANNA, "copyMessage") == []
    assert "/find" in telegram.last_to(BORIS).text


async def test_an_overdue_session_ends_at_the_next_message(session, webhook, telegram):
    clock.advance(dt.timedelta(hours=25))
    await webhook.text(ANNA, "Привет?")
    assert telegram.calls_for(BORIS, "copyMessage") == []
    assert "Время разговора закончилось" in telegram.last_to(BORIS).text


async def test_the_sweep_ends_idle_and_overdue_sessions(session, telegram):
    from chats.tasks import sessions_sweep

    clock.advance(dt.timedelta(hours=49))

    await db_call(sessions_sweep)
    fresh = await ChatSession.objects.aget(pk=session.pk)
    assert fresh.status == "ended"


async def test_protect_content_is_applied_when_either_member_wants_it(session, webhook, telegram):
    await Preferences.objects.filter(member__tg_id=BORIS).aupdate(protect_content=True)
    await webhook.text(ANNA, "секрет")
    assert telegram.calls_for(BORIS, "copyMessage")[-1].params["protect_content"] is True


def _tables_with(value: str) -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or model._meta.db_table not in tables:
                continue
            for field in model._meta.concrete_fields:
                cursor.execute(
                    f'SELECT count(*) FROM "{model._meta.db_table}" WHERE CAST("{field.column}" AS text) LIKE %s',
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{model._meta.db_table}.{field.column}")
    return hits


async def test_no_table_holds_message_text(session, webhook, telegram):
    await webhook.text(ANNA, "уникальный-маркер-текста-42")
    await webhook.send(updates.media(ANNA, "photo", caption="уникальная-подпись-43"))
    await webhook.send(updates.message(ANNA, "контакт-маркер-44 +7 999 000 11 22"))
    assert await sync_to_async(_tables_with)("маркер") == []
    assert await sync_to_async(_tables_with)("подпись-43") == []


async def test_both_are_warned_an_hour_before_the_end_and_can_extend_together(session, webhook, telegram):

    from chats.tasks import sessions_sweep

    await webhook.text(ANNA, "привет")
    clock.advance(dt.timedelta(hours=23, minutes=10))
    await db_call(sessions_sweep)
    warning = telegram.last_to(BORIS)
    assert "Через час разговор закончится" in warning.text
    await webhook.send(updates.callback(ANNA, telegram.last_to(ANNA).callback_data("Продлить")))
    assert "Если собеседник тоже" in telegram.last_to(ANNA).text
    await webhook.send(updates.callback(BORIS, warning.callback_data("Продлить")))
    assert "продлён" in telegram.last_to(BORIS).text
    clock.advance(dt.timedelta(hours=2))
    await webhook.text(ANNA, "мы всё ещё здесь")
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 2


async def test_a_session_cannot_be_extended_beyond_72_hours(session, webhook, telegram):
    from chats import services as chat_services

    @sync_to_async
    def extend_twice_more():
        for _ in range(3):
            chat_services.session_extend_vote(session_id=session.pk, member_id=session.member_a_id)
            chat_services.session_extend_vote(session_id=session.pk, member_id=session.member_b_id)
        return ChatSession.objects.get(pk=session.pk)

    fresh = await extend_twice_more()
    assert fresh.ends_at - fresh.started_at <= dt.timedelta(hours=72)


async def test_without_extension_the_session_ends_at_the_deadline(session, webhook, telegram):

    from chats.tasks import sessions_sweep

    await webhook.text(ANNA, "привет")
    clock.advance(dt.timedelta(hours=23, minutes=30))
    await db_call(sessions_sweep)
    clock.advance(dt.timedelta(hours=1))
    await db_call(sessions_sweep)
    assert (await ChatSession.objects.aget(pk=session.pk)).end_reason == "timer"
    assert "Время разговора закончилось" in telegram.last_to(ANNA).text
