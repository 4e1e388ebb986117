"""A moderator's day in Chromium: a danger case closed in three clicks, appeals by a second pair of eyes,
and an analyst refused wherever something would change."""

import datetime as dt

import django_rq
import pytest
from django.contrib.auth.models import User

from core import clock
from moderation.models import Appeal, Report, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_danger_case_goes_from_the_queue_to_a_mute_and_resolved_in_three_clicks(as_staff, telegram):
    anna, boris = MemberFactory(), MemberFactory()
    Report.objects.create(reporter=boris, reported=anna, reason="spam")
    report = Report.objects.create(
        reporter=anna, reported=boris, reason="danger", session=conversation(anna, boris),
        evidence_text="я знаю, где ты живёшь",
    )  # fmt: skip
    moderator = as_staff("mod", "Moderators", width=390, height=844)
    page = moderator.page
    moderator.open("/admin/moderation/queue/")
    clicks = 0
    page.get_by_role("link", name="открыть").first.click()  # danger first
    clicks += 1
    moderator.shot("case-danger-390")
    assert page.locator("details.evidence").get_attribute("open") is None  # folded until clicked
    page.select_option("#id_measure", "mute_24h")
    clicks += 1
    page.get_by_role("button", name="Применить меру и закрыть").click()
    clicks += 1
    page.wait_for_load_state()
    moderator.shot("case-after-mute")
    assert clicks <= 4
    report.refresh_from_db()
    boris.refresh_from_db()
    assert report.status == "resolved" and Sanction.objects.get(report=report).kind == "mute"
    assert boris.is_muted()
    assert "применена" in page.content()  # and the next case is open: the spam report
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert moderator.console_errors == []


def test_an_appeal_is_decided_by_a_second_moderator(as_staff, telegram):
    anna = MemberFactory(muted_until=clock.now() + dt.timedelta(hours=1))
    first = as_staff("first", "Moderators")
    sanction = Sanction.objects.create(
        member=anna, kind="mute", reason="оскорбления", until=anna.muted_until,
        created_by=User.objects.get(username="first"),
    )  # fmt: skip
    appeal = Appeal.objects.create(sanction=sanction, member=anna, text="я не оскорбляла")
    for moderator, expected in ((first, "pending"), (as_staff("second", "Moderators"), "overturned")):
        moderator.open("/admin/moderation/queue/")
        moderator.page.get_by_role("link", name="открыть").first.click()
        moderator.page.select_option("#id_decision", "overturn")
        moderator.page.fill("#id_decision_note", "Ошибка фильтра")
        moderator.page.get_by_role("button", name="Сохранить", exact=True).click()
        moderator.page.wait_for_load_state()
        appeal.refresh_from_db()
        assert appeal.status == expected, moderator.name
    moderator.shot("appeal-decided")
    anna.refresh_from_db()
    assert anna.muted_until is None


def test_an_analyst_is_refused_every_action_rq_included(as_staff):
    anna, boris = MemberFactory(), MemberFactory()
    report = Report.objects.create(reporter=anna, reported=boris, reason="danger", evidence_text="угроза")
    job = django_rq.get_queue("default").enqueue_in(dt.timedelta(hours=1), "matching.tasks.matching_round")
    analyst = as_staff("analyst", "Analysts")
    page = analyst.page
    analyst.open(f"/admin/moderation/case/report/{report.pk}/")
    assert page.get_by_role("button", name="Применить меру и закрыть").count() == 0
    assert "угроза" not in page.content()
    analyst.open("/admin/moderation/report/")
    assert page.locator("select[name=action]").count() == 0  # no bulk actions offered
    for path in (
        f"/admin/rq/queues/0/{job.id}/delete/",
        f"/admin/rq/queues/0/{job.id}/",
        "/admin/rq/queues/0/requeue-all/",
        "/admin/moderation/sanction/add/",
        f"/admin/moderation/report/{report.pk}/delete/",
    ):
        assert analyst.open(path).status == 403, path
    analyst.open("/admin/rq/")
    analyst.shot("rq-analyst")
    assert job.id in django_rq.get_queue("default").scheduled_job_registry.get_job_ids()
