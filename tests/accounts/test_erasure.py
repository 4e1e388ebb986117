"""/delete erases a member: only the pseudonymous ref stays, on the rows other members share."""

import datetime as dt
import json

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.db import connection, models

from accounts.models import Member, MemberTopic, Preferences
from core import clock
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

TG = 6400001
PARTNER_TG = 6400002
PSEUDONYM, BIO = "Северный ветер", "Переехала в другой город"

# Column kinds a Telegram id or a pseudonym could hide in.
SEARCHED = (models.CharField, models.TextField, models.JSONField, models.IntegerField, models.BigIntegerField)


@pytest.fixture
async def member(webhook, telegram):
    journey = MemberJourney(webhook, telegram, TG)
    await journey.onboard(pseudonym=PSEUDONYM, bio=BIO)
    return journey


@sync_to_async
def history_with_a_partner():
    """A past conversation (rated both ways, reported), a current one, and a search."""
    from chats.models import ChatSession, Rating
    from matching.models import Match, SearchRequest
    from moderation.models import Report

    me = Member.objects.get(tg_id=TG)
    partner = MemberFactory(tg_id=PARTNER_TG, pseudonym="Борис")
    now = clock.now()
    past = ChatSession.objects.create(
        match=Match.objects.create(member_a=me, member_b=partner),
        member_a=me,
        member_b=partner,
        status=ChatSession.Status.ENDED,
        ends_at=now,
        ended_at=now,
        ended_by=me,
    )
    Rating.objects.create(session=past, rater=me, rated=partner, score=5)
    Rating.objects.create(session=past, rater=partner, rated=me, score=4)
    Report.objects.create(reporter=partner, reported=me, session=past, reason=Report.Reason.OTHER)
    current = ChatSession.objects.create(
        match=Match.objects.create(member_a=partner, member_b=me),
        member_a=partner,
        member_b=me,
        ends_at=now + dt.timedelta(hours=24),
    )
    search = SearchRequest.objects.create(member=me, expires_at=now + dt.timedelta(hours=24))
    return partner, current, search


def columns_containing(value: str) -> list[str]:
    """Every text, JSON and integer column of every table whose value contains `value`."""
    hits = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.proxy or table not in tables:
                continue
            for field in model._meta.concrete_fields:
                if not isinstance(field, SEARCHED) and not field.is_relation:
                    continue
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{field.column}" AS text) LIKE %s',
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{field.column}")
    return hits


async def erase(member: MemberJourney) -> None:
    await member.command("delete")
    await member.tap("Да, удалить")
    await member.tap("Удалить навсегда")


async def test_delete_asks_twice_before_erasing(member):
    await member.command("delete")
    await member.tap("Да, удалить")
    assert "нельзя отменить" in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == PSEUDONYM  # not yet
    await member.tap("Удалить навсегда")
    assert "Профиль удалён" in member.last.text


async def test_after_delete_no_table_holds_the_telegram_id_pseudonym_or_bio_only_the_ref(member):
    partner, _current, _search = await history_with_a_partner()
    ref = (await Member.objects.aget(tg_id=TG)).ref
    await erase(member)

    for value in (str(TG), PSEUDONYM, BIO):
        assert await sync_to_async(columns_containing)(value) == [], value
    assert "accounts_member.ref" in await sync_to_async(columns_containing)(ref)
    erased = await Member.objects.aget(ref=ref)
    assert erased.status == Member.Status.DELETED and erased.tg_id is None
    assert erased.expectations == [] and erased.availability == [] and erased.timezone == ""
    assert not await MemberTopic.objects.filter(member=erased).aexists()
    assert not await Preferences.objects.filter(member=erased).aexists()


async def test_the_partner_keeps_their_history_which_now_points_at_the_ref_only(member):
    from chats.models import ChatSession, Rating
    from moderation.models import Report

    partner, _current, _search = await history_with_a_partner()
    await erase(member)
    assert await Rating.objects.acount() == 2
    assert await Report.objects.filter(reporter=partner).aexists()
    assert (await Member.objects.aget(pk=partner.pk)).pseudonym == "Борис"
    assert await ChatSession.objects.acount() == 2


async def test_delete_ends_the_current_conversation_and_the_search(member):
    from chats.models import ChatSession
    from matching.models import SearchRequest

    _partner, current, search = await history_with_a_partner()
    await erase(member)
    current = await ChatSession.objects.aget(pk=current.pk)
    assert current.status == ChatSession.Status.ENDED
    assert (await SearchRequest.objects.aget(pk=search.pk)).status != SearchRequest.Status.WAITING


async def test_start_after_delete_begins_from_zero_with_the_same_ref(member):
    ref = (await Member.objects.aget(tg_id=TG)).ref
    await erase(member)
    await member.command("start")
    assert "Правила" in member.last.text
    fresh = await Member.objects.aget(tg_id=TG)
    assert fresh.ref == ref and fresh.pseudonym == "" and fresh.onboarding_step == Member.Step.RULES
    assert await Member.objects.filter(ref=ref).acount() == 2  # the erased row and the new one


async def test_cancelled_delete_keeps_everything(member):
    await member.command("delete")
    await member.tap("Нет, оставить")
    assert "ничего не удаляем" in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == PSEUDONYM


async def test_an_old_final_button_never_erases_a_profile_made_later(member):
    await member.command("delete")
    await member.tap("Да, удалить")
    final = member.last_with_buttons()
    await member.tap("Удалить навсегда", on=final)
    await member.command("start")
    await member.tap("Принимаю")
    await member.tap("Удалить навсегда", on=final)
    assert "устарело" in member.last.text
    fresh = await Member.objects.aget(tg_id=TG)
    assert fresh.status == Member.Status.ACTIVE and fresh.onboarding_step == Member.Step.ADULT


async def test_the_final_button_lapses_after_a_quarter_of_an_hour(member):
    await member.command("delete")
    await member.tap("Да, удалить")
    clock.advance(dt.timedelta(minutes=16))
    await member.tap("Удалить навсегда")
    assert "устарело" in member.last.text
    assert (await Member.objects.aget(tg_id=TG)).pseudonym == PSEUDONYM


async def test_mydata_sends_everything_stored_without_anything_about_the_partner(member, telegram):
    await history_with_a_partner()
    await member.command("mydata")
    document = telegram.calls_for(TG, "sendDocument")[-1]
    raw = document.params["document"]["content"]
    data = json.loads(raw)
    assert data["telegram_id"] == TG and data["pseudonym"] == PSEUDONYM and data["bio"] == BIO
    assert set(data["topics"]) == {"burnout", "anxiety"}
    assert data["expectations"] == ["vent"] and data["preferences"]["protect_content"] is False
    assert data["records"]["chats.rating"] == {"rater": 1, "rated": 1}
    assert data["records"]["matching.searchrequest"][0]["status"] == "waiting"
    assert "Борис" not in raw and str(PARTNER_TG) not in raw
    assert "не храним" in document.params["caption"]
