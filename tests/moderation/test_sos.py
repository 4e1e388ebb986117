import pytest

from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

TG = 6300001


async def _sos_text(member) -> str:
    return (await member.command("sos")).text


async def test_sos_answers_before_anything_else(webhook, telegram):
    member = MemberJourney(webhook, telegram, TG)
    text = await _sos_text(member)
    assert "112" in text and "8-800-2000-122" in text


async def test_sos_answers_at_every_onboarding_step_without_losing_the_step(webhook, telegram):
    member = MemberJourney(webhook, telegram, TG)
    await member.command("start")
    assert "8-800-2000-122" in await _sos_text(member)
    await member.tap("Согласен")
    assert "8-800-2000-122" in await _sos_text(member)
    await member.tap("есть 18")
    assert "8-800-2000-122" in await _sos_text(member)
    await member.say("Ёжик")  # the pseudonym step was kept across /sos
    assert "часовом поясе" in member.last.text


async def test_sos_lines_are_edited_by_staff(webhook, telegram):
    from moderation.models import Hotline

    await Hotline.objects.acreate(
        name="Линия поддержки города N", phone="8-800-000-00-01", country="RU", order=1
    )
    await Hotline.objects.filter(phone="+7 495 989-50-50").aupdate(is_active=False)
    text = await _sos_text(MemberJourney(webhook, telegram, TG))
    assert "Линия поддержки города N" in text
    assert "989-50-50" not in text
