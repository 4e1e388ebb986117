"""Cross-app hooks exist in every process, not only in the web one (issue 17).

A real `manage.py rqworker` (which never builds a PTB Application, so never calls any app's
`register()`) runs the session sweep: the session ends by its timer, the coach's context window
for it is gone, and the member whose chat answers 403 is marked unreachable.
"""

from __future__ import annotations

import datetime as dt
import time

import django_rq
import pytest

from accounts.models import Member
from chats.models import ChatSession
from coach import context as coach_context
from core.redis import connection as redis_connection
from tests.chats.factories import conversation
from tests.core.test_worker_faults import WorkerProcess

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7910001, 7910002


def _wait(predicate, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


def test_a_session_ended_by_the_worker_forgets_the_coach_context_and_a_403_marks_the_member_unreachable(
    telegram, tmp_path
):
    session = conversation(ANNA, BORIS, hours=-1)  # its timer ran out an hour ago
    coach_context.remember(
        session_id=session.pk, member_id=session.member_a_id, text="привет", at=time.time()
    )
    window = coach_context.window_key(session.pk)
    assert redis_connection().exists(window)
    telegram.fail_next(BORIS, "forbidden", method="sendMessage")  # Boris blocked the bot

    worker = WorkerProcess(telegram.base_url, tmp_path / "worker.log")
    try:
        django_rq.get_queue("default").enqueue("chats.tasks.sessions_sweep")
        _wait(
            lambda: ChatSession.objects.get(pk=session.pk).status == ChatSession.Status.ENDED,
            seconds=60,
            what="the sweep to end the session",
        )
        _wait(lambda: not redis_connection().exists(window), seconds=30, what="the coach context to go")
        _wait(
            lambda: Member.objects.get(pk=session.member_b_id).unreachable_since,
            seconds=30,
            what="Boris to be marked unreachable",
        )
    finally:
        worker.stop()
        print(worker.log.read_text()[-4000:])

    assert any("Время разговора закончилось" in text for text in telegram.texts_to(ANNA))
    assert Member.objects.get(pk=session.member_a_id).unreachable_since is None
    assert ChatSession.objects.get(pk=session.pk).ended_at <= dt.datetime.now(dt.UTC)
