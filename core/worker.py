"""The rq worker every `manage.py rqworker` runs (settings.RQ["WORKER_CLASS"])."""

from __future__ import annotations

import importlib
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from rq import Worker as RQWorker
from rq.worker import WorkerStatus

from core import hooks

# Imported once when the worker starts, so the first job does not pay for importing numpy,
# python-telegram-bot and the app's jobs (jobs run in the worker process itself: execute_job).
PRELOAD = (
    "numpy",
    "numpy.random",  # numpy loads these lazily, on first use
    "numpy.ma",
    "httpcore",  # httpx (the coach's provider) imports its transport lazily, on the first client
    "config.telegram",
    "accounts.tasks",
    "chats.tasks",
    "coach.tasks",
    "core.tasks",
    "matching.tasks",
    "moderation.tasks",
    "tips.tasks",
)


class Worker(RQWorker):
    """rq's worker with its maintenance every RQ_MAINTENANCE_SECONDS (rq's default is 10 minutes).

    Maintenance is when a worker finds jobs abandoned by a worker that died (kill -9, OOM) and
    retries them, and when a restarted worker takes over the scheduler lock a dead scheduler
    still holds (it lapses 61 s after the last heartbeat). With rq's default a restart could hold
    scheduled work (rounds, retries, flood waits) back for ten minutes.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", settings.RQ_MAINTENANCE_SECONDS)
        super().__init__(*args, **kwargs)
        for module in PRELOAD:
            importlib.import_module(module)
        importlib.import_module("config.telegram").tls_context()
        hooks.process_started()  # dictionaries and weights, once, before the first job

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker waits on the queues this long before its loop (and maintenance) comes
        # round again; rq's default (worker TTL - 15 s = 405 s) would defeat the interval above.
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))

    def execute_job(self, job, queue):
        """Run the job in this process, not a fork: a fork per job (its copy-on-write pages, a new
        database pool, Redis connection and Bot) cost two thirds of the worker's CPU (issue 20)."""
        execution = self.prepare_execution(job)
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeats, args=(job, execution, done), daemon=True)
        beat.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            beat.join()
        self.set_state(WorkerStatus.IDLE)

    def _heartbeats(self, job, execution, done) -> None:
        # What a fork's monitor does: a long job is not taken for abandoned and run twice.
        while not done.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job, execution)
            except Exception:  # noqa: BLE001 - the next beat tries again
                self.log.warning("heartbeat failed", exc_info=True)

    def perform_job(self, job, queue, execution):
        close_old_connections()
        for conn in connections.all():
            if conn.pool is not None and not conn.pool.closed:
                conn.pool.check()  # PostgreSQL may have ended idle sessions since the last job
        try:
            return super().perform_job(job, queue, execution)
        finally:
            close_old_connections()  # back to the pool (CONN_MAX_AGE = 0), as after a request
