import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from chats.models import ChatSession
from coach.models import AiHint, CoachSettings
from coach.selectors import coach_switch, hint_stats, in_rollout
from core import clock
from core.roles import ANALYSTS
from matching.models import Match
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _session():
    a, b = MemberFactory(), MemberFactory()
    match = Match.objects.create(member_a=a, member_b=b)
    return ChatSession.objects.create(
        match=match, member_a=a, member_b=b, ends_at=clock.now() + dt.timedelta(hours=24)
    )


def _hints(session):
    for provider, situation, status in [
        ("offline", "pain", "used"),
        ("offline", "pain", "hidden"),
        ("offline", "advice", "shown"),
        ("offline", "advice", "dropped"),
        ("openai", "pain", "used"),
    ]:
        AiHint.objects.create(
            session=session,
            member_ref=session.member_a.ref,
            situation=situation,
            provider=provider,
            status=status,
        )


def test_hint_stats_gives_acceptance_per_provider_and_situation():
    _hints(_session())
    now = clock.now()
    stats = hint_stats(now - dt.timedelta(days=1), now + dt.timedelta(minutes=1))
    providers = {row["provider"]: row for row in stats["by_provider"]}
    assert providers["offline"]["total"] == 4 and providers["offline"]["delivered"] == 3
    assert providers["offline"]["acceptance"] == round(1 / 3, 3)
    assert providers["openai"]["acceptance"] == 1.0
    situations = {row["situation"]: row for row in stats["by_situation"]}
    assert situations["pain"]["acceptance"] == round(2 / 3, 3)
    assert situations["advice"]["acceptance"] == 0.0 and situations["advice"]["dropped"] == 1
    assert hint_stats(now - dt.timedelta(days=9), now - dt.timedelta(days=8)) == {
        "by_provider": [],
        "by_situation": [],
    }


def test_rollout_is_a_stable_share_of_members():
    refs = [f"{i:012x}" for i in range(2000)]
    share = sum(in_rollout(ref, 10) for ref in refs) / len(refs)
    assert 0.07 < share < 0.13
    assert all(in_rollout(ref, 100) for ref in refs[:50]) and not any(in_rollout(ref, 0) for ref in refs[:50])
    assert [in_rollout(ref, 30) for ref in refs[:50]] == [in_rollout(ref, 30) for ref in refs[:50]]


def test_settings_page_is_the_single_row_and_the_hint_log_shows_rates_and_filters(client):
    _hints(_session())
    client.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    response = client.get(reverse("admin:coach_coachsettings_changelist"))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "rollout_percent" in page.content.decode()
    response = client.post(response["Location"], {"enabled": "on", "rollout_percent": "25"})
    assert response.status_code == 302
    settings = CoachSettings.load()
    assert settings.enabled and settings.rollout_percent == 25
    assert coach_switch() == (True, 25)
    client.post(reverse("admin:coach_coachsettings_change", args=[1]), {"rollout_percent": "40"})
    assert coach_switch() == (False, 40)  # saving in admin takes effect at once, not after the cache
    log = client.get(reverse("admin:coach_aihint_changelist")).content.decode()
    assert "Доля принятых" in log and "33%" in log and "100%" in log
    filtered = client.get(reverse("admin:coach_aihint_changelist"), {"status__exact": "used", "period": "7d"})
    assert filtered.status_code == 200 and "2 подсказки коуча" in filtered.content.decode()


def test_analysts_read_the_hint_log_but_cannot_change_settings(client):
    _hints(_session())
    analyst = User.objects.create_user("ana", password="pw", is_staff=True)
    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    client.force_login(analyst)
    assert client.get(reverse("admin:coach_aihint_changelist")).status_code == 200
    settings = CoachSettings.load()
    url = reverse("admin:coach_coachsettings_change", args=[settings.pk])
    client.post(url, {"enabled": "on", "rollout_percent": "100"})
    assert not CoachSettings.load().enabled
