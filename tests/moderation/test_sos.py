import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from accounts.models import Member
from core import clock
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

TG = 6300001
make_member = sync_to_async(MemberFactory)
STEPS = [
    "rules",
    "adult",
    "pseudonym",
    "timezone",
    "country",
    "topics",
    "expectations",
    "sensitivity",
    "availability",
    "bio",
    "safety",
    "done",
]


async def _sos_text(member) -> str:
    return (await member.command("sos")).text


def _is_crisis_card(text: str) -> bool:
    return "112" in text and "8-800-2000-122" in text and "не специалисты" in text


async def test_sos_answers_before_anything_else(webhook, telegram):
    member = MemberJourney(webhook, telegram, TG)
    assert _is_crisis_card(await _sos_text(member))


async def test_sos_answers_at_every_onboarding_step_and_the_step_is_kept(webhook, telegram):
    member = MemberJourney(webhook, telegram, TG)
    answers = {
        "rules": lambda: member.tap("Принимаю"),
        "adult": lambda: member.tap("есть 18"),
        "pseudonym": lambda: member.say("Ёжик"),
        "timezone": lambda: member.tap("Москва"),
        "country": lambda: member.tap("Россия"),
        "sensitivity": lambda: member.tap("Говорить тяжело"),
        "safety": member.read_safety_cards,
        "expectations": lambda: member.tap("Выговориться"),
        "availability": lambda: member.tap("Вечер"),
        "bio": lambda: member.tap("Пропустить"),
    }
    await member.command("start")
    seen = []
    while True:
        step = (await Member.objects.aget(tg_id=TG)).onboarding_step
        seen.append(step)
        assert _is_crisis_card(await _sos_text(member)), step
        assert (await Member.objects.aget(tg_id=TG)).onboarding_step == step
        if step == "done":
            break
        if step == "topics":
            message = member.last_with_buttons()
            for label in ("Выгорание", "Тревога", "Готово"):
                await member.tap(label, on=message)
        elif step in ("expectations", "availability"):
            await answers[step]()
            await member.tap("Готово")
        else:
            await answers[step]()
    assert seen == STEPS


async def test_sos_answers_in_the_middle_of_a_profile_edit_which_goes_on(webhook, telegram):
    await make_member(tg_id=TG, pseudonym="Лис")
    member = MemberJourney(webhook, telegram, TG)
    await member.command("profile")
    await member.tap("Псевдоним")
    assert _is_crisis_card(await _sos_text(member))
    await member.say("Тихий лис")
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == "Тихий лис"


@pytest.mark.parametrize(
    "sanction",
    [
        {"status": Member.Status.MUTED, "muted_until": clock.now() + dt.timedelta(days=1)},
        {"status": Member.Status.BANNED, "banned_until": None},
    ],
    ids=["muted", "banned"],
)
async def test_sos_answers_a_muted_or_banned_member(webhook, telegram, sanction):
    await make_member(tg_id=TG, **sanction)
    assert _is_crisis_card(await _sos_text(MemberJourney(webhook, telegram, TG)))


async def test_sos_marks_the_member_seen_and_reachable_again(webhook, telegram):
    await make_member(tg_id=TG, unreachable_since=clock.now())
    await _sos_text(MemberJourney(webhook, telegram, TG))
    member = await Member.objects.aget(tg_id=TG)
    assert member.unreachable_since is None and member.last_seen_at is not None


async def test_sos_lines_are_edited_by_staff(webhook, telegram):
    from moderation.models import Hotline

    await Hotline.objects.acreate(
        name="Линия поддержки города N", phone="8-800-000-00-01", country="RU", order=1
    )
    await Hotline.objects.filter(phone="+7 495 989-50-50").aupdate(is_active=False)
    text = await _sos_text(MemberJourney(webhook, telegram, TG))
    assert "Линия поддержки города N" in text
    assert "989-50-50" not in text


async def test_the_seeded_lines_are_russian_ones(webhook, telegram):
    text = await _sos_text(MemberJourney(webhook, telegram, TG))
    for phone in ("112", "8-800-2000-122", "051", "+7 495 989-50-50"):
        assert phone in text


async def test_adult_lines_come_first_and_the_childrens_line_last_for_an_adult_service(webhook, telegram):
    from moderation.models import Hotline

    await Hotline.objects.acreate(
        name="Линия для подростков города N",
        phone="8-800-000-00-02",
        country="RU",
        order=0,
        audience="children",
    )
    text = await _sos_text(MemberJourney(webhook, telegram, TG))
    children = text.index("8-800-2000-122")
    assert text.index("+7 495 989-50-50") < children and text.index("051") < children
    assert text.index("8-800-000-00-02") > text.index(
        "8-800-7000-600"
    )  # every children's line after the adults'
