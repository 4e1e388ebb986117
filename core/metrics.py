"""Prometheus metrics of the bot (multiprocess-safe through prometheus_client)."""

from prometheus_client import Counter, Histogram

updates_total = Counter("tno_updates_total", "Telegram updates by type and outcome", ["type", "outcome"])
handler_seconds = Histogram(
    "tno_update_handler_seconds",
    "Time to process one update",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
dead_letters_total = Counter("tno_dead_letters_total", "Updates kept in the dead-letter table")
telegram_errors_total = Counter(
    "tno_telegram_errors_total", "Errors answered by the Bot API by kind", ["method", "kind"]
)

proposals_total = Counter(
    "tno_proposals_total", "Proposals by outcome (created, confirmed, declined, expired)", ["outcome"]
)
time_to_proposal_seconds = Histogram(
    "tno_time_to_proposal_seconds",
    "From /find to the first proposal",
    buckets=(1, 3, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600),
)
matching_round_seconds = Histogram(
    "tno_matching_round_seconds",
    "Duration of one matching round",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
messages_relayed_total = Counter(
    "tno_messages_relayed_total", "Chat messages delivered to the partner, by kind", ["kind"]
)
find_ratelimited_total = Counter(
    "tno_find_ratelimited_total", "/find refused because a member asked too often (spec: FIND_PER_HOUR)"
)
