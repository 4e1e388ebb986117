"""Processing one Telegram update: the webhook's checks, dedup, PTB dispatch, dead letters,
retry on outages.

`process_update_json` is shared by the webhook (core.asgi) and polling mode, so both take the same path.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hmac
import math
import time
from dataclasses import dataclass, field

import orjson
import psycopg
import psycopg_pool
import redis.exceptions
import structlog
from django import db
from django.conf import settings
from telegram import Update
from telegram.error import RetryAfter, TelegramError

from config.telegram import get_application
from core import asyncdb, clock, metrics, services
from core.db import db_call
from core.messaging import WebhookReply, render, retry_after_seconds, send, webhook_reply
from core.pseudonym import pseudonymous_ref

log = structlog.get_logger("core.webhook")
# A claim that was never completed (the process died, or the database went away mid-update)
# can be taken again after this long, so a retried update is not lost.
STALE_CLAIM = dt.timedelta(seconds=60)

# Errors that mean "our infrastructure is down", not "this update is bad": Telegram retries them.
INFRA_ERRORS = (
    db.OperationalError,
    db.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


# Telegram's update_id is a positive 64-bit integer (PostgreSQL bigint); updates nest a dozen levels
# at most (a reply's keyboard), so anything much deeper is not one.
MAX_UPDATE_ID = 2**63 - 1
MAX_DEPTH = 32


def not_an_update(data) -> str | None:
    """Why `data` is not a Telegram Update, or None when it may be one."""
    if not isinstance(data, dict):
        return "body is not a JSON object"
    update_id = data.get("update_id")
    if type(update_id) is not int:
        return "body is not a Telegram Update (no integer update_id)"
    if not 0 < update_id <= MAX_UPDATE_ID:
        return "update_id out of range (1 .. 2^63-1)"
    if _deeper_than(data, MAX_DEPTH):
        return f"body nested deeper than {MAX_DEPTH} levels"
    return None


def _deeper_than(data, limit: int) -> bool:
    level = [data]
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


@dataclass
class HandlerFailures:
    errors: list[BaseException] = field(default_factory=list)


# Set per update by process_update_json; the PTB error handler appends to it.
current_failures: contextvars.ContextVar[HandlerFailures | None] = contextvars.ContextVar(
    "current_failures", default=None
)


def is_infra_error(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, INFRA_ERRORS):
            return True
        error = error.__cause__ or error.__context__
    return False


@dataclass
class Outcome:
    status: int
    detail: str
    retry_after: int | None = None
    reply: dict | None = None  # a Bot API call for Telegram to run (the update's held last message)


def update_kind(update: Update) -> str:
    for kind in (
        "message",
        "edited_message",
        "callback_query",
        "pre_checkout_query",
        "my_chat_member",
        "inline_query",
        "channel_post",
        "edited_channel_post",
        "chat_member",
        "poll",
        "poll_answer",
        "message_reaction",
    ):
        if getattr(update, kind, None) is not None:
            if kind == "message" and update.message.successful_payment is not None:
                return "successful_payment"
            return kind
    return "other"


async def process_update_json(data: dict, *, retry_after: int, reply_in_answer: bool = False) -> Outcome:
    """Process one update (already authenticated); the Outcome is what the webhook answers. With
    `reply_in_answer`, the update's last message (core.messaging.reply) comes back in it to be
    given to Telegram with the answer; otherwise every message is sent (polling)."""
    application = await get_application()
    try:
        update = Update.de_json(data, application.bot)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad request
        return Outcome(400, f"not a Telegram Update: {type(exc).__name__}")
    update_id = update.update_id
    kind = update_kind(update)
    structlog.contextvars.bind_contextvars(update_id=update_id, update_type=kind)

    try:
        now = clock.now()
        claimed = await asyncdb.update_claim(update_id=update_id, now=now, stale_before=now - STALE_CLAIM)
    except INFRA_ERRORS as exc:
        log.warning("webhook.database_unavailable", error=type(exc).__name__)
        metrics.updates_total.labels(kind, "unavailable").inc()
        return Outcome(503, "database unavailable", retry_after)
    if not claimed:
        metrics.updates_total.labels(kind, "duplicate").inc()
        return Outcome(200, "duplicate")

    failures = HandlerFailures()
    token = current_failures.set(failures)
    held = WebhookReply() if reply_in_answer else None
    reply_token = webhook_reply.set(held)
    writes_token = asyncdb.writes_collect()
    started = time.perf_counter()
    try:
        await application.process_update(update)
    finally:
        current_failures.reset(token)
        webhook_reply.reset(reply_token)
        writes = asyncdb.writes_collected(writes_token)
        metrics.handler_seconds.labels(kind).observe(time.perf_counter() - started)
    if failures.errors:
        await _flush_quietly(writes)  # what was done before the failure still counts

    flood = next((e for e in failures.errors if isinstance(e, RetryAfter)), None)
    if flood is not None:
        # Telegram asked us to slow down for longer than we wait inline: let it deliver this
        # update again later (it holds the chat's next updates meanwhile: order is kept).
        log.warning("webhook.flood_wait", retry_after=retry_after_seconds(flood))
        metrics.updates_total.labels(kind, "flood_wait").inc()
        await _release_quietly(update_id)
        return Outcome(503, "telegram flood control", max(retry_after, math.ceil(retry_after_seconds(flood))))
    infra = next((e for e in failures.errors if is_infra_error(e)), None)
    if infra is not None:
        log.warning("webhook.dependency_unavailable", error=type(infra).__name__)
        metrics.updates_total.labels(kind, "unavailable").inc()
        await _release_quietly(update_id)
        return Outcome(503, "dependency unavailable", retry_after)
    if failures.errors:
        error = failures.errors[0]
        log.error("webhook.handler_failed", error=type(error).__name__, exc_info=error)
        outcome = await _dead_letter(data, kind, error, _member_ref(update), retry_after=retry_after)
        if outcome.status == 200 and held is not None:
            try:  # what was said before the failure goes first, then the apology
                await application.bot.request.release(held)
            except TelegramError as exc:
                log.warning("webhook.held_reply_failed", error=type(exc).__name__)
        if outcome.status == 200:
            await _apologize(application.bot, update)
        return outcome
    try:
        await asyncdb.update_complete(update_id=update_id, writes=writes)
    except INFRA_ERRORS:
        pass  # handled already; a stale claim only matters if Telegram resends (its counters are lost)
    metrics.updates_total.labels(kind, "ok").inc()
    return Outcome(200, "ok", reply=application.bot.request.held_as_answer(held) if held else None)


# Updates being handled by this process now. Telegram opens at most setWebhook's max_connections
# (40) to the whole bot, so this only fills when something else floods the endpoint; past the
# limit an update is refused at once (503 + Retry-After: Telegram delivers it again) instead of
# queueing for a database connection it would time out waiting for.
_in_flight = 0


async def webhook_answer(*, secret: str, body: bytes) -> Outcome:
    """What POST /telegram/webhook answers to `body` sent with the secret header `secret`."""
    global _in_flight
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        return Outcome(403, "forbidden")
    try:
        data = orjson.loads(body)  # refuses nesting past 1 024 levels and invalid UTF-8
    except orjson.JSONDecodeError:
        return Outcome(400, "body is not JSON (UTF-8)")
    reason = not_an_update(data)
    if reason is not None:
        return Outcome(400, reason)
    retry_after = settings.WEBHOOK_RETRY_AFTER_SECONDS
    if _in_flight >= settings.WEBHOOK_MAX_IN_FLIGHT:
        log.warning("webhook.busy", in_flight=_in_flight)
        metrics.updates_total.labels("unknown", "busy").inc()
        return Outcome(503, "busy", retry_after)
    _in_flight += 1
    try:
        return await process_update_json(data, retry_after=retry_after, reply_in_answer=True)
    except Exception as exc:  # noqa: BLE001 - a bug of ours outside the handlers: never a 500
        return await keep_unhandled(data, exc, retry_after=retry_after)
    finally:
        _in_flight -= 1


async def _dead_letter(
    data: dict, kind: str, error: BaseException, member_ref: str, *, retry_after: int
) -> Outcome:
    """Keep an update that failed for staff: 200, or 503 when the database is down."""
    update_id = data["update_id"]
    metrics.updates_total.labels(kind, "dead_letter").inc()
    metrics.dead_letters_total.inc()
    record = functools.partial(
        db_call,
        services.dead_letter_record,
        update_id=update_id,
        update_type=kind,
        error=error,
        member_ref=member_ref,
    )
    try:
        try:
            await record(payload=data)
        except db.DataError:  # content PostgreSQL's jsonb refuses (a NUL character): keep the id
            await record(payload={"update_id": update_id})
    except INFRA_ERRORS:
        await _release_quietly(update_id)
        return Outcome(503, "database unavailable", retry_after)
    except Exception as exc:  # noqa: BLE001 - the update cannot be kept: say so in the log
        log.error("webhook.dead_letter_failed", error=type(exc).__name__, exc_info=exc)
        return Outcome(200, "handler failed; logged")
    return Outcome(200, "handler failed; kept for staff")


async def keep_unhandled(data: dict, error: BaseException, *, retry_after: int) -> Outcome:
    """What the webhook answers when processing failed outside the handlers (a bug of ours)."""
    if is_infra_error(error):
        await _release_quietly(data["update_id"])
        return Outcome(503, "dependency unavailable", retry_after)
    log.error("webhook.processing_failed", error=type(error).__name__, exc_info=error)
    return await _dead_letter(data, "other", error, "", retry_after=retry_after)


async def _flush_quietly(writes: list) -> None:
    try:
        await asyncdb.writes_flush(writes)
    except INFRA_ERRORS:
        pass  # counters only: a few may be lost while the database is away


async def _release_quietly(update_id: int) -> None:
    try:
        await asyncdb.update_release(update_id=update_id)
    except INFRA_ERRORS:
        pass  # the claim goes stale and Telegram's retry takes it over


def _member_ref(update: Update) -> str:
    user = update.effective_user
    return pseudonymous_ref(user.id) if user else ""


async def _apologize(bot, update: Update) -> None:
    """Tell the member their update was not handled, so nobody is left in silence (a relayed
    message may not have reached the partner). Best effort: this may fail as the handler did."""
    chat = update.effective_chat
    if chat is None or chat.type != "private" or update.pre_checkout_query is not None:
        return
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(render("core/handler_failed_short"), show_alert=True)
                return
            except TelegramError:  # the handler had answered the tap already: say it in the chat
                pass
        await send(bot, chat.id, "core/handler_failed")
    except Exception as exc:  # noqa: BLE001 - the dead letter is kept either way
        log.warning("webhook.apology_failed", error=type(exc).__name__)


async def record_handler_error(update: object, context) -> None:
    """PTB error handler: remember what failed so the webhook can answer accordingly."""
    failures = current_failures.get()
    if failures is not None:
        failures.errors.append(context.error)
    else:
        log.error("bot.error_outside_webhook", error=type(context.error).__name__, exc_info=context.error)


async def replay_update(data: dict) -> BaseException | None:
    """Process an update again outside the webhook (dead-letter replay); the first error or None."""
    application = await get_application()
    update = Update.de_json(data, application.bot)
    failures = HandlerFailures()
    token = current_failures.set(failures)
    try:
        await application.process_update(update)
    finally:
        current_failures.reset(token)
        await application.shutdown()
    return failures.errors[0] if failures.errors else None
