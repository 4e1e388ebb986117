"""Running enqueued RQ jobs inside a test, the way the worker would (no fork, no signals)."""

import django_rq
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from core.db import db_call


class _InlineWorker(SimpleWorker):
    death_penalty_class = TimerDeathPenalty  # SIGALRM only works in the main thread

    def _install_signal_handlers(self):  # signals only work in the main thread
        pass


def run_jobs(queue: str = "telegram") -> int:
    """Run what was enqueued on `queue` now; returns how many jobs there were."""
    q = django_rq.get_queue(queue)
    count = q.count
    _InlineWorker([q], connection=q.connection).work(burst=True)
    return count


async def arun_jobs(queue: str = "telegram") -> int:
    """run_jobs from an async test (jobs call asyncio.run, so they need a thread of their own)."""
    return await db_call(run_jobs, queue)
