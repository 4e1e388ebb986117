import datetime as dt
import threading

import pytest
from django.db import close_old_connections

from accounts.models import Member
from chats.models import ChatSession
from core import clock
from core.db import db_call
from matching import rounds, services
from matching.models import Match, PairCooldown, Proposal, SearchRequest
from matching.tasks import matching_round, matching_sweep
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney
from tests.jobs import arun_jobs

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS, VERA = 7100001, 7100002, 7100003


async def make(tg_id, **kw):
    from asgiref.sync import sync_to_async

    return await sync_to_async(MemberFactory)(tg_id=tg_id, **kw)


async def run_round():
    return await db_call(matching_round)


@pytest.fixture
async def pair(webhook, telegram):
    await make(ANNA, pseudonym="Анна", bio="Выгорела на работе")
    await make(BORIS, pseudonym="Борис")
    return MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)


async def test_two_members_find_each_other_and_start_a_conversation(pair, telegram):
    anna, boris = pair
    searching = await anna.command("find")
    assert "Ищу собеседника" in searching.text and "Остановить" in searching.button_texts()[0]
    await boris.command("find")
    await run_round()

    card_for_boris = telegram.last_to(BORIS)
    assert "Нашёлся собеседник" in card_for_boris.text and "Анна" in card_for_boris.text
    assert "Выгорание" in card_for_boris.text and "Выгорела на работе" in card_for_boris.text
    assert "Борис" in telegram.last_to(ANNA).text

    await anna.tap("Принять")
    assert "Ждём ответа" in anna.last.text
    await boris.tap("Принять")
    # Both get the intro with Report / Block buttons, then the short rules (spec's e2e scenario).
    for tg, partner in ((ANNA, "Борис"), (BORIS, "Анна")):
        intro, rules, how_are_you = telegram.messages_to(tg)[-3:]
        assert f"Вы на связи с {partner}" in intro.text
        assert intro.button_texts() == ["⚠️ Пожаловаться", "🚫 Заблокировать"]
        assert "Коротко о правилах" in rules.text and "голосовые" in rules.text and "/end" in rules.text
        assert "Как вы сейчас?" in how_are_you.text
    match = await Match.objects.aget()
    session = await ChatSession.objects.aget(match=match)
    assert session.status == ChatSession.Status.ACTIVE
    assert {session.member_a_id, session.member_b_id} == {match.member_a_id, match.member_b_id}


async def test_the_preview_card_never_shows_the_telegram_account(pair, telegram):
    anna, boris = pair
    await anna.command("find")
    await boris.command("find")
    await run_round()
    for call in telegram.messages_to(ANNA) + telegram.messages_to(BORIS):
        assert str(ANNA) not in call.text and str(BORIS) not in call.text
        assert "@" not in call.text


async def test_declined_pair_is_not_proposed_again_for_72_hours(pair, telegram):
    anna, boris = pair
    await anna.command("find")
    await boris.command("find")
    await run_round()
    await anna.tap("Пропустить")
    assert "в начале очереди" in telegram.last_to(BORIS).text
    await run_round()
    assert await Proposal.objects.acount() == 1
    clock.advance(dt.timedelta(hours=73))
    # Both keep searching; a new day's searches may meet again after the cooldown.
    for tg in (ANNA, BORIS):
        await SearchRequest.objects.filter(member__tg_id=tg, status="waiting").aupdate(
            expires_at=clock.now() + dt.timedelta(hours=1)
        )
    await run_round()
    assert await Proposal.objects.acount() == 2


async def test_silent_side_leaves_the_queue_and_the_other_is_requeued_first(pair, telegram):
    anna, boris = pair
    await anna.command("find")
    await boris.command("find")
    await run_round()
    await anna.tap("Принять")
    clock.advance(dt.timedelta(minutes=6))
    await run_round()
    assert "не ответили" in telegram.last_to(BORIS).text
    assert "в начале очереди" in telegram.last_to(ANNA).text
    anna_search = await SearchRequest.objects.aget(member__tg_id=ANNA, status="waiting")
    assert anna_search.requeues == 1
    assert not await SearchRequest.objects.filter(member__tg_id=BORIS, status="waiting").aexists()


async def test_a_late_tap_on_an_expired_card_gets_a_polite_answer(pair, telegram):
    anna, boris = pair
    await anna.command("find")
    await boris.command("find")
    await run_round()
    card = telegram.last_to(ANNA)
    clock.advance(dt.timedelta(minutes=6))
    await anna.tap("Принять", on=card)
    answer = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert "истекло" in answer.params["text"]
    assert await Match.objects.acount() == 0


async def test_after_two_requeues_the_member_is_told_honestly_and_a_third_expiry_ends_the_search(
    webhook, telegram
):
    await make(ANNA, pseudonym="Анна")
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("find")
    for n, tg in enumerate((BORIS, VERA, 7100004)):
        await make(tg, pseudonym=f"Тихий {n}")
        await MemberJourney(webhook, telegram, tg).command("find")
        await run_round()
        await anna.tap("Принять")
        clock.advance(dt.timedelta(minutes=6))
        await run_round()
        if n == 1:
            assert "Честно" in telegram.last_to(ANNA).text
            assert await SearchRequest.objects.filter(member__tg_id=ANNA, status="waiting").aexists()
    # Sprint 2: at most two requeues after an expired proposal; the third time she is told why.
    assert "третий раз" in telegram.last_to(ANNA).text and "/find" in telegram.last_to(ANNA).text
    search = await SearchRequest.objects.aget(member__tg_id=ANNA)
    assert (search.status, search.expiry_requeues) == ("expired", 2)
    assert "Ищу собеседника" in (await anna.command("find")).text  # a new search can start at once


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("not_onboarded", "анкету"),
        ("muted", "ограничение"),
        ("in_chat", "уже идёт разговор"),
        ("one_topic_left", "меньше двух тем"),
    ],
)
async def test_find_is_refused_with_a_clear_answer(webhook, telegram, setup, expected):
    from asgiref.sync import sync_to_async

    member = await make(
        ANNA,
        onboarding_step="topics" if setup == "not_onboarded" else "done",
        # Unticked in /profile and the edit abandoned: the profile is left with one topic.
        topics=["burnout"] if setup == "one_topic_left" else None,
    )
    if setup == "muted":
        await Member.objects.filter(pk=member.pk).aupdate(muted_until=clock.now() + dt.timedelta(hours=1))
    if setup == "in_chat":
        other = await make(BORIS)

        def start_chat():
            match = Match.objects.create(member_a=member, member_b=other)
            ChatSession.objects.create(
                match=match, member_a=member, member_b=other, ends_at=clock.now() + dt.timedelta(hours=24)
            )

        await sync_to_async(start_chat)()
    answer = await MemberJourney(webhook, telegram, ANNA).command("find")
    assert expected in answer.text
    assert not await SearchRequest.objects.aexists()


async def test_find_twice_says_the_search_is_already_on(pair):
    anna, _ = pair
    await anna.command("find")
    assert "уже идёт" in (await anna.command("find")).text
    assert await SearchRequest.objects.acount() == 1


async def test_stop_leaves_the_queue(pair):
    anna, _ = pair
    await anna.command("find")
    await anna.tap("Остановить")
    assert "остановлен" in anna.last.text
    assert not await SearchRequest.objects.filter(status="waiting").aexists()


async def test_more_than_ten_find_per_hour_is_refused(pair):
    anna, _ = pair
    for _ in range(10):
        await anna.command("find")
        await anna.command("stop")
    assert "много раз" in (await anna.command("find")).text


def _round_in_thread(results, barrier):
    close_old_connections()
    barrier.wait()
    try:
        results.append(rounds.round_run())
    finally:
        close_old_connections()


def test_two_concurrent_rounds_never_double_book(telegram):
    members = [MemberFactory() for _ in range(40)]
    now = clock.now()
    for m in members:
        SearchRequest.objects.create(member=m, expires_at=now + dt.timedelta(hours=1), arm="soft")
    results: list = []
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=_round_in_thread, args=(results, barrier)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    booked = [m for p in Proposal.objects.all() for m in (p.member_a_id, p.member_b_id)]
    assert len(booked) == len(set(booked))
    assert Proposal.objects.count() >= 10


def test_exclusions_blocked_cooldown_muted_and_topics(telegram):
    now = clock.now()
    a = MemberFactory(topics=["burnout", "anxiety"])
    b = MemberFactory(topics=["burnout", "anxiety"])
    c = MemberFactory(topics=["burnout", "divorce"], muted_until=now + dt.timedelta(hours=1))
    d = MemberFactory(topics=["grief", "divorce"])  # shares one topic with c only
    e = MemberFactory(topics=["grief", "loneliness"])  # shares only "grief" (high) with d
    PairCooldown.objects.create(
        member_low=a if a.pk < b.pk else b,
        member_high=b if a.pk < b.pk else a,
        reason="declined",
        until=now + dt.timedelta(hours=1),
    )
    for m in (a, b, c, d, e):
        SearchRequest.objects.create(member=m, expires_at=now + dt.timedelta(hours=1), arm="soft")
    rounds.round_run()
    assert Proposal.objects.count() == 0


def test_strict_needs_two_shared_topics_and_soft_one(telegram):
    now = clock.now()
    a = MemberFactory(topics=["burnout", "anxiety"])
    b = MemberFactory(topics=["burnout", "divorce"])
    for m in (a, b):
        SearchRequest.objects.create(member=m, expires_at=now + dt.timedelta(hours=1), arm="strict")
    rounds.round_run()
    assert Proposal.objects.count() == 0
    SearchRequest.objects.update(widened=True)
    rounds.round_run()
    assert Proposal.objects.count() == 1


def test_round_prefers_the_best_total_over_first_come(telegram):
    from matching import scoring

    def cand(i, topics):
        return scoring.Candidate(i, i, frozenset(topics), "Europe/Moscow", frozenset({"evening"}), 0.5, False)

    # Greedy first-come would pair 0–1 (one shared topic) and leave 2 and 3 alone.
    pool = [cand(0, {1, 2}), cand(1, {2, 3}), cand(2, {1, 5}), cand(3, {3, 6})]
    pairs = rounds.pair_pool(pool, excluded=set(), high_topics=frozenset())
    assert len(pairs) == 2


# -- a worker that dies: cards a committed round never sent, a broken chain of rounds ----------


def _cards(telegram, tg_id):
    return [c for c in telegram.messages_to(tg_id) if "Нашёлся собеседник" in c.text]


async def test_cards_a_dead_round_never_sent_arrive_with_a_fresh_deadline_and_nobody_is_expired(
    pair, telegram
):
    anna, boris = pair
    await anna.command("find")
    await boris.command("find")
    # The round commits, then its worker dies before a single card goes out.
    await db_call(rounds.round_run)
    assert _cards(telegram, ANNA) == [] and _cards(telegram, BORIS) == []

    clock.advance(dt.timedelta(seconds=10))
    await db_call(matching_sweep)
    assert _cards(telegram, ANNA) == []  # a round still delivering is given a moment

    clock.advance(dt.timedelta(minutes=4, seconds=50))  # the original 5-minute deadline has passed
    await db_call(matching_sweep)
    assert len(_cards(telegram, ANNA)) == 1 and len(_cards(telegram, BORIS)) == 1
    proposal = await Proposal.objects.aget()
    assert proposal.status == Proposal.Status.WAITING and proposal.cards_sent_at is not None
    assert proposal.expires_at > clock.now() + services.PROPOSAL_TTL - dt.timedelta(seconds=30)

    clock.advance(dt.timedelta(minutes=2))
    await db_call(matching_sweep)
    assert len(_cards(telegram, ANNA)) == 1  # sent once, not on every sweep
    await anna.tap("Принять")
    await boris.tap("Принять")
    assert await Match.objects.acount() == 1


async def test_the_sweep_starts_a_round_when_people_wait_and_no_round_is_coming(webhook, telegram):
    await make(ANNA, pseudonym="Анна")
    await make(BORIS, pseudonym="Борис")
    for tg in (ANNA, BORIS):
        await MemberJourney(webhook, telegram, tg).command("find")
    await arun_jobs("default")  # drop the rounds /find asked for, as if their worker died
    await Proposal.objects.all().adelete()
    await SearchRequest.objects.all().aupdate(status=SearchRequest.Status.WAITING)
    telegram.reset()

    await db_call(matching_sweep)
    assert await arun_jobs("default") >= 1
    assert len(_cards(telegram, ANNA)) == 1 and len(_cards(telegram, BORIS)) == 1
