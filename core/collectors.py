"""Gauges read at scrape time from PostgreSQL and Redis (correct with any number of processes).

Counters and histograms are incremented where things happen (core.metrics, multiprocess-safe);
state such as queue length or active sessions is asked of the source of truth when Prometheus
scrapes, cached for a few seconds so a busy scraper cannot load the database.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import django_rq
import structlog
from django.apps import apps
from django.conf import settings
from django.db.models import Avg, Min
from django.http import HttpResponse
from prometheus_client.core import GaugeMetricFamily
from rq import Worker

from core import clock

log = structlog.get_logger(__name__)

_CACHE_SECONDS = 5.0


def _count(model_label: str, **filters) -> float | None:
    try:
        model = apps.get_model(model_label)
    except LookupError:
        return None
    return float(model.objects.filter(**filters).count())


class StateCollector:
    """Queue length, active sessions, open moderation work, dead letters, RQ queues."""

    def __init__(self):
        self._cached_at = 0.0
        self._cached: list = []

    def describe(self):
        return []

    def collect(self):
        if time.monotonic() - self._cached_at < _CACHE_SECONDS:
            yield from self._cached
            return
        families = []
        try:
            families = list(self._read())
        except Exception as exc:  # noqa: BLE001 - a scrape must never fail because a source is down
            log.warning("metrics.state_unavailable", error=type(exc).__name__)
        self._cached, self._cached_at = families, time.monotonic()
        yield from families

    def _read(self):
        gauge = GaugeMetricFamily
        values = {
            "tno_search_queue_length": ("Members waiting for a peer", "matching.SearchRequest", {"status": "waiting"}),
            "tno_active_sessions": ("Conversations in progress", "chats.ChatSession", {"status": "active"}),
            "tno_open_reports": ("Reports not yet resolved", "moderation.Report", {"status__in": ["new", "in_review"]}),
            "tno_open_safety_flags": ("Safety flags not yet resolved", "moderation.SafetyFlag", {"status__in": ["new", "in_review"]}),
            "tno_dead_letters_open": ("Dead-lettered updates waiting for staff", "core.DeadLetterUpdate", {"status__in": ["new", "failed_again"]}),
            "tno_open_payment_tickets": ("/paysupport tickets not yet answered", "tips.SupportTicket", {"status": "open"}),
            "tno_open_tip_mismatches": ("Reconciliation mismatches not yet resolved", "tips.Mismatch", {"resolved_at__isnull": True}),
        }  # fmt: skip
        for name, (documentation, label, filters) in values.items():
            try:
                value = _count(label, **filters)
            except Exception:  # noqa: BLE001 - a model whose fields differ is skipped, not fatal
                value = None
            if value is not None:
                family = gauge(name, documentation)
                family.add_metric([], value)
                yield family
        yield from self._matching()
        yield from self._rq()

    def _matching(self):
        """The spec's queue lag (age of the oldest waiting search) and match_score_avg per arm."""

        SearchRequest = apps.get_model("matching.SearchRequest")
        Proposal = apps.get_model("matching.Proposal")
        now = clock.now()
        oldest = SearchRequest.objects.filter(status="waiting").aggregate(t=Min("created_at"))["t"]
        lag = GaugeMetricFamily("tno_queue_lag_seconds", "Age of the oldest search still waiting for a peer")
        lag.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        score = GaugeMetricFamily(
            "tno_match_score_avg",
            "Average score of the pairs proposed in the last hour, by arm",
            labels=["arm"],
        )
        rows = (
            Proposal.objects.filter(created_at__gte=now - dt.timedelta(hours=1))
            .values("arm")
            .annotate(avg=Avg("score"))
        )
        for row in rows:
            score.add_metric([row["arm"] or "none"], float(row["avg"]))
        yield from (lag, score)

    def _rq(self):
        depth = GaugeMetricFamily("tno_rq_queue_depth", "Jobs waiting in an RQ queue", labels=["queue"])
        failed = GaugeMetricFamily(
            "tno_rq_failed_jobs", "Jobs in an RQ queue's failed registry", labels=["queue"]
        )
        workers = GaugeMetricFamily("tno_rq_workers", "RQ workers alive")
        worker_count = 0
        for name in settings.RQ_QUEUES:
            queue = django_rq.get_queue(name)
            depth.add_metric([name], float(queue.count))
            failed.add_metric([name], float(queue.failed_job_registry.count))

        worker_count = len(Worker.all(connection=django_rq.get_connection("default")))
        workers.add_metric([], float(worker_count))
        yield from (depth, failed, workers)


_state = StateCollector()


def metrics_view(request):
    """/metrics: process metrics (multiprocess-aware) plus the state gauges."""

    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(_state)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
