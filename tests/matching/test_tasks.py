"""The chain of matching rounds: what a round costs when it has nothing to say."""

import datetime as dt

import django_rq
import pytest
import redis as redis_client

from core import clock, redis
from matching import tasks
from matching.models import Proposal, SearchRequest
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def waiting(*tg_ids: int) -> None:
    for tg_id in tg_ids:
        member = MemberFactory(tg_id=tg_id)
        SearchRequest.objects.create(
            member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft"
        )


def next_rounds() -> list[str]:
    queue = django_rq.get_queue("default")
    jobs = (queue.fetch_job(job_id) for job_id in queue.scheduled_job_registry.get_job_ids())
    return [job.id for job in jobs if job.func_name == "matching.tasks.matching_round"]


@pytest.fixture
def redis_connects(monkeypatch) -> list[int]:
    """Redis connections this process opens (the server's own counter also counts other test
    workers sharing it)."""
    opened: list[int] = []
    connect = redis_client.connection.AbstractConnection.connect_check_health

    def counting(self, *args, **kwargs):
        if not self._sock:
            opened.append(id(self))
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(redis_client.connection.AbstractConnection, "connect_check_health", counting)
    return opened


@pytest.fixture
def no_bot(monkeypatch):
    built = []
    monkeypatch.setattr(tasks, "build_bot", lambda: built.append(1) or pytest.fail("a Bot was built"))
    return built


def test_a_lone_searcher_keeps_the_rounds_going_without_a_bot_being_built(no_bot):
    waiting(7300001)

    assert tasks.matching_round() == 0

    assert no_bot == [] and len(next_rounds()) == 1
    assert SearchRequest.objects.get().status == SearchRequest.Status.WAITING


def test_rounds_stop_when_nobody_waits(no_bot):
    assert tasks.matching_round() == 0
    assert tasks.matching_sweep() == 0

    assert next_rounds() == [] and no_bot == []


def test_rounds_and_sweeps_open_no_new_redis_connection_each(telegram, redis_connects):
    waiting(7300001)
    tasks.matching_sweep()
    before = len(redis_connects)

    for _ in range(3):
        tasks.enqueue_round()
        tasks.matching_round()
        redis.connection().delete("matching:round:next")
        tasks.matching_sweep()
    waiting(7300002)
    assert tasks.matching_round() == 2  # a pair: both get a card

    assert len(redis_connects) == before
    assert Proposal.objects.count() == 1 and len(telegram.calls_for(method="sendMessage")) == 2
