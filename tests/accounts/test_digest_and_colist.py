"""The weekly digest and co-list notices: opt-in, counts only, paced jobs, 403 stops them."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from accounts import tasks
from accounts.models import LaterTopic, Member, Preferences, Topic
from core import clock
from core.db import db_call
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)

READER, QUIET, GONE = 6500001, 6500002, 6500003


def _member(tg_id=None, *, topics=("burnout", "anxiety"), joined_days_ago=30, **preferences) -> Member:
    kwargs = {"tg_id": tg_id} if tg_id else {}
    member = MemberFactory(
        topics=list(topics), onboarded_at=clock.now() - dt.timedelta(days=joined_days_ago), **kwargs
    )
    if preferences:
        Preferences.objects.filter(member=member).update(**preferences)
    return member


def _week_with_newcomers():
    _member(READER, digest_opt_in=True)
    _member(QUIET)  # did not opt in: the digest is off by default
    _member(GONE, digest_opt_in=True)
    _member(topics=["burnout", "divorce"], joined_days_ago=2)
    _member(topics=["anxiety", "grief"], joined_days_ago=5)
    _member(topics=["divorce", "grief"], joined_days_ago=1)  # shares no topic with the reader
    _member(topics=["burnout", "grief"], joined_days_ago=20)  # joined before this week


async def test_the_weekly_digest_counts_newcomers_sharing_topics_and_403_stops_it(telegram):
    await sync_to_async(_week_with_newcomers)()
    telegram.fail_next(GONE, "forbidden", method="sendMessage")

    assert await db_call(tasks.digest_send) == 2

    digest = telegram.last_to(READER)
    assert "Новых людей с похожими темами" in digest.text and "<b>2</b>" in digest.text
    assert "Найти собеседника" in " ".join(digest.button_texts())
    assert "Больше не присылать" in " ".join(digest.button_texts())
    assert "Участник" not in digest.text  # nobody is named
    assert not telegram.messages_to(QUIET)
    gone = await Member.objects.aget(tg_id=GONE)
    assert gone.unreachable_since is not None

    # The same week: nothing again. A week later: the blocked member is not written to again.
    await db_call(tasks.digest_send)
    assert len(telegram.messages_to(READER)) == 1
    clock.advance(dt.timedelta(days=7))
    await sync_to_async(_member)(topics=["anxiety", "loneliness"], joined_days_ago=1)
    await db_call(tasks.digest_send)
    assert len(telegram.messages_to(READER)) == 2 and "<b>1</b>" in telegram.last_to(READER).text
    assert len(telegram.calls_for(GONE, "sendMessage")) == 1


async def test_a_week_without_newcomers_sends_nothing(telegram):
    await sync_to_async(_member)(READER, digest_opt_in=True)
    await db_call(tasks.digest_send)
    assert not telegram.messages_to(READER)


async def test_unsubscribing_from_the_digest_is_one_tap(webhook, telegram):
    await sync_to_async(_week_with_newcomers)()
    await db_call(tasks.digest_send)
    reader = MemberJourney(webhook, telegram, READER)
    await reader.tap("Больше не присылать", on=telegram.last_to(READER))
    assert "дайджест больше не придёт" in reader.last_edit().text
    assert not (await Preferences.objects.aget(member__tg_id=READER)).digest_opt_in
    clock.advance(dt.timedelta(days=7))
    await sync_to_async(_member)(topics=["anxiety"], joined_days_ago=1)
    await db_call(tasks.digest_send)
    assert len(telegram.messages_to(READER)) == 1


def _later(member: Member, slug: str) -> None:
    LaterTopic.objects.create(member=member, topic=Topic.objects.get(slug=slug))


async def test_someone_searching_with_a_co_list_topic_is_announced_at_most_once_a_day(webhook, telegram):
    def arrange():
        reader = _member(READER, colist_opt_in=True)
        _later(reader, "divorce")
        quiet = _member(QUIET)  # a co-list but no notifications asked for
        _later(quiet, "divorce")

    await sync_to_async(arrange)()
    await sync_to_async(_member)(6500010, topics=["divorce", "grief"])
    await sync_to_async(_member)(6500011, topics=["divorce", "loneliness"])
    await MemberJourney(webhook, telegram, 6500010).command("find")

    assert await db_call(tasks.colist_notify) == 1
    notice = telegram.last_to(READER)
    assert "Развод" in notice.text and "Найти собеседника" in " ".join(notice.button_texts())
    assert "6500010" not in notice.text and "Участник" not in notice.text
    assert not telegram.messages_to(QUIET)

    await MemberJourney(webhook, telegram, 6500011).command("find")
    await db_call(tasks.colist_notify)
    assert len(telegram.messages_to(READER)) == 1  # once a day at most

    clock.advance(dt.timedelta(hours=25))
    await MemberJourney(webhook, telegram, 6500011).command("stop")
    await MemberJourney(webhook, telegram, 6500011).command("find")
    await db_call(tasks.colist_notify)
    assert len(telegram.messages_to(READER)) == 2


async def test_co_list_notices_stop_on_403_and_on_one_tap(webhook, telegram):
    def arrange():
        for tg_id in (READER, GONE):
            member = _member(tg_id, colist_opt_in=True)
            _later(member, "divorce")
        _member(6500010, topics=["divorce", "grief"])

    await sync_to_async(arrange)()
    telegram.fail_next(GONE, "forbidden", method="sendMessage")
    await MemberJourney(webhook, telegram, 6500010).command("find")
    await db_call(tasks.colist_notify)
    assert (await Member.objects.aget(tg_id=GONE)).unreachable_since is not None
    reader = MemberJourney(webhook, telegram, READER)
    await reader.tap("Больше не сообщать", on=telegram.last_to(READER))
    assert "больше не буду сообщать" in reader.last_edit().text
    assert not (await Preferences.objects.aget(member__tg_id=READER)).colist_opt_in
