"""The coach as members meet it: opting in, private hints with a why and a phrase to copy, "hide",
acceptance counted when the member sends the phrase in their own edit, and what never happens."""

import datetime as dt
import json

import django_rq
import pytest
from asgiref.sync import sync_to_async

from accounts.models import Member
from chats.models import ChatSession
from coach import context, metrics
from coach.models import AiHint, CoachSettings
from core import clock
from core.db import db_call
from matching.models import Match
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7300001, 7300002
HINT_TITLE = "Подсказка коуча"


@sync_to_async
def start_session(*, anna_opt_in=True, boris_opt_in=False, enabled=True, percent=100):
    CoachSettings.objects.update_or_create(pk=1, defaults={"enabled": enabled, "rollout_percent": percent})
    anna = MemberFactory(tg_id=ANNA, pseudonym="Анна", coach_opt_in=anna_opt_in)
    boris = MemberFactory(tg_id=BORIS, pseudonym="Борис", coach_opt_in=boris_opt_in)
    match = Match.objects.create(member_a=anna, member_b=boris)
    return ChatSession.objects.create(
        match=match, member_a=anna, member_b=boris, ends_at=clock.now() + dt.timedelta(hours=24)
    )


def _run_jobs() -> list:
    queue = django_rq.get_queue("default")
    results = []
    for job in queue.jobs:
        if job.func_name.startswith("coach."):
            results.append(job.perform())
    queue.empty()
    return results


async def run_jobs() -> list:
    """Run the coach jobs the relay enqueued, as the worker would."""
    return await db_call(_run_jobs)


def hints_to(telegram, tg_id):
    return [call for call in telegram.messages_to(tg_id) if HINT_TITLE in call.text]


@pytest.fixture
async def session(webhook, telegram):
    return await start_session()


async def test_opt_in_over_the_webhook_then_a_private_hint_arrives(webhook, telegram):
    await sync_to_async(CoachSettings.objects.update_or_create)(
        pk=1, defaults={"enabled": True, "rollout_percent": 100}
    )
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.onboard()
    status = await anna.command("coach")
    assert "выключены" in status.text
    status = await anna.tap("Включить")
    assert "включены" in telegram.last_to(ANNA, "editMessageText").text
    assert (await Member.objects.aget(tg_id=ANNA)).coach_opt_in
    boris = await sync_to_async(MemberFactory)(tg_id=BORIS)
    member = await Member.objects.aget(tg_id=ANNA)
    match = await Match.objects.acreate(member_a=member, member_b=boris)
    await ChatSession.objects.acreate(
        match=match, member_a=member, member_b=boris, ends_at=clock.now() + dt.timedelta(hours=24)
    )
    await webhook.text(BORIS, "Мне так тяжело после развода, не могу спать")
    assert await run_jobs() == ["pain"]
    (hint,) = hints_to(telegram, ANNA)
    assert "видите только вы" in hint.text
    assert hints_to(telegram, BORIS) == []
    await anna.command("coach", "off")
    assert not (await Member.objects.aget(tg_id=ANNA)).coach_opt_in
    assert "выключены" in anna.last.text


async def test_coach_command_before_onboarding_explains_what_to_do(webhook, telegram):
    await webhook.command(ANNA, "start")
    await webhook.command(ANNA, "coach", "on")
    assert "/start" in telegram.last_to(ANNA).text
    assert not (await Member.objects.aget(tg_id=ANNA)).coach_opt_in


async def test_unknown_coach_argument_gets_usage(session, webhook, telegram):
    await webhook.command(ANNA, "coach", "может быть")
    assert "/coach on" in telegram.last_to(ANNA).text


def phrase_of(hint) -> str:
    return hint.text.split("<i>«", 1)[1].split("»</i>", 1)[0]


async def test_a_hint_says_why_and_offers_a_phrase_to_copy_never_sending_it(session, webhook, telegram):
    await webhook.text(BORIS, "Мне очень одиноко, Олег ушёл и я не справляюсь")
    await run_jobs()
    hint = hints_to(telegram, ANNA)[-1]
    phrase = phrase_of(hint)
    assert "Почему это помогает" in hint.text
    assert "никогда не пишет собеседнику от вашего имени" in hint.text
    copy, hide = hint.buttons()
    assert copy["text"] == "📋 Скопировать фразу" and copy["copy_text"] == {"text": phrase}
    assert "callback_data" not in copy  # copying happens in Telegram: no update, nothing sent
    assert hide["callback_data"].startswith("coach:hide:")
    assert telegram.calls_for(BORIS, "sendMessage") == []
    row = await AiHint.objects.aget()
    assert row.status == AiHint.Status.SHOWN and row.situation == "pain" and row.provider == "offline"


async def test_the_phrase_sent_in_the_members_own_edit_counts_as_used(session, webhook, telegram):
    used = metrics.hints_total.labels("offline", "pain", "used")
    before = used._value.get()
    await webhook.text(BORIS, "Мне очень одиноко и я не справляюсь")
    await run_jobs()
    phrase = phrase_of(hints_to(telegram, ANNA)[-1])
    await webhook.text(ANNA, "Боря, привет! Как дела?")  # her own words: the hint stays open
    assert (await AiHint.objects.aget()).status == AiHint.Status.SHOWN

    edited = phrase.replace("тебе", "тебе, Боря,").rstrip(".") + " 💛"
    await webhook.text(ANNA, edited)
    assert telegram.calls_for(BORIS, "copyMessage")[-1].params["from_chat_id"] == ANNA  # her message
    assert (await AiHint.objects.aget()).status == AiHint.Status.USED
    assert used._value.get() == before + 1
    await webhook.text(ANNA, edited)  # saying it again counts once
    assert used._value.get() == before + 1


async def test_an_old_send_for_me_button_explains_the_copy_button(session, webhook, telegram):
    await webhook.text(BORIS, "Мне страшно и плохо")
    await run_jobs()
    row = await AiHint.objects.aget()
    await webhook.tap(ANNA, f"coach:use:{row.pk}")
    answer = telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    assert "ничего не отправляет от вашего имени" in answer
    assert telegram.calls_for(BORIS, "sendMessage") == []
    assert (await AiHint.objects.aget()).status == AiHint.Status.SHOWN


async def test_hide_keeps_the_hint_from_the_partner(session, webhook, telegram):
    hidden = metrics.hints_total.labels("offline", "pain", "hidden")
    before = hidden._value.get()
    await webhook.text(BORIS, "Мне страшно и плохо")
    await run_jobs()
    hint = hints_to(telegram, ANNA)[-1]
    await webhook.tap(ANNA, hint.callback_data("Скрыть"), message_id=hint.result["message_id"])
    assert "скрыта" in telegram.last_to(ANNA, "editMessageText").text
    assert (await AiHint.objects.aget()).status == AiHint.Status.HIDDEN
    assert telegram.calls_for(BORIS, "sendMessage") == []
    assert hidden._value.get() == before + 1


async def test_someone_elses_hint_button_is_refused_politely(session, webhook, telegram):
    await webhook.text(BORIS, "Мне страшно и плохо")
    await run_jobs()
    hint = hints_to(telegram, ANNA)[-1]
    await webhook.tap(BORIS, hint.callback_data("Скрыть"))
    assert "неактуальна" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    assert (await AiHint.objects.aget()).status == AiHint.Status.SHOWN


async def test_at_most_one_hint_per_member_per_five_minutes(session, webhook, telegram):
    await webhook.text(BORIS, "Мне так тяжело")
    await run_jobs()
    clock.advance(dt.timedelta(minutes=1))
    await webhook.text(BORIS, "Очень больно")
    await run_jobs()
    assert len(hints_to(telegram, ANNA)) == 1
    await sync_to_async(context.connection().delete)(
        context.last_hint_key(session.member_a_id)
    )  # 5 min lapse
    await webhook.text(BORIS, "И одиноко")
    await run_jobs()
    assert len(hints_to(telegram, ANNA)) == 2


async def test_a_muted_member_gets_no_hint(session, webhook, telegram):
    await Member.objects.filter(tg_id=ANNA).aupdate(muted_until=clock.now() + dt.timedelta(hours=1))
    await webhook.text(BORIS, "Мне так тяжело")
    await run_jobs()
    assert hints_to(telegram, ANNA) == []
    assert await AiHint.objects.acount() == 0


async def test_a_hint_computed_after_the_session_ended_is_dropped(session, webhook, telegram):
    await webhook.text(BORIS, "Мне так тяжело")
    await ChatSession.objects.filter(pk=session.pk).aupdate(status=ChatSession.Status.ENDED)
    await sync_to_async(context.cache_eligible)(session_id=session.pk, member_ids=[session.member_a_id])
    from coach import services
    from coach.providers import OfflineProvider

    hint = OfflineProvider().hint_for("pain")
    delivered = await sync_to_async(services.hint_record)(
        session_id=session.pk, member_id=session.member_a_id, hint=hint, latency_ms=3
    )
    assert delivered is None
    assert (await AiHint.objects.aget()).status == AiHint.Status.DROPPED
    assert await run_jobs() == ["skipped"]
    assert hints_to(telegram, ANNA) == []


async def test_nobody_opted_in_means_nothing_is_kept(webhook, telegram):
    session = await start_session(anna_opt_in=False)
    await webhook.text(BORIS, "Мне так тяжело, звони +7 916 123-45-67")
    assert await sync_to_async(context.connection().exists)(context.window_key(session.pk)) == 0
    assert django_rq.get_queue("default").count == 0


async def test_global_switch_off_or_outside_rollout_means_no_hints(webhook, telegram):
    await start_session(enabled=False)
    await webhook.text(BORIS, "Мне так тяжело")
    assert await run_jobs() == []
    await CoachSettings.objects.filter(pk=1).aupdate(enabled=True, rollout_percent=0)
    await sync_to_async(context.connection().flushdb)()  # as the 30-second switch cache would lapse
    await webhook.text(BORIS, "Мне так тяжело")
    assert await run_jobs() == []
    assert hints_to(telegram, ANNA) == []


async def test_context_is_anonymized_in_redis_with_a_ttl_and_gone_when_the_chat_ends(
    session, webhook, telegram
):
    await webhook.text(BORIS, "Я Олег, и мне тяжело с тех пор, как ушла Маша")
    await webhook.text(ANNA, "Привет, Олег! Я живу на ул. Ленина, 5")
    redis = context.connection()
    key = context.window_key(session.pk)
    lines = [json.loads(x)["t"] for x in await sync_to_async(redis.lrange)(key, 0, -1)]
    assert lines == ["Я [имя], и мне тяжело с тех пор, как ушла [имя]", "Привет, [имя]! Я живу на [адрес]"]
    assert 0 < await sync_to_async(redis.ttl)(key) <= 3600
    await webhook.command(ANNA, "end")
    await webhook.tap(ANNA, telegram.last_to(ANNA).callback_data("Да, завершить"))
    assert await sync_to_async(redis.exists)(key) == 0


async def test_crisis_words_bring_the_crisis_card_first(session, webhook, telegram):
    await webhook.text(BORIS, "Я больше не хочу жить")
    await run_jobs()
    texts = telegram.texts_to(ANNA)
    card = next(i for i, t in enumerate(texts) if "112" in t)
    hint = next(i for i, t in enumerate(texts) if HINT_TITLE in t)
    assert card < hint
    assert (await AiHint.objects.aget()).situation == "crisis"
