"""Prometheus counters of tips (multiprocess-safe through prometheus_client, like core.metrics)."""

from prometheus_client import Counter

# status: invoiced | refused (pre-checkout said no) | paid | duplicate | refunded
tips_total = Counter("tno_tips_total", "Tips by what happened to them", ["status"])
stars_total = Counter("tno_stars_total", "Stars received as tips (gross, before refunds)")
