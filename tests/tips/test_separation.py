import datetime as dt

import pytest

from chats import services as chats_services
from core import clock
from matching import rounds, scoring
from matching.models import SearchRequest
from tests.tips.helpers import conversation, paid_tip

pytestmark = pytest.mark.django_db


def _scores(members):
    searches = [
        SearchRequest.objects.get_or_create(
            member=m,
            status="waiting",
            defaults={"expires_at": clock.now() + dt.timedelta(hours=1), "arm": "soft"},
        )[0]
        for m in members
    ]
    candidates = rounds.candidates_for_pool(searches)
    return candidates, scoring.score(candidates[0], candidates[1])


def test_tips_never_change_a_members_matching_candidate_or_score():
    session = conversation()
    chats_services.session_end(member_id=session.member_a_id)  # tips may follow the talk
    members = [session.member_a, session.member_b]
    before_candidates, before_score = _scores(members)
    assert before_score is not None
    for n in range(20):
        paid_tip(session, amount=50, charge_id=f"generous-{n}")
    for member in members:
        member.refresh_from_db()
    after_candidates, after_score = _scores(members)
    assert after_candidates == before_candidates
    assert after_score == before_score
