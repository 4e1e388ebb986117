import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from chats.models import ChatSession
from core import clock
from matching import rounds, services
from matching.models import MatchingSettings, Proposal, SearchRequest
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_queue_proposals_and_sessions_pages_show_state_and_the_per_arm_report(client):
    a, b = MemberFactory(), MemberFactory()
    for m in (a, b):
        SearchRequest.objects.create(member=m, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft")
    rounds.round_run()
    proposal = Proposal.objects.get()
    services.proposal_decide(proposal_id=proposal.pk, member_id=a.pk, accept=True)
    services.proposal_decide(proposal_id=proposal.pk, member_id=b.pk, accept=True)
    client.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    proposals = client.get(reverse("admin:matching_proposal_changelist")).content.decode()
    assert "Доля согласий" in proposals and "100%" in proposals
    assert "Оба согласились" in proposals
    queue = client.get(reverse("admin:matching_searchrequest_changelist"), {"status__exact": "matched"})
    assert a.ref in queue.content.decode()
    sessions = client.get(reverse("admin:chats_chatsession_changelist")).content.decode()
    assert "Идёт" in sessions
    assert ChatSession.objects.count() == 1


def _pair_searching(**member_fields):
    a, b = MemberFactory(**member_fields), MemberFactory(**member_fields)
    for m in (a, b):
        SearchRequest.objects.create(member=m, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft")
    return a, b


def test_score_weights_are_the_specs_by_default_and_staff_change_them_in_admin(client):
    _pair_searching()
    rounds.round_run()
    # Two shared topics of five, the same evening in Moscow, helpfulness 0.5 for both:
    assert Proposal.objects.get().score == pytest.approx(0.6 * 2 / 5 + 0.2 * 1 + 0.2 * 0.5)

    client.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    page = client.get(reverse("admin:matching_matchingsettings_change", args=[1])).content.decode()
    assert "Вес общих тем" in page and "Наибольшая разница часовых поясов" in page
    response = client.post(
        reverse("admin:matching_matchingsettings_change", args=[1]),
        {"weight_topics": "1", "weight_time": "0", "weight_helpfulness": "0", "max_tz_gap_hours": "3"},
    )
    assert response.status_code == 302
    second = _pair_searching()
    rounds.round_run()
    assert Proposal.objects.get(member_a__in=second).score == pytest.approx(2 / 5)

    refused = client.post(
        reverse("admin:matching_matchingsettings_change", args=[1]),
        {"weight_topics": "-1", "weight_time": "0", "weight_helpfulness": "0", "max_tz_gap_hours": "3"},
    )
    assert refused.status_code == 200 and MatchingSettings.current().weight_topics == 1


def test_the_reject_log_lists_reasons_per_proposal_and_is_read_only(client):
    a, b = _pair_searching()
    rounds.round_run()
    proposal = Proposal.objects.get()
    services.proposal_decide(proposal_id=proposal.pk, member_id=a.pk, accept=False)
    services.proposal_decline_why(proposal_id=proposal.pk, member_id=a.pk, why="topics")
    client.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    page = client.get(reverse("admin:matching_proposalrejection_changelist")).content.decode()
    assert "Пропустил(а)" in page and "Темы не те" in page
    assert client.get(reverse("admin:matching_proposalrejection_add")).status_code == 403
