"""Prometheus metrics of the matching app (multiprocess-safe like core.metrics)."""

from prometheus_client import Gauge

# The spec's `match_score_avg`: how good the pairs the rounds propose are, per arm of the
# strict-vs-soft experiment. Refreshed by every round that proposes pairs.
match_score_avg = Gauge(
    "tno_match_score_avg",
    "Average score of the pairs proposed in the last hour, by arm",
    ["arm"],
    multiprocess_mode="mostrecent",
)
