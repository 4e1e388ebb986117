import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from chats.models import ChatSession
from core import clock
from matching import services
from matching.models import Proposal, SearchRequest
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_queue_proposals_and_sessions_pages_show_state_and_the_per_arm_report(client):
    a, b = MemberFactory(), MemberFactory()
    for m in (a, b):
        SearchRequest.objects.create(member=m, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft")
    services.round_run()
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
