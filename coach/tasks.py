"""RQ jobs of the coach: compute a hint for one member after a relayed message, and deliver it."""

from __future__ import annotations

import asyncio
import time

import structlog

from coach import context, keyboards, metrics, services
from coach.providers import Hint, provider_for
from config.telegram import build_bot
from core import clock
from core.db import db_sync
from core.messaging import send

log = structlog.get_logger(__name__)


def hint_compute(*, session_id: int, member_id: int) -> str:
    """At most one hint per member per 5 minutes; never to a muted member or after the session ended."""
    try:
        target = db_sync(services.hint_target)(session_id=session_id, member_id=member_id)
        if target is None or context.hint_recently_given(member_id):
            return "skipped"
        lines = context.lines_for(session_id=session_id, member_id=member_id)
        provider = provider_for(use_llm=target.use_llm)
        started = time.perf_counter()
        hint = provider.suggest(lines, now=clock.now().timestamp())
        latency_ms = int(1000 * (time.perf_counter() - started))
        if hint is None:
            return "nothing"
        if hint.fallback:
            metrics.hints_total.labels(provider.name, hint.situation, "fallback").inc()
        delivery = db_sync(services.hint_record)(
            session_id=session_id, member_id=member_id, hint=hint, latency_ms=latency_ms
        )
        if delivery is None:
            return "dropped"
        context.hint_given(
            member_id=member_id, hint_id=delivery.hint_id, session_id=session_id, phrase=hint.phrase
        )
        asyncio.run(_deliver(delivery, hint))
        log.info("coach.hint", situation=hint.situation, provider=hint.provider, latency_ms=latency_ms)
        return hint.situation
    finally:
        context.job_done(session_id=session_id, member_id=member_id)


async def _deliver(delivery: services.HintDelivery, hint: Hint) -> None:
    async with build_bot() as bot:
        if delivery.hotlines:
            # Crisis: the card with the hotlines comes first, the hint second.
            await send(bot, delivery.tg_id, "moderation/sos", {"hotlines": delivery.hotlines})
        await send(
            bot,
            delivery.tg_id,
            "coach/hint",
            {"advice": hint.advice, "why": hint.why, "phrase": hint.phrase, "situation": hint.situation},
            reply_markup=keyboards.hint(delivery.hint_id, hint.phrase),
        )
