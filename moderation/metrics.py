"""Prometheus counters of the moderation app (multiprocess-safe like core.metrics)."""

from prometheus_client import Counter

reports_total = Counter("tno_reports_total", "Reports by members, by reason", ["reason"])
safety_flags_total = Counter("tno_safety_flags_total", "Safety flags opened, by kind", ["kind"])
filter_blocked_total = Counter("tno_filter_blocked_total", "Chat messages held back by the toxicity filter")
crisis_messages_total = Counter(
    "tno_crisis_messages_total", "Chat messages with crisis language (still relayed)"
)
sanctions_total = Counter("tno_sanctions_total", "Sanctions applied, by kind", ["kind"])
alerts_total = Counter("tno_moderator_alerts_total", "Alerts sent to moderators' chats, by kind", ["kind"])
