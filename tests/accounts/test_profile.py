import json

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import Member, Preferences
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
    for expected in ("Северный ветер", "Europe/Moscow", "Выгорание", "Выговориться", "Вечер", "Переехала"):
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


async def test_protect_content_and_coach_are_toggles(member):
    await member.command("profile")
    await member.tap("Запрет пересылки")
    await member.tap("Подсказки коуча")
    prefs = await Preferences.objects.aget(member__tg_id=TG)
    assert prefs.protect_content is True
    assert (await Member.objects.aget(tg_id=TG)).coach_opt_in is True


async def test_mydata_sends_everything_stored_as_a_json_file(member, telegram):
    await member.command("mydata")
    document = telegram.calls_for(TG, "sendDocument")[-1]
    data = json.loads(document.params["document"]["content"])
    assert data["telegram_id"] == TG
    assert data["pseudonym"] == "Северный ветер"
    assert set(data["topics"]) == {"burnout", "anxiety"}
    assert "не храним" in document.params["caption"]


def _columns_containing(value: str) -> list[str]:
    """Every text-like column of every table that contains `value`."""
    hits = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.proxy or table not in tables:
                continue
            for field in model._meta.concrete_fields:
                column = field.column
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS text) LIKE %s', [f"%{value}%"]
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column}")
    return hits


async def test_delete_asks_twice_then_leaves_only_the_pseudonymous_ref(member, telegram, webhook):
    from asgiref.sync import sync_to_async

    ref = (await Member.objects.aget(tg_id=TG)).ref
    await member.command("delete")
    await member.tap("Да, удалить")
    assert await Member.objects.filter(tg_id=TG).aexists()  # not yet: a second confirmation
    await member.tap("Удалить навсегда")
    assert "Профиль удалён" in member.last.text

    assert await sync_to_async(_columns_containing)(str(TG)) == []
    assert await sync_to_async(_columns_containing)("Северный ветер") == []
    assert await sync_to_async(_columns_containing)("Переехала") == []
    erased = await Member.objects.aget(ref=ref)
    assert erased.status == Member.Status.DELETED and erased.tg_id is None


async def test_start_after_delete_begins_from_zero(member, telegram):
    await member.command("delete")
    await member.tap("Да, удалить")
    await member.tap("Удалить навсегда")
    await member.command("start")
    assert "Правила" in member.last.text
    assert await Member.objects.filter(status=Member.Status.ACTIVE, tg_id=TG).acount() == 1


async def test_cancelled_delete_keeps_everything(member):
    await member.command("delete")
    await member.tap("Нет, оставить")
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == "Северный ветер"


async def test_a_member_who_blocked_the_bot_is_marked_unreachable_until_they_write(member, telegram, webhook):
    telegram.fail_next(TG, "forbidden")
    await member.command("help")
    assert (await Member.objects.aget(tg_id=TG)).unreachable_since is not None
    await member.command("help")
    assert (await Member.objects.aget(tg_id=TG)).unreachable_since is None


async def test_blocking_the_bot_in_telegram_marks_unreachable(member, webhook):
    await webhook.send(updates.my_chat_member_blocked(TG))
    assert (await Member.objects.aget(tg_id=TG)).unreachable_since is not None


async def test_help_lists_every_command(member):
    text = (await member.command("help")).text
    for command in (
        "start",
        "profile",
        "find",
        "stop",
        "end",
        "tips",
        "report",
        "block",
        "sos",
        "coach",
        "delete",
        "mydata",
    ):
        assert f"/{command}" in text
