import pytest

from accounts.models import Member
from tests import updates
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

TG = 6100001


@pytest.fixture
def member(webhook, telegram):
    return MemberJourney(webhook, telegram, TG)


async def test_new_member_completes_the_profile_only_by_taps_and_two_texts(member, telegram):
    summary = await member.onboard()
    assert "Ваша анкета" in summary.text
    assert "Тихий лис" in summary.text and "Выгорание" in summary.text and "Europe/Moscow" in summary.text
    assert "Найти собеседника" in " ".join(summary.button_texts())
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.is_onboarded
    assert saved.expectations == ["vent"] and saved.availability == ["evening"]
    assert await saved.member_topics.acount() == 2


async def test_rules_say_it_is_peer_support_not_emergency_help(member):
    await member.command("start")
    rules = member.last
    assert "не замена профессиональной или экстренной помощи" in rules.text
    assert "/sos" in rules.text


async def test_returning_mid_onboarding_resumes_at_the_saved_step(member):
    await member.command("start")
    await member.tap("Согласен")
    await member.tap("есть 18")
    await member.say("Ёжик")
    # The member leaves and comes back days later.
    resumed = await member.command("start")
    assert "часовом поясе" in resumed.text
    texts = member.telegram.texts_to(TG)
    assert any("Продолжим" in t for t in texts)


async def test_onboarded_member_gets_the_main_menu_on_start(member):
    await member.onboard()
    menu = await member.command("start")
    assert "С возвращением, Тихий лис" in menu.text


@pytest.mark.parametrize(
    ("pseudonym", "explanation"),
    [
        ("Я", "слишком короткий"),
        ("Очень-очень-длинный-псевдоним-больше", "слишком длинный"),
        ("anna@mail.ru", "почты"),
        ("@anna_k", "@ника"),
        ("vk.com/anna", "ссылки"),
        ("+7 999 123 45 67", "номер телефона"),
        ("Сука", "грубых слов"),
        ("хyйло", "грубых слов"),
    ],
)
async def test_a_pseudonym_that_could_identify_or_hurt_is_refused_with_the_reason(
    member, pseudonym, explanation
):
    await member.command("start")
    await member.tap("Согласен")
    await member.tap("есть 18")
    answer = await member.say(pseudonym)
    assert explanation in answer.text
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.onboarding_step == Member.Step.PSEUDONYM and saved.pseudonym == ""


async def test_a_sticker_instead_of_a_pseudonym_gets_a_kind_answer_and_the_question_again(
    member, webhook, telegram
):
    await member.command("start")
    await member.tap("Согласен")
    await member.tap("есть 18")
    await webhook.send(updates.media(TG, "sticker"))
    texts = telegram.texts_to(TG)
    assert "ответ текстом" in texts[-2]
    assert "Как вас называть" in texts[-1]


async def test_text_where_a_button_is_expected_asks_to_use_the_buttons(member):
    await member.command("start")
    answer_and_question = await member.say("да согласен")
    texts = member.telegram.texts_to(TG)
    assert "кнопкой" in texts[-2]
    assert "Правила" in answer_and_question.text


async def test_a_typed_timezone_is_understood(member):
    await member.command("start")
    await member.tap("Согласен")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Другой")
    await member.say("UTC+5")
    assert (await Member.objects.aget(tg_id=TG)).timezone == "Etc/GMT-5"
    await member.say("Марс/Олимп")  # now at the topics step: a text is not a topic
    assert "кнопкой" in member.telegram.texts_to(TG)[-2]


async def test_an_unknown_timezone_is_explained(member):
    await member.command("start")
    await member.tap("Согласен")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Другой")
    answer = await member.say("Марс/Олимп")
    assert "Не получилось распознать" in answer.text


async def test_fewer_than_two_topics_cannot_be_confirmed_and_more_than_five_cannot_be_chosen(
    member, webhook, telegram
):
    await member.command("start")
    await member.tap("Согласен")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Москва")
    topics_message = member.last_with_buttons()
    await member.tap("Выгорание", on=topics_message)
    await member.tap("Готово", on=topics_message)
    alert = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert alert.params.get("show_alert") and "хотя бы 2" in alert.params["text"]
    for title in ("Тревога", "Развод", "Одиночество", "Родительство", "Расставание"):
        await member.tap(title, on=topics_message)
    alert = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert "не больше 5" in alert.params["text"]
    assert await (await Member.objects.aget(tg_id=TG)).member_topics.acount() == 5


async def test_a_stale_button_gets_a_polite_answer_and_the_current_step(member, telegram):
    await member.command("start")
    rules = member.last_with_buttons()
    await member.tap("Согласен", on=rules)
    await member.tap("Согласен", on=rules)  # double tap on the old message
    answer = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert "неактуальна" in answer.params["text"]
    assert "18" in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == Member.Step.ADULT


async def test_the_bio_can_be_skipped(member):
    summary = await member.onboard(bio=None)
    assert "Ваша анкета" in summary.text
    assert (await Member.objects.aget(tg_id=TG)).bio == ""


async def test_a_bio_with_contacts_is_refused(member):
    await member.onboard(bio="пишите мне @anna_k")
    assert "без них" in member.last.text
    assert not (await Member.objects.aget(tg_id=TG)).is_onboarded


async def test_underage_member_is_told_kindly_with_a_hotline(member):
    await member.command("start")
    await member.tap("Согласен")
    answer = await member.tap("нет 18")
    assert "8-800-2000-122" in answer.text
