"""Reports that can't be weaponised: one report never sanctions or hides anyone, several reporters
only bring the case to moderators, and a reporter whose reports are repeatedly dismissed waits."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User
from django.urls import reverse

from accounts.models import Member
from core import clock
from matching.models import Proposal
from moderation.models import Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney
from tests.chats.factories import conversation
from tests.matching.test_matching import make, run_round
from tests.taps import tap

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS, VERA = 7410001, 7410002, 7410003


async def report_partner(webhook, telegram, tg_id: int, reason: str = "Оскорбления"):
    await webhook.command(tg_id, "report")
    await tap(webhook, tg_id, telegram.last_to(tg_id), reason)


async def test_one_report_neither_mutes_nor_hides_the_reported_member_from_matching(webhook, telegram):
    anna, boris = await make(ANNA, pseudonym="Анна"), await make(BORIS, pseudonym="Борис")
    await sync_to_async(conversation)(anna, boris)
    await report_partner(webhook, telegram, ANNA)
    assert await Report.objects.acount() == 1

    boris_now = await Member.objects.aget(tg_id=BORIS)
    assert not boris_now.is_muted() and boris_now.status == Member.Status.ACTIVE
    assert not await Sanction.objects.aexists() and not await SafetyFlag.objects.aexists()

    await make(VERA, pseudonym="Вера")
    for tg_id in (BORIS, VERA):
        await MemberJourney(webhook, telegram, tg_id).command("find")
    await run_round()
    assert "Нашёлся собеседник" in telegram.last_to(BORIS).text
    assert "Вера" in telegram.last_to(BORIS).text
    # He can talk: a message from him reaches a new partner once they both accept.
    await MemberJourney(webhook, telegram, BORIS).tap("Принять")
    await MemberJourney(webhook, telegram, VERA).tap("Принять")
    await webhook.text(BORIS, "Привет! Как ты?")
    assert telegram.calls_for(VERA, "copyMessage")


async def test_the_reporter_and_the_reported_are_still_kept_apart(webhook, telegram):
    anna, boris = await make(ANNA, pseudonym="Анна"), await make(BORIS, pseudonym="Борис")
    await sync_to_async(conversation)(anna, boris)
    await report_partner(webhook, telegram, ANNA)
    for tg_id in (ANNA, BORIS):
        await MemberJourney(webhook, telegram, tg_id).command("find")
    await run_round()
    assert await Proposal.objects.acount() == 0


async def test_two_different_reporters_bring_the_member_to_moderators_without_any_measure(webhook, telegram):
    anna, boris = await make(ANNA, pseudonym="Анна"), await make(BORIS, pseudonym="Борис")
    vera = await make(VERA, pseudonym="Вера")
    await sync_to_async(conversation)(anna, boris)
    await report_partner(webhook, telegram, ANNA)
    assert not await SafetyFlag.objects.aexists()

    await sync_to_async(conversation)(vera, boris)
    await report_partner(webhook, telegram, VERA, "Спам")
    flag = await SafetyFlag.objects.aget()
    assert flag.kind == SafetyFlag.Kind.REPORTS and flag.member_id == boris.pk
    assert flag.severity == SafetyFlag.Severity.MEDIUM and "2 разных" in flag.details
    boris_now = await Member.objects.aget(pk=boris.pk)
    assert not boris_now.is_muted() and not await Sanction.objects.aexists()
    assert boris_now.status == Member.Status.ACTIVE


async def test_the_same_reporter_twice_is_still_one_reporter(webhook, telegram):
    anna, boris = await make(ANNA, pseudonym="Анна"), await make(BORIS, pseudonym="Борис")
    for _ in range(2):
        await sync_to_async(conversation)(anna, boris)
        await report_partner(webhook, telegram, ANNA)
        clock.advance(dt.timedelta(minutes=5))
    assert await Report.objects.acount() == 2
    assert not await SafetyFlag.objects.aexists()


def moderator(client) -> None:
    user = User.objects.create_user("mod", password="correct-horse", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)


def test_reports_from_a_reporter_whose_reports_are_repeatedly_dismissed_sink(client):
    crier, careful = MemberFactory(), MemberFactory()
    crier_target, careful_target = MemberFactory(), MemberFactory()
    for _ in range(2):
        Report.objects.create(reporter=crier, reported=MemberFactory(), reason="abuse", status="dismissed")
    Report.objects.create(reporter=crier, reported=crier_target, reason="abuse")  # older…
    clock.advance(dt.timedelta(minutes=30))
    Report.objects.create(reporter=careful, reported=careful_target, reason="abuse")  # …still first
    danger = Report.objects.create(reporter=crier, reported=MemberFactory(), reason="danger")

    moderator(client)
    page = client.get(reverse("moderation-queue")).content.decode()
    assert page.index(danger.reported.ref) < page.index(careful_target.ref) < page.index(crier_target.ref)
    changelist = client.get(reverse("admin:moderation_report_changelist"), {"status": "new"}).content.decode()
    assert changelist.index(careful_target.ref) < changelist.index(crier_target.ref)
    assert "отклонено 2" in changelist


def test_a_reporter_whose_reports_are_mostly_upheld_does_not_sink(client):
    reporter, other = MemberFactory(), MemberFactory()
    for status in ("dismissed", "dismissed", "resolved", "resolved", "resolved"):
        Report.objects.create(reporter=reporter, reported=MemberFactory(), reason="abuse", status=status)
    first = Report.objects.create(reporter=reporter, reported=MemberFactory(), reason="abuse")
    clock.advance(dt.timedelta(minutes=30))
    second = Report.objects.create(reporter=other, reported=MemberFactory(), reason="abuse")
    moderator(client)
    page = client.get(reverse("moderation-queue")).content.decode()
    assert page.index(first.reported.ref) < page.index(second.reported.ref)
