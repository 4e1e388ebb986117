"""Workers die (issue 10): a real `manage.py rqworker --with-scheduler` killed with SIGKILL.

The worker is killed in the middle of a matching round (its transaction is held at the INSERT
of the proposals by a table lock this test takes), together with its scheduler, while a job is
scheduled for later. A second worker is started at once, as compose's `restart:` would. What a
member would notice: the round runs again, the pair gets one proposal and each side one card;
the scheduled job still runs although the dead scheduler's lock had to lapse first.

This takes about two minutes: rq only calls a job abandoned once the dead worker's heartbeat
(90 s) has lapsed, and nothing here shortens rq's own clocks except RQ_MAINTENANCE_SECONDS,
which production sets to 60.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import django_rq
import psutil
import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from core import clock
from core.models import ProcessedUpdate
from matching import tasks
from matching.models import Proposal, SearchRequest
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
ANNA, BORIS = 7900001, 7900002
WORKER_APP = "rqworker-under-test"


def _conninfo() -> str:
    s = connection.settings_dict
    return make_conninfo(
        dbname=s["NAME"], user=s["USER"] or None, password=s["PASSWORD"] or None,
        host=s["HOST"] or None, port=str(s["PORT"]) if s["PORT"] else None,
    )  # fmt: skip


def _database_url() -> str:
    """The test database as a URL for a worker process (same server, same credentials)."""
    from urllib.parse import quote

    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    host = s["HOST"] or ""
    if host.startswith("/"):
        return f"postgres://{auth}@/{s['NAME']}?host={quote(host)}&port={s['PORT'] or 5432}"
    return f"postgres://{auth}@{host or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`manage.py rqworker default telegram --with-scheduler`, as compose's worker service runs it."""

    def __init__(self, api_url: str, log: Path):
        self.log = log
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "TELEGRAM_API_BASE_URL": api_url,
            "RQ_MAINTENANCE_SECONDS": "5",
            "LOG_LEVEL": "INFO",
            "PGAPPNAME": WORKER_APP,  # libpq names the worker's sessions, so a test can end just those
        }
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "default", "telegram", "--with-scheduler"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def kill9(self) -> None:
        """SIGKILL to the worker (which runs the job) and its scheduler (each in a process group of its
        own), as when the container is killed or the kernel's OOM killer strikes."""
        tree = [self.process.pid] + [child.pid for child in psutil.Process(self.process.pid).children(True)]
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


def _wait(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


def _blocked_backend(watch: psycopg.Connection) -> int | None:
    row = watch.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE '%%INSERT INTO%%matching_proposal%%'"
    ).fetchone()
    return row[0] if row else None


def test_a_worker_killed_mid_round_and_restarted_pairs_the_members_once_and_scheduled_work_continues(
    telegram, tmp_path
):
    anna, boris = MemberFactory(tg_id=ANNA), MemberFactory(tg_id=BORIS)
    for member in (anna, boris):
        SearchRequest.objects.create(
            member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft"
        )
    old = clock.now() - dt.timedelta(days=30)
    ProcessedUpdate.objects.bulk_create([ProcessedUpdate(update_id=i, claimed_at=old) for i in range(1, 4)])

    watch = psycopg.connect(_conninfo(), autocommit=True)
    holder = psycopg.connect(_conninfo())
    holder.execute("LOCK TABLE matching_proposal IN SHARE MODE")  # the round's INSERT waits here
    first = WorkerProcess(telegram.base_url, tmp_path / "first.log")
    second = None
    try:
        tasks.enqueue_round()
        django_rq.get_queue("default").enqueue_in(
            dt.timedelta(seconds=8), "core.tasks.processed_updates_prune"
        )
        blocked = _wait(lambda: _blocked_backend(watch), seconds=60, what="the round to reach its INSERT")

        first.kill9()  # worker (mid-job) and scheduler
        holder.commit()
        _wait(
            lambda: not watch.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (blocked,)).fetchone(),
            seconds=30,
            what="PostgreSQL to end the dead worker's session",
        )
        assert Proposal.objects.count() == 0  # the killed round's transaction was rolled back
        assert telegram.messages_to(ANNA) == [] and telegram.messages_to(BORIS) == []

        second = WorkerProcess(telegram.base_url, tmp_path / "second.log")
        _wait(lambda: Proposal.objects.exists(), seconds=240, what="the abandoned round to run again")
        _wait(
            lambda: not ProcessedUpdate.objects.exists(),
            seconds=120,
            what="the job scheduled before the kill to run",
        )
        _wait(
            lambda: len(telegram.messages_to(ANNA)) and len(telegram.messages_to(BORIS)),
            seconds=30,
            what="both cards",
        )
        time.sleep(2)  # a second card would come right after the first
    finally:
        first.stop()
        if second:
            second.stop()
        for worker in filter(None, (first, second)):  # shown by pytest when the test fails
            print(f"--- {worker.log.name}", worker.log.read_text()[-6000:], sep="\n")
        holder.close()
        watch.close()

    proposal = Proposal.objects.get()
    assert {proposal.member_a_id, proposal.member_b_id} == {anna.pk, boris.pk}
    assert proposal.cards_sent_at is not None
    for tg_id in (ANNA, BORIS):
        cards = [c for c in telegram.messages_to(tg_id) if "Нашёлся собеседник" in c.text]
        assert len(cards) == 1, telegram.messages_to(tg_id)
    assert set(SearchRequest.objects.values_list("status", flat=True)) == {SearchRequest.Status.PROPOSED}


def _drop_worker_sessions(watch: psycopg.Connection) -> int:
    """PostgreSQL ends the worker's sessions (as a restart or a failover would)."""
    rows = watch.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = %s",
        (WORKER_APP,),
    ).fetchall()
    return len(rows)


def test_a_worker_whose_database_sessions_were_dropped_between_jobs_still_pairs_the_next_members(
    telegram, tmp_path
):
    anna, boris = MemberFactory(tg_id=ANNA), MemberFactory(tg_id=BORIS)
    watch = psycopg.connect(_conninfo(), autocommit=True)
    worker = WorkerProcess(telegram.base_url, tmp_path / "worker.log")
    queue = django_rq.get_queue("default")
    try:
        first = queue.enqueue("matching.tasks.matching_sweep")
        _wait(lambda: first.get_status(refresh=True) == "finished", seconds=60, what="a first job")
        runner = queue.enqueue("os.getpid")
        _wait(lambda: runner.get_status(refresh=True) == "finished", seconds=30, what="a second job")
        assert runner.return_value() == worker.process.pid  # jobs run in the worker, not a fork each
        _drop_worker_sessions(watch)  # a worker that keeps them between jobs (a fork per job keeps none)

        for member in (anna, boris):
            SearchRequest.objects.create(
                member=member, expires_at=clock.now() + dt.timedelta(hours=1), arm="soft"
            )
        tasks.enqueue_round()
        _wait(lambda: Proposal.objects.exists(), seconds=60, what="the round after the drop")
        _wait(
            lambda: len(telegram.messages_to(ANNA)) and len(telegram.messages_to(BORIS)),
            seconds=30,
            what="both cards",
        )
    finally:
        worker.stop()
        print(f"--- {worker.log.name}", worker.log.read_text()[-6000:], sep="\n")
        watch.close()

    assert queue.failed_job_registry.count == 0
