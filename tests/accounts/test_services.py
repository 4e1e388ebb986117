"""member_touch: every update's member write, in one statement."""

import datetime as dt
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from accounts.models import Member, Preferences
from accounts.services import member_erase, member_mark_unreachable, member_seen_talking, member_touch
from core import clock
from core.pseudonym import pseudonymous_ref
from tests.accounts.factories import MemberFactory

TG = 6500001


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock.freeze():
        yield


def row_version(member_id: int) -> int:
    """The row's xmin: it changes whenever a new version of the row is written."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text::bigint FROM {Member._meta.db_table} WHERE id = %s", [member_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_first_contact_creates_the_member_and_their_preferences_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        member = member_touch(tg_id=TG)

    assert member.pk and member.tg_id == TG and member.ref == pseudonymous_ref(TG)
    assert member.onboarding_step == Member.Step.RULES and member.status == Member.Status.ACTIVE
    assert member.created_at == member.last_seen_at == clock.now()
    assert member.awaiting_context == {} and member.expectations == []
    prefs = Preferences.objects.get(member=member)
    assert (prefs.digest_opt_in, prefs.sensitivity, prefs.protect_content) == (False, "", False)


@pytest.mark.django_db
def test_a_new_member_gets_every_default_the_models_declare():
    member, prefs = member_touch(tg_id=TG), Preferences.objects.get(member__tg_id=TG)

    for model, obj in ((Member, member), (Preferences, prefs)):
        for field in model._meta.concrete_fields:
            if field.name not in {"id", "tg_id", "ref", "created_at", "last_seen_at", "member"}:
                assert getattr(obj, field.attname) == field.get_default(), field.name
    member.refresh_from_db()
    assert member.awaiting_context == {} and member.helpfulness == 0.5


@pytest.mark.django_db
def test_a_member_writing_again_within_a_minute_is_read_not_written(django_assert_num_queries):
    member = MemberFactory(tg_id=TG, last_seen_at=clock.now(), awaiting_context={"step": 2})
    version = row_version(member.pk)
    clock.advance(dt.timedelta(seconds=50))

    with django_assert_num_queries(1):
        touched = member_touch(tg_id=TG)

    assert touched.pk == member.pk and touched.pseudonym == member.pseudonym
    assert touched.awaiting_context == {"step": 2} and touched.expectations == ["vent"]
    assert touched.last_seen_at == member.last_seen_at
    assert row_version(member.pk) == version
    assert Member.objects.count() == 1 and Preferences.objects.count() == 1


@pytest.mark.django_db
def test_last_seen_is_refreshed_once_a_minute_has_passed(django_assert_num_queries):
    member = MemberFactory(tg_id=TG, last_seen_at=clock.now())
    clock.advance(dt.timedelta(seconds=61))

    with django_assert_num_queries(1):
        touched = member_touch(tg_id=TG)

    assert touched.pk == member.pk and touched.last_seen_at == clock.now()
    member.refresh_from_db()
    assert member.last_seen_at == clock.now()


@pytest.mark.django_db
def test_a_member_who_had_blocked_the_bot_is_reachable_again_when_they_write(django_assert_num_queries):
    member = MemberFactory(tg_id=TG, last_seen_at=clock.now())
    member_mark_unreachable(tg_id=TG)

    with django_assert_num_queries(1):
        touched = member_touch(tg_id=TG)

    assert touched.unreachable_since is None and touched.is_reachable
    member.refresh_from_db()
    assert member.unreachable_since is None


@pytest.mark.django_db
def test_a_member_who_erased_themselves_starts_anew_when_they_come_back():
    old = MemberFactory(tg_id=TG)
    member_erase(member_id=old.pk)

    member = member_touch(tg_id=TG)

    assert member.pk != old.pk and member.ref == pseudonymous_ref(TG)
    assert member.pseudonym == "" and member.onboarding_step == Member.Step.RULES
    assert Preferences.objects.filter(member=member).exists()


@pytest.mark.django_db(transaction=True)
def test_two_first_updates_at_once_make_one_member_with_one_preferences():
    tg_ids = range(TG, TG + 10)
    seen: dict[int, list[int]] = {tg_id: [] for tg_id in tg_ids}

    def touch(tg_id: int, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            seen[tg_id].append(member_touch(tg_id=tg_id).pk)
        finally:
            connections.close_all()

    for tg_id in tg_ids:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=touch, args=(tg_id, barrier)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    for tg_id in tg_ids:
        member = Member.objects.get(tg_id=tg_id)
        assert seen[tg_id] == [member.pk, member.pk]
        assert Preferences.objects.filter(member=member).count() == 1


@pytest.mark.django_db(transaction=True)
async def test_a_chatting_member_is_marked_seen_once_a_minute_and_one_in_onboarding_is_not():
    talking = await sync_to_async(MemberFactory)(tg_id=TG, last_seen_at=None)
    onboarding = await sync_to_async(MemberFactory)(tg_id=TG + 1, last_seen_at=None, onboarding_step="topics")
    assert await member_seen_talking(tg_id=TG) is True
    assert (await Member.objects.aget(pk=talking.pk)).last_seen_at == clock.now()
    assert await member_seen_talking(tg_id=TG + 1) is False
    assert (await Member.objects.aget(pk=onboarding.pk)).last_seen_at is None
