import datetime as dt

import pytest

from accounts.models import Member, Preferences
from core import clock
from tests import updates
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

TG = 6200001


@pytest.fixture
async def member(webhook, telegram):
    journey = MemberJourney(webhook, telegram, TG)
    await journey.onboard(pseudonym="Северный ветер", bio="Переехала в другой город")
    return journey


async def test_profile_shows_every_field_with_buttons_to_edit(member):
    card = await member.command("profile")
    for expected in (
        "Северный ветер",
        "Москва, Петербург (UTC+3)",
        "Выгорание",
        "Выговориться",
        "Вечер",
        "Переехала",
    ):
        assert expected in card.text
    assert {"Псевдоним", "Часовой пояс", "Темы", "Ожидания", "Когда удобно", "О себе"} <= set(
        card.button_texts()
    )


async def test_pseudonym_can_be_changed_from_the_profile(member):
    await member.command("profile")
    await member.tap("Псевдоним")
    await member.say("Южный ветер")
    assert "Южный ветер" in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == "Южный ветер"


async def test_an_invalid_new_pseudonym_keeps_the_old_one(member):
    await member.command("profile")
    await member.tap("Псевдоним")
    answer = await member.say("@my_handle")
    assert "@ника" in answer.text
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == "Северный ветер"


async def test_topics_can_be_changed_from_the_profile(member):
    await member.command("profile")
    await member.tap("Темы")
    topics_message = member.last_with_buttons()
    await member.tap("Развод", on=topics_message)
    await member.tap("Готово", on=topics_message)
    assert "Развод" in member.last.text
    saved = await Member.objects.aget(tg_id=TG)
    assert await saved.member_topics.acount() == 3


async def test_protect_content_and_coach_are_toggles(member, telegram):
    await member.command("profile")
    await member.tap("Запрет пересылки")
    card = telegram.last_to(TG, "editMessageText")
    assert "Запрет пересылки сообщений: включён" in card.text
    await member.tap("Подсказки коуча", on=card)
    prefs = await Preferences.objects.aget(member__tg_id=TG)
    assert prefs.protect_content is True
    assert (await Member.objects.aget(tg_id=TG)).coach_opt_in is True
    await member.tap("Запрет пересылки: вкл", on=telegram.last_to(TG, "editMessageText"))
    assert (await Preferences.objects.aget(member__tg_id=TG)).protect_content is False


async def test_a_double_tap_on_a_setting_does_not_switch_it_back(member):
    profile = await member.command("profile")
    await member.tap("Запрет пересылки", on=profile)
    await member.tap("Запрет пересылки", on=profile)  # the same, not yet updated button
    assert (await Preferences.objects.aget(member__tg_id=TG)).protect_content is True


async def test_timezone_is_changed_by_a_button(member):
    await member.command("profile")
    await member.tap("Часовой пояс")
    await member.tap("Новосибирск")
    assert "Новосибирск, Красноярск (UTC+7)" in member.last.text
    assert "Asia/Novosibirsk" not in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).timezone == "Asia/Novosibirsk"


async def test_a_typed_offset_is_shown_back_as_utc(member):
    await member.command("profile")
    await member.tap("Часовой пояс")
    await member.tap("Другой")
    await member.say("UTC+5")
    assert "UTC+5" in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).timezone == "Etc/GMT-5"


async def test_a_typed_zone_outside_the_buttons_is_shown_as_its_offset(member):
    await member.command("profile")
    await member.tap("Часовой пояс")
    await member.tap("Другой")
    await member.say("Asia/Kolkata")
    assert "UTC+5:30" in member.last.text and "Asia/Kolkata" not in member.last.text


async def test_expectations_and_availability_are_changed_by_buttons(member):
    await member.command("profile")
    await member.tap("Ожидания")
    await member.tap("Поделиться опытом")
    await member.tap("Готово")
    await member.command("profile")
    await member.tap("Когда удобно")
    await member.tap("Выходные")
    await member.tap("Готово")
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.expectations == ["vent", "share"]
    assert saved.availability == ["evening", "weekends"]
    assert "Поделиться опытом" in member.last.text and "Выходные" in member.last.text


async def test_the_bio_is_rewritten_or_cleared(member):
    await member.command("profile")
    await member.tap("О себе")
    await member.say("Ищу тех, кто тоже переехал")
    assert (await Member.objects.aget(tg_id=TG)).bio == "Ищу тех, кто тоже переехал"
    await member.tap("О себе")
    await member.tap("Оставить пустым")
    assert (await Member.objects.aget(tg_id=TG)).bio == ""


async def test_an_edit_can_be_cancelled(member):
    await member.command("profile")
    await member.tap("Псевдоним")
    await member.tap("Отмена")
    assert "Ваш профиль" in member.last.text
    await member.say("Южный ветер")
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == "Северный ветер"


async def test_a_sticker_while_editing_the_pseudonym_asks_for_text_again(member, webhook, telegram):
    await member.command("profile")
    await member.tap("Псевдоним")
    await webhook.send(updates.media(TG, "sticker"))
    texts = telegram.texts_to(TG)
    assert "ответ текстом" in texts[-2] and "Как вас называть" in texts[-1]


async def test_an_abandoned_edit_lapses_and_later_messages_are_not_taken_as_a_pseudonym(member):
    await member.command("profile")
    await member.tap("Псевдоним")
    clock.advance(dt.timedelta(minutes=31))
    await member.say("Привет, ты тут?")
    saved = await Member.objects.aget(tg_id=TG)
    assert saved.pseudonym == "Северный ветер" and saved.awaiting == ""


async def test_start_cancels_a_pending_edit(member):
    await member.command("profile")
    await member.tap("О себе")
    await member.command("start")
    await member.say("Просто сообщение")
    assert (await Member.objects.aget(tg_id=TG)).bio == "Переехала в другой город"


async def test_every_interaction_marks_the_member_as_seen(member):
    before = (await Member.objects.aget(tg_id=TG)).last_seen_at
    clock.advance(dt.timedelta(days=3))
    await member.command("help")
    after = (await Member.objects.aget(tg_id=TG)).last_seen_at
    assert after - before >= dt.timedelta(days=3)


async def test_a_member_who_blocked_the_bot_is_marked_unreachable_until_they_write(member, telegram, webhook):
    telegram.fail_next(TG, "forbidden")
    await member.command(
        "mydata"
    )  # a call the bot makes itself (a message in the webhook's answer has no result)
    assert (await Member.objects.aget(tg_id=TG)).unreachable_since is not None
    await member.command("help")
    assert (await Member.objects.aget(tg_id=TG)).unreachable_since is None


async def test_a_forbidden_answer_is_not_a_failed_update(member, telegram, webhook):
    from core.models import DeadLetterUpdate

    telegram.fail_next(TG, "forbidden")
    response = await webhook.command(TG, "profile")
    assert response.status_code == 200
    assert not await DeadLetterUpdate.objects.aexists()


async def test_blocking_the_bot_in_telegram_marks_unreachable(member, webhook):
    await webhook.send(updates.my_chat_member_blocked(TG))
    assert (await Member.objects.aget(tg_id=TG)).unreachable_since is not None


async def test_help_lists_every_command_and_explains_anonymity(member):
    from accounts.bot import COMMANDS

    text = (await member.command("help")).text
    for command in COMMANDS:
        assert f"/{command}" in text
    assert "анонимность" in text.lower() and "не храним" in text


def test_the_command_menu_and_descriptions_are_in_russian():
    from accounts.bot import COMMANDS, bot_commands, bot_descriptions

    menu = bot_commands()
    assert [c.command for c in menu] == list(COMMANDS)
    assert all(any("а" <= ch <= "я" for ch in c.description.lower()) for c in menu)
    texts = bot_descriptions()
    assert "/sos" in texts["description"] and len(texts["description"]) <= 512
    assert 0 < len(texts["short_description"]) <= 120
