"""Periodic jobs, run by `manage.py rqcron config/cron.py` (one scheduler process)."""

from rq import cron

from core.tasks import processed_updates_prune

cron.register(processed_updates_prune, queue_name="default", cron="17 3 * * *")

from matching.tasks import matching_sweep  # noqa: E402

cron.register(matching_sweep, queue_name="default", interval=30)

from chats.tasks import sessions_sweep  # noqa: E402

cron.register(sessions_sweep, queue_name="default", interval=60)

from tips.tasks import tips_reconcile  # noqa: E402

cron.register(tips_reconcile, queue_name="default", cron="41 * * * *")

# Evidence attached to reports (one message each) is erased after 90 days.
from moderation.tasks import evidence_purge  # noqa: E402

cron.register(evidence_purge, queue_name="default", cron="23 4 * * *")

from accounts.tasks import colist_notify, digest_send  # noqa: E402

cron.register(digest_send, queue_name="default", cron="0 10 * * 1")  # Mondays, 13:00 Moscow
cron.register(colist_notify, queue_name="default", interval=600)

# The loneliness check (day 0, 30, 60, 90; at most once a week per member): joiners hear within minutes.
from accounts.tasks import loneliness_offer  # noqa: E402

cron.register(loneliness_offer, queue_name="default", interval=300)
