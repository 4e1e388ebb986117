import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from chats.models import ChatSession, Rating, ReconnectRequest
from core import clock
from matching.models import Match, SearchRequest
from moderation.models import Block, Report
from tests import updates
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7500001, 7500002


async def ended_session(webhook, telegram):
    """Anna and Boris talked; Anna ended it with /end (both got the rating card)."""
    session = await active_session()
    await webhook.command(ANNA, "end")
    await MemberJourney(webhook, telegram, ANNA).tap("Да, завершить")
    return session


async def test_after_a_rating_the_member_may_say_what_helped_once(webhook, telegram):
    session = await ended_session(webhook, telegram)
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.tap("4", on=telegram.last_to(ANNA))
    thanks = next(m for m in telegram.messages_to(ANNA) if "что помогло" in m.text)
    assert "Меня выслушали" in thanks.button_texts()
    await anna.tap("Меня выслушали", on=thanks)
    assert "записали" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    await webhook.send(updates.callback(ANNA, f"chats:chip:{session.pk}:calmer"))
    assert "уже отметили" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    rating = await Rating.objects.aget()
    assert rating.score == 4 and rating.chip == "listened"


async def test_reconnect_asked_by_one_and_accepted_by_the_other_starts_a_new_chat(webhook, telegram):
    session = await ended_session(webhook, telegram)
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    clock.advance(dt.timedelta(days=3))
    await anna.tap("поговорить снова", on=telegram.last_to(ANNA))
    assert "Собеседник узнает" in telegram.last_to(ANNA).text
    invite = telegram.last_to(BORIS)
    assert "Анна" in invite.text and "предлагает поговорить снова" in invite.text
    assert str(ANNA) not in invite.text
    await boris.tap("Да, давайте", on=invite)
    for tg, partner in ((ANNA, "Борис"), (BORIS, "Анна")):
        intro, rules, how_are_you = telegram.messages_to(tg)[-3:]
        assert f"снова на связи с {partner}" in intro.text
        assert "Как вы сейчас?" in how_are_you.text
        assert intro.button_texts() == ["⚠️ Пожаловаться", "🚫 Заблокировать"]
        assert "Коротко о правилах" in rules.text
    new = await ChatSession.objects.exclude(pk=session.pk).aget()
    assert new.status == "active"
    assert (await Match.objects.aget(pk=new.match_id)).is_reconnect
    await webhook.text(ANNA, "Привет снова")
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 1
    # The invitation is spent: a second tap changes nothing.
    await boris.tap("Да, давайте", on=invite)
    assert "больше не действует" in telegram.last_to(BORIS).text
    assert await ChatSession.objects.acount() == 2


async def test_a_declined_reconnect_is_told_gently_and_starts_nothing(webhook, telegram):
    await ended_session(webhook, telegram)
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    await anna.tap("поговорить снова", on=telegram.last_to(ANNA))
    await boris.tap("Не сейчас", on=telegram.last_to(BORIS))
    assert "не может продолжить" in telegram.last_to(ANNA).text
    assert await ChatSession.objects.filter(status="active").acount() == 0
    assert (await ReconnectRequest.objects.aget()).status == "declined"


async def test_both_asking_starts_the_chat_at_once(webhook, telegram):
    await ended_session(webhook, telegram)
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    rate_a, rate_b = telegram.last_to(ANNA), telegram.last_to(BORIS)
    await anna.tap("поговорить снова", on=rate_a)
    await boris.tap("поговорить снова", on=rate_b)
    assert await ChatSession.objects.filter(status="active").acount() == 1
    assert "снова на связи" in telegram.texts_to(ANNA)[-3]


async def test_reconnect_is_refused_after_seven_days(webhook, telegram):
    await ended_session(webhook, telegram)
    clock.advance(dt.timedelta(days=7, minutes=1))
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.tap("поговорить снова", on=telegram.last_to(ANNA))
    assert "7 дней" in telegram.last_to(ANNA).text
    assert telegram.texts_to(BORIS)[-1].startswith("Разговор завершён собеседником")


@pytest.mark.parametrize("barrier", ["block", "report"])
async def test_reconnect_is_never_possible_after_a_block_or_a_report(webhook, telegram, barrier):
    session = await ended_session(webhook, telegram)

    @sync_to_async
    def bar():
        if barrier == "block":
            Block.objects.create(blocker=session.member_b, blocked=session.member_a, session=session)
        else:
            Report.objects.create(
                reporter=session.member_b, reported=session.member_a, session=session, reason="abuse"
            )

    await bar()
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.tap("поговорить снова", on=telegram.last_to(ANNA))
    assert "нельзя связаться" in telegram.last_to(ANNA).text
    assert await ReconnectRequest.objects.acount() == 0
    assert "поговорить" not in telegram.texts_to(BORIS)[-1]


async def test_accepting_while_searching_ends_the_search(webhook, telegram):
    await ended_session(webhook, telegram)

    @sync_to_async
    def search():
        member = SearchRequest._meta.get_field("member").related_model.objects.get(tg_id=BORIS)
        return SearchRequest.objects.create(member=member, expires_at=clock.now() + dt.timedelta(hours=24))

    waiting = await search()
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    await anna.tap("поговорить снова", on=telegram.last_to(ANNA))
    await boris.tap("Да, давайте", on=telegram.last_to(BORIS))
    assert (await SearchRequest.objects.aget(pk=waiting.pk)).status == "matched"


@sync_to_async
def active_session():
    return conversation(
        MemberFactory(tg_id=ANNA, pseudonym="Анна"), MemberFactory(tg_id=BORIS, pseudonym="Борис")
    )


def delivered(telegram):
    return [c for c in telegram.calls_for(BORIS, "copyMessage") if c.ok]


async def test_a_short_flood_wait_is_waited_out_and_the_message_arrives_once(webhook, telegram):
    session = await active_session()
    telegram.fail_next(BORIS, "retry_after", method="copyMessage", retry_after=1)
    await webhook.text(ANNA, "первое")
    assert len(delivered(telegram)) == 1
    assert (await ChatSession.objects.aget(pk=session.pk)).messages_a == 1


async def test_a_long_flood_wait_hands_the_update_back_to_telegram_and_keeps_the_order(webhook, telegram):
    session = await active_session()
    telegram.fail_next(BORIS, "retry_after", method="copyMessage", retry_after=30)
    first = updates.message(ANNA, "первое")
    response = await webhook.post(first)
    assert response.status_code == 503 and int(response["Retry-After"]) >= 30
    assert delivered(telegram) == []
    assert (await ChatSession.objects.aget(pk=session.pk)).messages_a == 0
    # Telegram delivers the same update again later, then the next one.
    await webhook.send(first)
    await webhook.text(ANNA, "второе")
    sources = [int(c.params["message_id"]) for c in delivered(telegram)]
    assert sources[0] == first["message"]["message_id"] and len(sources) == 2 and sources[1] > sources[0]
    assert (await ChatSession.objects.aget(pk=session.pk)).messages_a == 2


def test_a_reconnected_pair_rests_from_matching_like_any_pair_that_talked(db):
    """One way to start a conversation: «talk again» sets the same recent-partner cooldown."""
    from chats import reconnect
    from chats import services as chats_services
    from chats.models import ReconnectRequest
    from matching.models import PairCooldown
    from tests.chats.factories import conversation

    session = conversation(hours=1)
    chats_services.session_end(member_id=session.member_a_id, session_id=session.pk)
    assert reconnect.reconnect_request(session_id=session.pk, member_id=session.member_a_id).reason == "sent"
    PairCooldown.objects.all().delete()  # only what the reconnect itself sets counts here
    pending = ReconnectRequest.objects.get()
    assert (
        reconnect.reconnect_decide(request_id=pending.pk, member_id=session.member_b_id, accept=True).reason
        == "started"
    )
    low, high = sorted((session.member_a_id, session.member_b_id))
    cooldown = PairCooldown.objects.get(member_low_id=low, member_high_id=high)
    assert cooldown.reason == PairCooldown.Reason.RECENT
