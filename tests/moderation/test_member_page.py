"""The member page is a case file: read-only, the summary first, changes only through actions."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from core import clock
from moderation.models import Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)


def staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="correct-horse", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def member_with_a_history():
    anna = MemberFactory(
        pseudonym="Северная", ratings_count=3, muted_until=clock.now() + dt.timedelta(hours=5)
    )
    boris = MemberFactory()
    conversation(anna, boris)
    Sanction.objects.create(
        member=anna, kind="mute", reason="Оскорбления собеседника", until=anna.muted_until
    )
    Sanction.objects.create(
        member=anna, kind="warn", reason="Спам", created_at=clock.now() - dt.timedelta(days=9)
    )
    against = Report.objects.create(reporter=boris, reported=anna, reason="abuse")
    Report.objects.create(reporter=anna, reported=boris, reason="spam", status="dismissed")
    flag = SafetyFlag.objects.create(member=anna, kind="toxicity", severity=2, details="2 сообщения")
    return anna, against, flag


def test_the_member_page_opens_with_the_summary_of_the_case_file(client):
    anna, against, flag = member_with_a_history()
    client.force_login(staff("mod", "Moderators"))
    page = client.get(reverse("admin:accounts_member_change", args=[anna.pk])).content.decode()
    summary = page[page.index("Сводка") : page.index("Северная")]  # before the profile
    for text in (
        "ограничен до",
        "действующие меры:",
        "ограничение</a> «Оскорбления собеседника»",
        "санкций: 2",
        "жалоб на него: 1, открытых:",
        reverse("moderation-case", args=["report", against.pk]),
        "его жалоб: 1, из них отклонено: 1",
        "сигналов: 1, открытых:",
        reverse("moderation-case", args=["flag", flag.pk]),
        "разговоров: 1, оценок: 3",
    ):
        assert text in summary, text


def test_the_member_page_changes_nothing_itself_only_through_actions(client):
    anna, _, _ = member_with_a_history()
    url = reverse("admin:accounts_member_change", args=[anna.pk])
    for user in (staff("mod", "Moderators"), User.objects.create_superuser("root", password="x")):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert 'name="_save"' not in page and 'name="pseudonym"' not in page and "<textarea" not in page
        add = reverse("admin:moderation_sanction_add")
        assert f"{add}?member={anna.pk}" in page  # a measure
        assert f"{add}?member={anna.pk}&amp;choice=lift" in page  # muted: the lift is offered
        assert client.post(url, {"pseudonym": "Другая", "bio": ""}).status_code == 403
        assert (
            client.post(reverse("admin:accounts_member_delete", args=[anna.pk]), {"post": "yes"}).status_code
            == 403
        )
    anna.refresh_from_db()
    assert anna.pseudonym == "Северная"


def test_an_analyst_reads_the_summary_by_ref_and_is_offered_no_action(client):
    anna, _, _ = member_with_a_history()
    client.force_login(staff("analyst", "Analysts"))
    page = client.get(reverse("admin:accounts_member_change", args=[anna.pk])).content.decode()
    assert "Сводка" in page and anna.ref in page and "жалоб на него: 1" in page
    assert "Северная" not in page and "Применить меру" not in page and "Снять ограничения" not in page
