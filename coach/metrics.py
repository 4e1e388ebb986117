"""Prometheus metrics of the coach (multiprocess-safe through prometheus_client)."""

from prometheus_client import Counter

hints_total = Counter(
    "tno_coach_hints_total",
    "Coach hints by provider, situation and outcome (shown, used, hidden, dropped, fallback)",
    ["provider", "situation", "outcome"],
)
