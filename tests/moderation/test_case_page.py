"""One case page per report or flag: evidence, both members' history, actions in place."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.urls import reverse

from core import clock
from moderation.models import Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="correct-horse", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def danger_report() -> Report:
    anna, boris = MemberFactory(), MemberFactory()
    session = conversation(anna, boris)
    return Report.objects.create(
        reporter=anna, reported=boris, reason="danger", session=session, evidence_text="я знаю, где ты живёшь"
    )


def test_a_danger_case_closes_with_a_mute_in_one_post_linked_to_the_report(client, telegram):
    report = danger_report()
    nxt = Report.objects.create(reporter=report.reporter, reported=report.reported, reason="spam")
    moderator = staff("mod", "Moderators")
    client.force_login(moderator)
    url = reverse("moderation-case", args=["report", report.pk])
    page = client.get(url).content.decode()
    # The evidence is there, folded until clicked; the reason the member reads is prefilled.
    assert '<details class="evidence">' in page and "где ты живёшь" in page
    assert "Угрозы и опасные сообщения" in page
    response = client.post(url, {"action": "measure", "measure": "mute_24h", "reason": "Угрозы собеседнику"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "moderation-case", args=["report", nxt.pk]
    )
    report.refresh_from_db()
    sanction = Sanction.objects.get()
    assert report.status == "resolved" and report.assignee == moderator and sanction.report == report
    assert sanction.kind == "mute" and sanction.created_by == moderator
    report.reported.refresh_from_db()
    assert report.reported.muted_until > clock.now() + dt.timedelta(hours=23)
    assert LogEntry.objects.filter(user=moderator, object_id=str(report.pk)).exists()
    run_jobs()
    # The reporter hears it was handled, neutrally: not what was done to whom.
    closing = telegram.last_to(report.reporter.tg_id).text
    assert "рассмотрели вашу жалобу" in closing and "ограничен" not in closing


def test_taking_a_case_someone_else_holds_asks_first(client):
    report = danger_report()
    first, second = staff("first", "Moderators"), staff("second", "Moderators")
    url = reverse("moderation-case", args=["report", report.pk])
    client.force_login(first)
    client.post(url, {"action": "take"})
    client.force_login(second)
    page = client.post(url, {"action": "take"}, follow=True).content.decode()
    report.refresh_from_db()
    assert report.assignee == first and "уже взял first" in page and "Забрать у first" in page
    client.post(url, {"action": "take", "take_over": "on"})
    report.refresh_from_db()
    assert report.assignee == second


def test_a_case_is_dismissed_only_with_a_reason(client):
    flag = SafetyFlag.objects.create(
        member=MemberFactory(), kind="toxicity", severity=2, details="2 сообщения"
    )
    client.force_login(staff("mod", "Moderators"))
    url = reverse("moderation-case", args=["flag", flag.pk])
    assert client.post(url, {"action": "dismiss"}).status_code == 400
    assert client.post(url, {"action": "dismiss", "note": "ложное срабатывание"}).status_code == 302
    flag.refresh_from_db()
    assert flag.status == "dismissed"


def test_analysts_read_a_case_without_its_evidence_and_cannot_act(client):
    report = danger_report()
    client.force_login(staff("analyst", "Analysts"))
    url = reverse("moderation-case", args=["report", report.pk])
    page = client.get(url).content.decode()
    assert "где ты живёшь" not in page and "Применить меру" not in page
    for action in ("take", "resolve", "measure"):
        assert client.post(url, {"action": action, "measure": "warn", "reason": "x"}).status_code == 403
    report.refresh_from_db()
    assert report.status == "new" and report.assignee is None


def test_cases_are_assigned_to_moderators_never_to_analysts(client):
    report = danger_report()
    staff("analyst", "Analysts")
    client.force_login(staff("mod", "Moderators"))
    page = client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()
    assert ">mod</option>" in page and ">analyst</option>" not in page


def test_moderators_read_one_audit_log_across_moderators_and_nobody_edits_it(client, telegram):
    report = danger_report()
    first, second = staff("first", "Moderators"), staff("second", "Moderators")
    for moderator, action in ((first, "take"), (second, "resolve")):
        client.force_login(moderator)
        client.post(
            reverse("moderation-case", args=["report", report.pk]), {"action": action, "take_over": "on"}
        )
    log = reverse("admin:admin_logentry_changelist")
    page = client.get(log).content.decode()
    assert "Взято в работу" in page and "Решено" in page and "first" in page and "second" in page
    only_first = client.get(log, {"user__id__exact": first.pk}).content.decode()
    assert "Взято в работу" in only_first and "Решено</td>" not in only_first
    entry = LogEntry.objects.first()
    assert (
        client.post(reverse("admin:admin_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    client.force_login(staff("analyst", "Analysts"))
    assert client.get(log).status_code == 403
