"""The rq worker every `manage.py rqworker` runs (settings.RQ["WORKER_CLASS"])."""

from __future__ import annotations

import importlib

from django.conf import settings
from rq import Worker as RQWorker

from core import hooks

# Imported once in the worker, so a work horse (a fork per job) starts with them loaded instead of
# importing numpy, python-telegram-bot and the app's jobs again for every job.
PRELOAD = (
    "numpy",
    "numpy.random",  # numpy loads these lazily, on first use
    "numpy.ma",
    "httpcore",  # httpx imports its transport lazily, on the first client
    "anyio._backends._asyncio",  # and httpcore its async backend, on the first request
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
        hooks.process_started()  # dictionaries and weights, once, before any job forks

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker waits on the queues this long before its loop (and maintenance) comes
        # round again; rq's default (worker TTL - 15 s = 405 s) would defeat the interval above.
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))
