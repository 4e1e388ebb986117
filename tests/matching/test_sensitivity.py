"""Topic sensitivity in matching: pairs where at least one side is in a steadier place come first."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from accounts.models import Member, Preferences
from core import clock
from core.db import db_call
from matching import rounds, scoring
from matching.models import Proposal, SearchRequest
from tests.accounts.factories import MemberFactory
from tests.accounts.journeys import MemberJourney

pytestmark = pytest.mark.django_db(transaction=True)


def _searching(sensitivity: str) -> Member:
    member = MemberFactory(topics=["burnout", "anxiety"])
    Preferences.objects.filter(member=member).update(sensitivity=sensitivity)
    SearchRequest.objects.create(member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft")
    return member


def _pairs() -> set[frozenset[int]]:
    return {frozenset((p.member_a_id, p.member_b_id)) for p in Proposal.objects.all()}


def test_two_people_for_whom_it_is_very_hard_are_each_paired_with_a_steadier_one(telegram):
    hard_1, hard_2 = _searching("very_hard"), _searching("very_hard")
    light_1, light_2 = _searching("light"), _searching("")
    rounds.round_run()
    pairs = _pairs()
    assert len(pairs) == 2
    assert frozenset((hard_1.pk, hard_2.pk)) not in pairs
    assert all(pair & {light_1.pk, light_2.pk} for pair in pairs)


def test_two_people_for_whom_it_is_very_hard_still_meet_when_nobody_else_waits(telegram):
    hard_1, hard_2 = _searching("very_hard"), _searching("very_hard")
    rounds.round_run()
    assert _pairs() == {frozenset((hard_1.pk, hard_2.pk))}


def _candidate(member_id: int, *, strain: int = 0, high_risk: bool = False) -> scoring.Candidate:
    return scoring.Candidate(
        member_id,
        member_id,
        frozenset({1, 2}),
        "Europe/Moscow",
        frozenset({"evening"}),
        0.5,
        False,
        high_risk=high_risk,
        strain=strain,
    )


def test_someone_in_acute_crisis_is_never_proposed_to_someone_for_whom_it_is_very_hard():
    crisis = _candidate(1, high_risk=True)
    assert scoring.score(crisis, _candidate(2, strain=2)) is None
    assert scoring.score(crisis, _candidate(3, strain=1)) is not None
    assert scoring.score(_candidate(4, strain=2), _candidate(5, strain=2)) < scoring.score(
        _candidate(6, strain=2), _candidate(7, strain=0)
    )


async def test_the_preview_card_shows_the_partners_anonymous_avatar(webhook, telegram):
    from matching.tasks import matching_round

    make = sync_to_async(MemberFactory)
    anna = await make(tg_id=7200001, pseudonym="Анна", avatar="🟣🦉")
    await make(tg_id=7200002, pseudonym="Борис", avatar="🟢🦊")
    await MemberJourney(webhook, telegram, anna.tg_id).command("find")
    await MemberJourney(webhook, telegram, 7200002).command("find")
    await db_call(matching_round)
    assert "🟣🦉 Анна" in telegram.last_to(7200002).text
    assert "🟢🦊 Борис" in telegram.last_to(7200001).text
