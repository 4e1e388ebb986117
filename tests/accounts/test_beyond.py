"""Safe-communication cards, country and hotlines, sensitivity, avatars and the co-list in /profile."""

import pytest
from asgiref.sync import sync_to_async

from accounts.models import LaterTopic, Member, Preferences
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

TG = 6400001
make_member = sync_to_async(MemberFactory)


@pytest.fixture
def member(webhook, telegram):
    return MemberJourney(webhook, telegram, TG)


async def _to_country_step(member, city: str):
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("есть 18")
    await member.say("Ёжик")
    return await member.tap(city)


async def test_the_country_question_puts_the_timezone_guess_first(member):
    question = await _to_country_step(member, "Минск")
    assert "стране" in question.text
    assert question.button_texts()[0] == "🇧🇾 Беларусь"
    assert "🌍 Другая страна" in question.button_texts()


async def test_onboarding_ends_with_four_safety_cards_then_a_summary_with_avatar_and_country(
    member, telegram
):
    await member.onboard(country="Казахстан")
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.is_onboarded and saved.safety_cards_seen_at is not None
    assert saved.country == "KZ" and len(saved.avatar) >= 2
    cards = [c.text for c in telegram.calls_for(TG, "editMessageText")]
    assert [next(n for n in "234" if f"{n} из 4" in text) for text in cards[-3:]] == ["2", "3", "4"]
    texts = telegram.texts_to(TG)
    assert any("1 из 4" in t and "диагноз" in t for t in texts)
    assert any("Если собеседнику совсем плохо" in t for t in cards)
    summary = member.last
    assert "Ваша анкета" in summary.text and saved.avatar in summary.text and "Казахстан" in summary.text


async def test_the_cards_go_back_and_the_summary_waits_until_the_last_one(member):
    await _to_country_step(member, "Москва")
    await member.tap("Россия")
    topics = member.last_with_buttons()
    for label in ("Выгорание", "Тревога", "Готово"):
        await member.tap(label, on=topics)
    await member.tap("Выговориться")
    await member.tap("Готово")
    await member.tap("спокойно")
    await member.tap("Вечер")
    await member.tap("Готово")
    first = await member.tap("Пропустить")
    assert "1 из 4" in first.text
    await member.tap("Дальше", on=first)
    await member.tap("Назад", on=member.last_edit())
    assert "1 из 4" in member.last_edit().text
    assert (await Member.objects.aget(tg_id=TG)).onboarding_step == Member.Step.SAFETY
    # A text message at the cards asks to use the buttons and shows the first card again.
    await member.say("ок")
    assert "1 из 4" in member.last.text


async def test_sensitivity_is_asked_after_expectations_and_kept_in_preferences(member):
    await member.onboard(sensitivity="Очень тяжело")
    preferences = await Preferences.objects.aget(member__tg_id=TG)
    assert preferences.sensitivity == Preferences.Sensitivity.VERY_HARD
    profile = await member.command("profile")
    assert "Очень тяжело" in profile.text


async def test_help_opens_the_cards_and_closing_them_records_it(webhook, telegram):
    await make_member(tg_id=TG)
    member = MemberJourney(webhook, telegram, TG)
    help_message = await member.command("help")
    card = await member.tap("бережно", on=help_message)
    assert "1 из 4" in card.text
    for _ in range(3):
        await member.tap("Дальше", on=card)
        card = member.last_edit()
    assert "4 из 4" in card.text and "/sos" in card.text
    await member.tap("Понятно", on=card)
    assert "Спасибо, что прочитали" in member.last_edit().text
    assert (await Member.objects.aget(tg_id=TG)).safety_cards_seen_at is not None


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("KZ", "150"),
        ("UA", "7333"),
        ("GE", "116 006"),
        ("BY", "8-801-100-16-11"),
        ("ZZ", "findahelpline.com"),
    ],
)
async def test_sos_shows_the_lines_of_the_members_country(webhook, telegram, country, expected):
    await make_member(tg_id=TG, country=country)
    card = await MemberJourney(webhook, telegram, TG).command("sos")
    assert expected in card.text
    assert "8-800-2000-122" not in card.text  # Russian lines are not shown elsewhere


async def test_country_can_be_changed_in_the_profile_and_sos_follows(member):
    await member.onboard()
    await member.command("profile")
    await member.tap("Страна")
    await member.tap("Грузия")
    assert "Грузия" in member.last.text
    assert "116 006" in (await member.command("sos")).text


async def test_another_avatar_can_be_drawn_from_the_profile(member):
    await member.onboard()
    before = (await Member.objects.aget(tg_id=TG)).avatar
    profile = await member.command("profile")
    assert before in profile.text
    await member.tap("Другой аватар", on=profile)
    after = (await Member.objects.aget(tg_id=TG)).avatar
    assert after and after != before
    assert after in member.last_edit().text


async def test_topics_for_later_are_chosen_in_the_profile_with_notifications_opt_in(member, telegram):
    await member.onboard()
    await member.command("profile")
    question = await member.tap("Темы на потом")
    assert "потом" in question.text
    await member.tap("Развод", on=question)
    await member.tap("выкл", on=question)
    markup = telegram.calls_for(TG, "editMessageReplyMarkup")[-1].params["reply_markup"]["inline_keyboard"]
    labels = [b["text"] for row in markup for b in row]
    assert "✅ Развод" in labels and any("Сообщать" in label and "вкл" in label for label in labels)
    profile = await member.tap("Готово", on=question)
    assert "Темы на потом: Развод" in profile.text and "уведомления включены" in profile.text
    prefs = await Preferences.objects.aget(member__tg_id=TG)
    assert prefs.colist_opt_in
    assert await LaterTopic.objects.filter(member__tg_id=TG, topic__slug="divorce").aexists()


async def test_a_co_list_tap_outside_the_co_list_editor_is_politely_refused(member, telegram):
    await member.onboard()
    await member.webhook.tap(TG, "accounts:later:3:1")
    answer = telegram.calls_for(None, "answerCallbackQuery")[-1]
    assert answer.params.get("text")
    assert not await LaterTopic.objects.filter(member__tg_id=TG).aexists()


async def test_the_weekly_digest_is_off_by_default_and_switched_on_in_the_profile(member):
    await member.onboard()
    assert not (await Preferences.objects.aget(member__tg_id=TG)).digest_opt_in
    profile = await member.command("profile")
    assert "Дайджест раз в неделю: выключен" in profile.text
    await member.tap("Дайджест", on=profile)
    assert (await Preferences.objects.aget(member__tg_id=TG)).digest_opt_in


async def test_erasure_forgets_country_avatar_and_topics_for_later(member):
    await member.onboard()
    await member.command("profile")
    question = await member.tap("Темы на потом")
    await member.tap("Развод", on=question)
    await member.command("delete")
    await member.tap("Да, удалить")
    await member.tap("Удалить навсегда")
    erased = await Member.objects.aget(ref=(await Member.objects.filter(status="deleted").afirst()).ref)
    assert erased.country == "" and erased.avatar == "" and erased.safety_cards_seen_at is None
    assert not await LaterTopic.objects.filter(member=erased).aexists()


async def test_a_danger_report_shows_the_crisis_lines_of_the_reporters_country(webhook, telegram):
    import datetime as dt

    from chats.models import ChatSession
    from core import clock
    from matching.models import Match

    @sync_to_async
    def start_session():
        anna = MemberFactory(tg_id=TG, country="UA")
        boris = MemberFactory()
        match = Match.objects.create(member_a=anna, member_b=boris)
        ChatSession.objects.create(
            match=match, member_a=anna, member_b=boris, ends_at=clock.now() + dt.timedelta(hours=24)
        )

    await start_session()
    anna = MemberJourney(webhook, telegram, TG)
    await anna.command("report")
    card = await anna.tap("Опасность")
    assert "7333" in card.text and "8-800-2000-122" not in card.text
