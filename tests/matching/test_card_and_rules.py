"""The proposal card and the rules of matching, as members and staff notice them: three shared
tags and a short bio on the card, the timezone gap and the score's weights from admin, the reject
log and the average score on /metrics."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.urls import reverse

from accounts.models import Member
from core import clock
from core.collectors import _state
from matching.models import MatchingSettings, Proposal, ProposalRejection
from tests.accounts.journeys import MemberJourney
from tests.matching.test_matching import make, run_round

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7110001, 7110002
LONG_BIO = (
    "Два года назад переехала в другую страну одна, с ребёнком. Первые месяцы держалась, потом "
    "накрыло: работа, язык, ни одного знакомого. Сейчас легче, но иногда очень хочется поговорить "
    "с тем, кто прошёл через похожее."
)


async def both_search(*journeys):
    for journey in journeys:
        await journey.command("find")
    await run_round()


async def test_the_card_shows_three_shared_topics_and_the_bio_cut_to_120_characters(webhook, telegram):
    topics = ["burnout", "relocation", "loneliness", "anxiety"]
    await make(ANNA, pseudonym="Анна", bio=LONG_BIO, topics=topics)
    await make(BORIS, pseudonym="Борис", topics=topics)
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    await both_search(anna, boris)

    card = telegram.last_to(BORIS).text
    assert "Общие темы: Выгорание, Переезд и эмиграция, Одиночество и ещё 1" in card
    assert "Тревога" not in card
    bio_line = next(line for line in card.splitlines() if line.startswith("📝 "))
    shown = bio_line.removeprefix("📝 ")
    assert len(shown) <= 120 and shown.endswith("…")
    assert LONG_BIO.startswith(shown.removesuffix("…"))
    # The full bio stays in her own profile.
    assert LONG_BIO in (await anna.command("profile")).text


async def staff_client(webhook):
    user = await sync_to_async(User.objects.create_superuser)("root", "root@example.com", "pw")
    await webhook.client.aforce_login(user)
    return webhook.client


async def test_pairs_more_than_3_hours_apart_wait_until_staff_widen_the_gap(webhook, telegram):
    await make(ANNA, pseudonym="Анна", timezone="Europe/Moscow")  # UTC+3
    await make(BORIS, pseudonym="Борис", timezone="Asia/Novosibirsk")  # UTC+7: 4 hours apart
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    await both_search(anna, boris)
    assert await Proposal.objects.acount() == 0
    assert (await sync_to_async(MatchingSettings.current)()).max_tz_gap_hours == 3

    staff = await staff_client(webhook)
    response = await staff.post(
        reverse("admin:matching_matchingsettings_change", args=[MatchingSettings.SINGLETON_ID]),
        {"weight_topics": "0.6", "weight_time": "0.2", "weight_helpfulness": "0.2", "max_tz_gap_hours": "4"},
    )
    assert response.status_code == 302
    await run_round()
    assert "Нашёлся собеседник" in telegram.last_to(ANNA).text
    proposal = await Proposal.objects.aget()
    assert proposal.tz_gap_hours == 4

    await anna.tap("Принять")
    await boris.tap("Принять")
    report = (await staff.get(reverse("admin:matching_proposal_changelist"))).content.decode()
    assert f"{proposal.arm} · до 4 ч" in report  # acceptance by gap in the per-arm report
    by_gap = await staff.get(reverse("admin:matching_proposal_changelist"), {"tz_gap": "4"})
    assert f">{proposal.pk}<" in by_gap.content.decode()


async def test_a_decline_and_an_expiry_go_to_the_reject_log_with_a_reason_and_no_text(webhook, telegram):
    await make(ANNA, pseudonym="Анна")
    await make(BORIS, pseudonym="Борис")
    anna, boris = MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS)
    await both_search(anna, boris)
    await anna.tap("Пропустить")
    asked = telegram.last_to(ANNA)
    assert "что не подошло" in asked.text
    assert asked.button_texts() == [
        "Темы не совсем мои",
        "Неудобное время",
        "Просто не сейчас",
        "⏹ Остановить поиск",
    ]
    await anna.tap("Неудобное время", on=asked)
    assert "учту" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    await anna.tap("Просто не сейчас", on=asked)  # once is enough
    assert "неактуально" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    declined = await ProposalRejection.objects.select_related("proposal").aget()
    anna_id = (await Member.objects.aget(tg_id=ANNA)).pk
    assert (declined.reason, declined.side, declined.why) == (
        "declined",
        declined.proposal.side_of(anna_id),
        "time",
    )

    # Boris never sees the «почему?» question, and cannot answer it for her.
    assert all("что не подошло" not in text for text in telegram.texts_to(BORIS))

    # Boris stops; Anna's next proposal, with Vera, expires with Vera silent.
    await boris.command("stop")
    await make(7110003, pseudonym="Вера", topics=["burnout", "anxiety"])
    vera = MemberJourney(webhook, telegram, 7110003)
    await vera.command("find")
    await run_round()
    await anna.tap("Принять")
    clock.advance(dt.timedelta(minutes=6))
    await run_round()
    expired = await ProposalRejection.objects.select_related("proposal").aget(reason="expired")
    vera_id = (await Member.objects.aget(tg_id=7110003)).pk
    assert (expired.side, expired.why) == (expired.proposal.side_of(vera_id), "")


async def test_match_score_avg_is_on_metrics(webhook, telegram):
    await make(ANNA, pseudonym="Анна")
    await make(BORIS, pseudonym="Борис")
    await both_search(MemberJourney(webhook, telegram, ANNA), MemberJourney(webhook, telegram, BORIS))
    proposal = await Proposal.objects.aget()
    _state._cached_at = 0.0  # the scrape cache is 5 s; a test does not wait it out
    body = (await webhook.client.get("/metrics")).content.decode()
    line = next(
        line for line in body.splitlines() if line.startswith(f'tno_match_score_avg{{arm="{proposal.arm}"}}')
    )
    assert float(line.rsplit(" ", 1)[1]) == pytest.approx(proposal.score)


def _sample(body: str, name: str) -> float:
    line = next(line for line in body.splitlines() if line.startswith(name + " "))
    return float(line.rsplit(" ", 1)[1])


async def test_queue_lag_on_metrics_is_the_age_of_the_oldest_waiting_search(webhook, telegram):
    _state._cached_at = 0.0  # the scrape cache is 5 s; a test does not wait it out
    body = (await webhook.client.get("/metrics")).content.decode()
    assert _sample(body, "tno_queue_lag_seconds") == 0
    await make(ANNA, pseudonym="Анна")
    await MemberJourney(webhook, telegram, ANNA).command("find")
    clock.advance(dt.timedelta(minutes=6))
    await make(BORIS, pseudonym="Борис", topics=["divorce", "parenting"])
    await MemberJourney(webhook, telegram, BORIS).command("find")
    _state._cached_at = 0.0
    body = (await webhook.client.get("/metrics")).content.decode()
    assert _sample(body, "tno_queue_lag_seconds") == pytest.approx(360, abs=5)


async def test_find_asked_too_often_is_refused_kindly_and_counted(webhook, telegram):
    from matching.bot import FIND_PER_HOUR

    await make(ANNA, pseudonym="Анна")
    anna = MemberJourney(webhook, telegram, ANNA)
    before = _sample((await webhook.client.get("/metrics")).content.decode(), "tno_find_ratelimited_total")
    for _ in range(FIND_PER_HOUR):
        await anna.command("find")
    assert "много раз" not in telegram.last_to(ANNA).text
    await anna.command("find")
    assert "много раз" in telegram.last_to(ANNA).text
    after = _sample((await webhook.client.get("/metrics")).content.decode(), "tno_find_ratelimited_total")
    assert after == before + 1
    assert await Member.objects.filter(tg_id=ANNA).aexists()


async def test_expectations_that_meet_are_preferred_and_reported_per_arm(webhook, telegram):
    """Two who need to speak out are paired with two ready to listen, not with each other."""
    people = {
        7110011: "Выговориться",
        7110012: "Выговориться",
        7110013: "Выслушать другого",
        7110014: "Дружба",
    }
    journeys = []
    for n, (tg_id, wants) in enumerate(people.items()):
        journey = MemberJourney(webhook, telegram, tg_id)
        labels = (wants, "Выслушать другого") if wants == "Дружба" else (wants,)
        await journey.onboard(pseudonym=f"Участник {n}", expectations=labels)
        journeys.append(journey)
    assert "friendship" in (await Member.objects.aget(tg_id=7110014)).expectations
    await both_search(*journeys)
    proposals = [p async for p in Proposal.objects.select_related("member_a", "member_b")]
    assert len(proposals) == 2
    for proposal in proposals:
        wants = {tuple(proposal.member_a.expectations), tuple(proposal.member_b.expectations)}
        assert wants != {("vent",)}, "two who need to speak out were paired with each other"
        assert proposal.expectation_fit == 1
    staff = await staff_client(webhook)
    report = (await staff.get(reverse("admin:matching_proposal_changelist"))).content.decode()
    assert f"{proposals[0].arm} · ожидания сходятся" in report
