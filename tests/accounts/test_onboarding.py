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
    assert "Тихий лис" in summary.text and "Выгорание" in summary.text
    assert "🕐 Москва, Петербург (UTC+3)" in summary.text and "Europe/Moscow" not in summary.text
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
    await member.tap("Принимаю")
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
    await member.tap("Принимаю")
    await member.tap("есть 18")
    answer = await member.say(pseudonym)
    assert explanation in answer.text
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.onboarding_step == Member.Step.PSEUDONYM and saved.pseudonym == ""


async def test_a_sticker_instead_of_a_pseudonym_gets_a_kind_answer_and_the_question_again(
    member, webhook, telegram
):
    await member.command("start")
    await member.tap("Принимаю")
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
    await member.tap("Принимаю")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Другой")
    await member.say("UTC+5")
    assert (await Member.objects.aget(tg_id=TG)).timezone == "Etc/GMT-5"
    await member.say("Марс/Олимп")  # now at the topics step: a text is not a topic
    assert "кнопкой" in member.telegram.texts_to(TG)[-2]


async def test_an_unknown_timezone_is_explained(member):
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Другой")
    answer = await member.say("Марс/Олимп")
    assert "Не получилось распознать" in answer.text


async def test_fewer_than_two_topics_cannot_be_confirmed_and_more_than_five_cannot_be_chosen(
    member, webhook, telegram
):
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Москва")
    await member.tap("Россия")
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
    await member.tap("Принимаю", on=rules)
    await member.tap("Принимаю", on=rules)  # double tap on the old message
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
    await member.tap("Принимаю")
    answer = await member.tap("нет 18")
    assert "8-800-2000-122" in answer.text


async def test_a_double_tap_on_a_topic_does_not_unselect_it(member):
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Москва")
    await member.tap("Россия")
    topics_message = member.last_with_buttons()
    await member.tap("Выгорание", on=topics_message)
    await member.tap("Выгорание", on=topics_message)  # Telegram delivered the tap twice
    saved = await Member.objects.aget(tg_id=TG)
    assert [t async for t in saved.topics.values_list("slug", flat=True)] == ["burnout"]


async def test_a_selected_topic_is_unselected_from_the_refreshed_keyboard(member, telegram):
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("есть 18")
    await member.say("Ёжик")
    await member.tap("Москва")
    await member.tap("Россия")
    await member.tap("Выгорание")
    refreshed = telegram.calls_for(TG, "editMessageReplyMarkup")[-1]
    data = next(
        b["callback_data"]
        for row in refreshed.params["reply_markup"]["inline_keyboard"]
        for b in row
        if "Выгорание" in b["text"]
    )
    assert "✅" in next(
        b["text"]
        for row in refreshed.params["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"] == data
    )
    await member.webhook.tap(TG, data)
    assert not await (await Member.objects.aget(tg_id=TG)).member_topics.aexists()


async def _choose_topics(member):
    message = member.last_with_buttons()
    for label in ("Выгорание", "Тревога", "Готово"):
        await member.tap(label, on=message)


async def _choose_and_confirm(member, label):
    await member.tap(label)
    await member.tap("Готово")


# How a member answers each step, to walk them to a later one.
ADVANCE = {
    "rules": lambda m: m.tap("Принимаю"),
    "adult": lambda m: m.tap("есть 18"),
    "pseudonym": lambda m: m.say("Ёжик"),
    "timezone": lambda m: m.tap("Москва"),
    "country": lambda m: m.tap("Россия"),
    "topics": _choose_topics,
    "expectations": lambda m: _choose_and_confirm(m, "Выговориться"),
    "sensitivity": lambda m: m.tap("Говорить тяжело"),
    "availability": lambda m: _choose_and_confirm(m, "Вечер"),
}


async def _at(member, step: str) -> None:
    """Walk a new member to an onboarding step by taps."""
    await member.command("start")
    while (current := (await Member.objects.aget(tg_id=TG)).onboarding_step) != step:
        await ADVANCE[current](member)


@pytest.mark.parametrize(
    ("step", "question"),
    [
        ("rules", "Правила"),
        ("adult", "18"),
        ("topics", "Что из этого вам знакомо"),
        ("expectations", "Чего вы ждёте"),
        ("availability", "Когда вам обычно удобно"),
    ],
)
async def test_text_or_a_sticker_at_a_button_step_is_answered_kindly_and_the_step_asked_again(
    member, webhook, telegram, step, question
):
    await _at(member, step)
    for wrong in (updates.message(TG, "не знаю"), updates.media(TG, "sticker")):
        await webhook.send(wrong)
        texts = telegram.texts_to(TG)
        assert "кнопкой" in texts[-2] and question in texts[-1]
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == step


@pytest.mark.parametrize(
    ("step", "question"),
    [("pseudonym", "Как вас называть"), ("timezone", "часовом поясе"), ("bio", "пара строк о себе")],
)
async def test_a_photo_or_a_sticker_where_text_is_needed_asks_for_text_again(
    member, webhook, telegram, step, question
):
    await _at(member, step)
    for wrong in (updates.media(TG, "sticker"), updates.media(TG, "photo", caption="я")):
        await webhook.send(wrong)
        texts = telegram.texts_to(TG)
        assert "ответ текстом" in texts[-2] and question in texts[-1]
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == step


async def test_a_too_long_bio_is_refused_and_the_step_kept(member):
    await _at(member, "bio")
    answer = await member.say("а" * 301)
    assert "длиннее 300" in answer.text
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == "bio"


async def test_nothing_chosen_cannot_be_confirmed(member, telegram):
    await _at(member, "expectations")
    await member.tap("Готово")
    alert = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert alert.params.get("show_alert") and "хотя бы один" in alert.params["text"]
    await member.tap("Выговориться")
    await member.tap("Готово")
    await member.tap("Говорить тяжело")
    await member.tap("Выходные")  # days alone are not enough: a time of day is needed
    await member.tap("Готово")
    alert = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert "время суток" in alert.params["text"]
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == "availability"


async def test_an_underage_answer_keeps_the_member_at_the_age_question(member):
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("нет 18")
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.onboarding_step == Member.Step.ADULT and saved.adult_confirmed_at is None


async def test_a_mangled_button_gets_a_polite_answer_not_an_error(member, webhook, telegram):
    from core.models import DeadLetterUpdate

    await member.command("start")
    for data in ("accounts:topic:abc", "accounts:nonsense", "accounts:", "accounts:delete:2:x:y"):
        await webhook.tap(TG, data)
        assert "неактуальна" in telegram.calls_for(None, "answerCallbackQuery")[-1].params["text"]
    assert not await DeadLetterUpdate.objects.aexists()
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == Member.Step.RULES
