"""The crisis step (issue 16), through the webhook as members live it.

"likely": the sender gets «Вы сейчас в безопасности?» with three buttons, the partner a short card
on how to respond right after the message, moderators an alert; after the chat both get a
check-in. "possible": only a gentle private check-in. One detector: the coach and the relay agree.
"""

import pytest
from asgiref.sync import sync_to_async

from coach.providers import Line, detect
from moderation import detector
from moderation.detector import corpus
from moderation.models import AlertChat, CrisisStep, SafetyFlag
from tests import updates
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney
from tests.chats.factories import conversation
from tests.jobs import arun_jobs

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS, MODERATORS = 7620001, 7620002, -1007620000
CRISIS = "я больше не хочу жить, сегодня выпью все таблетки"


@sync_to_async
def start_session():
    AlertChat.objects.create(chat_id=MODERATORS, title="Модераторы")
    anna = MemberFactory(tg_id=ANNA, pseudonym="Анна", country="RU")
    return conversation(anna, MemberFactory(tg_id=BORIS, pseudonym="Борис"))


def relayed(telegram) -> list:
    return [c for c in telegram.calls_for(BORIS) if c.method in ("copyMessage", "sendMessage") and c.ok]


async def test_a_likely_crisis_gets_the_safety_step_the_partner_a_card_and_moderators_an_alert(
    webhook, telegram
):
    await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    step_message = await anna.say(CRISIS)

    # Anna: the message went through, and one question with a button per answer.
    assert "Вы сейчас в безопасности?" in step_message.text
    assert step_message.button_texts() == [
        "🆘 Мне нужна помощь сейчас",
        "💬 Хочу продолжить разговор",
        "👌 Это не обо мне, я в порядке",
    ]
    # Boris: the message first, then how to respond; never what was detected.
    to_boris = relayed(telegram)
    assert [c.method for c in to_boris] == ["copyMessage", "sendMessage"]
    card = to_boris[-1].params["text"]
    assert "Выслушайте" in card and "/sos" in card and "/report" in card and "завершить разговор" in card
    assert "таблетк" not in card

    flag = await SafetyFlag.objects.aget()
    assert flag.kind == "crisis" and flag.severity == SafetyFlag.Severity.HIGH
    await arun_jobs()
    assert f"/admin/moderation/safetyflag/{flag.pk}/change/" in telegram.last_to(MODERATORS).text

    # Anna asks for help: the numbers, 112 first, copyable; the buttons go away.
    help_card = await anna.tap("помощь сейчас", on=step_message)
    assert help_card.text.index("112") < help_card.text.index("<code>")
    assert telegram.calls_for(ANNA, "editMessageReplyMarkup")
    step = await CrisisStep.objects.aget()
    assert (step.tier, step.choice) == ("likely", "help") and step.partner_card_at is not None

    # Moderators hear it again: she said herself that she needs help now.
    await arun_jobs()
    pages = [m.text for m in telegram.messages_to(MODERATORS)]
    assert len(pages) == 2 and "нажал «Мне нужна помощь сейчас»" in pages[-1], pages
    assert await SafetyFlag.objects.acount() == 1

    # A second tap on the same step changes nothing and says so.
    await webhook.send(updates.callback(ANNA, f"moderation:crisis:{step.pk}:not_me"))
    assert "уже ответили" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    assert (await CrisisStep.objects.aget()).choice == "help"


async def test_the_partner_card_comes_once_per_chat_and_a_second_message_opens_no_second_step(
    webhook, telegram
):
    await start_session()
    await webhook.text(ANNA, CRISIS)
    await webhook.text(ANNA, "хочу покончить с собой")
    cards = [c for c in telegram.messages_to(BORIS) if "как можно поддержать" in c.text]
    assert len(cards) == 1
    assert await CrisisStep.objects.acount() == 1  # the first one still waits for Anna's answer
    assert await SafetyFlag.objects.acount() == 1


async def test_not_about_me_closes_the_step_and_is_counted(webhook, telegram):
    await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    step_message = await anna.say(CRISIS)
    answer = await anna.tap("не обо мне", on=step_message)
    assert "Хорошо, что вы в порядке" in answer.text
    assert (await CrisisStep.objects.aget()).choice == "not_me"


async def test_after_a_chat_with_a_likely_crisis_both_get_a_check_in(webhook, telegram):
    await start_session()
    await webhook.text(ANNA, CRISIS)
    await arun_jobs()
    await webhook.command(BORIS, "end")
    boris = MemberJourney(webhook, telegram, BORIS)
    await boris.tap("Да")
    await arun_jobs()
    assert any("Как вы сейчас?" in t for t in telegram.texts_to(ANNA))
    assert any("Это был тяжёлый разговор" in t for t in telegram.texts_to(BORIS))
    assert (await CrisisStep.objects.aget()).debrief_at is not None


def _possible_example() -> str:
    for row in corpus.crisis_rows("train"):
        if row.label == "crisis" and detector.crisis_assess(row.text).tier == detector.POSSIBLE:
            return row.text
    raise AssertionError("no message in the corpus reads as 'possible'")


async def test_a_possible_crisis_is_a_private_check_in_without_alert_or_partner_card(webhook, telegram):
    await start_session()
    text = await sync_to_async(_possible_example)()
    anna = MemberJourney(webhook, telegram, ANNA)
    check_in = await anna.say(text)
    assert "как вы сейчас?" in check_in.text
    assert check_in.button_texts() == ["🆘 Мне нужна помощь сейчас", "👌 Я в порядке, спасибо"]
    assert [c.method for c in relayed(telegram)] == ["copyMessage"]
    assert await SafetyFlag.objects.acount() == 0
    await arun_jobs()
    assert telegram.messages_to(MODERATORS) == []
    assert (await CrisisStep.objects.aget()).tier == "possible"


async def test_help_asked_on_a_gentle_question_pages_moderators_once(webhook, telegram):
    """Her own word outweighs the detector's score: «помощь сейчас» on a check-in is a high-risk flag."""
    await start_session()
    anna = MemberJourney(webhook, telegram, ANNA)
    check_in = await anna.say(await sync_to_async(_possible_example)())
    help_card = await anna.tap("помощь сейчас", on=check_in)
    assert "112" in help_card.text
    flag = await SafetyFlag.objects.aget()
    assert (flag.kind, flag.severity) == ("crisis", SafetyFlag.Severity.HIGH)
    await arun_jobs()
    page = telegram.last_to(MODERATORS).text
    assert "нажал «Мне нужна помощь сейчас»" in page and f"/safetyflag/{flag.pk}/" in page
    # No card for Boris: nothing was said to him that he needs to answer.
    assert [c.method for c in relayed(telegram)] == ["copyMessage"]
    # A later likely message in the same chat is the same open case: no second flag, no second page.
    await anna.say(CRISIS)
    await arun_jobs()
    assert await SafetyFlag.objects.acount() == 1
    assert len(telegram.messages_to(MODERATORS)) == 1


async def test_an_ordinary_message_opens_no_step(webhook, telegram):
    await start_session()
    await webhook.text(ANNA, "привет! как прошёл твой день? у меня сегодня был первый день на новой работе")
    assert [c.method for c in relayed(telegram)] == ["copyMessage"]
    assert await CrisisStep.objects.acount() == 0


def test_the_coach_and_the_relay_give_the_same_verdict_on_the_same_text():
    rows = corpus.crisis_rows("dev")[:150]
    for row in rows:
        relay_says = detector.crisis_assess(row.text).likely  # the relay's crisis step
        coach_says = detect([Line(mine=False, text=row.text, at=0.0)], now=0.0) == "crisis"
        assert relay_says == coach_says, row.text


async def test_a_gentle_question_is_not_asked_twice_in_one_chat_once_answered(webhook, telegram):
    await start_session()
    text = await sync_to_async(_possible_example)()
    anna = MemberJourney(webhook, telegram, ANNA)
    check_in = await anna.say(text)
    await anna.tap("Я в порядке", on=check_in)
    await anna.say(text)
    assert await CrisisStep.objects.acount() == 1
    await anna.say(CRISIS)  # but a likely crisis is never ignored
    assert await CrisisStep.objects.filter(tier="likely").acount() == 1


def test_the_dashboard_counts_steps_per_tier_and_what_members_chose(client, django_user_model):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from moderation import crisis

    anna, boris = MemberFactory(tg_id=ANNA), MemberFactory(tg_id=BORIS)
    session = conversation(anna, boris)
    likely = crisis.crisis_step_open(member_id=anna.pk, session_id=session.pk, tier="likely", rule="plan")
    crisis.crisis_step_choose(tg_id=ANNA, step_id=likely.pk, choice="help")
    possible = crisis.crisis_step_open(member_id=boris.pk, session_id=session.pk, tier="possible")
    crisis.crisis_step_choose(tg_id=BORIS, step_id=possible.pk, choice="not_me")
    crisis.crisis_step_open(member_id=boris.pk, session_id=None, tier="possible")  # left unanswered

    analyst = django_user_model.objects.create_user("ana", password="x", is_staff=True)
    analyst.groups.add(Group.objects.get(name="Analysts"))
    client.force_login(analyst)
    page = client.get(reverse("kpi-dashboard")).content.decode()
    section = page.split("Кризисные шаги", 1)[1].split("</table>", 1)[0]
    rows = [r for r in section.split("<tr>") if "<td>" in r]
    cells = [[c.split("</td>")[0] for c in r.split("<td>")[1:]] for r in rows]
    assert ["Вероятно (кризисный шаг)", "1", "1", "0", "0", "0", "0"] in cells
    assert ["Возможно (мягкий вопрос)", "2", "0", "0", "1", "1", "0"] in cells
