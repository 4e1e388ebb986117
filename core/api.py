"""The Telegram webhook and the health endpoints."""

import hmac

import django_rq
import orjson
import structlog
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from core import metrics
from core.db import db_call
from core.webhook import INFRA_ERRORS, keep_unhandled, process_update_json

router = Router()
log = structlog.get_logger("core.webhook")


# Telegram's update_id is a positive 64-bit integer (PostgreSQL bigint); updates nest a dozen levels
# at most (a reply's keyboard), so anything much deeper is not one.
MAX_UPDATE_ID = 2**63 - 1
MAX_DEPTH = 32


def _not_an_update(data) -> str | None:
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


def _answer(status: int, detail: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"ok": status == 200, "detail": detail}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


# Updates being handled by this process now. Telegram opens at most setWebhook's max_connections
# (40) to the whole bot, so this only fills when something else floods the endpoint; past the
# limit an update is refused at once (503 + Retry-After: Telegram delivers it again) instead of
# queueing for a database connection it would time out waiting for.
_in_flight = 0


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: HttpRequest):
    global _in_flight
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return _answer(403, "forbidden")
    try:
        data = orjson.loads(request.body)  # refuses nesting past 1 024 levels and invalid UTF-8
    except orjson.JSONDecodeError:
        return _answer(400, "body is not JSON (UTF-8)")
    reason = _not_an_update(data)
    if reason is not None:
        return _answer(400, reason)
    if _in_flight >= settings.WEBHOOK_MAX_IN_FLIGHT:
        log.warning("webhook.busy", in_flight=_in_flight)
        metrics.updates_total.labels("unknown", "busy").inc()
        return _answer(503, "busy", settings.WEBHOOK_RETRY_AFTER_SECONDS)
    _in_flight += 1
    try:
        outcome = await process_update_json(
            data, retry_after=settings.WEBHOOK_RETRY_AFTER_SECONDS, reply_in_answer=True
        )
    except Exception as exc:  # noqa: BLE001 - a bug of ours outside the handlers: never a 500
        outcome = await keep_unhandled(data, exc, retry_after=settings.WEBHOOK_RETRY_AFTER_SECONDS)
    finally:
        _in_flight -= 1
    if outcome.reply is not None:
        return HttpResponse(orjson.dumps(outcome.reply), content_type="application/json")
    return _answer(outcome.status, outcome.detail, outcome.retry_after)


@router.get("/health", include_in_schema=False)
async def health(request: HttpRequest):
    """The process is alive."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    django_rq.get_connection("default").ping()


@router.get("/health/ready", include_in_schema=False)
async def health_ready(request: HttpRequest):
    """PostgreSQL and Redis are reachable; 503 otherwise."""
    checks = {}
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            await db_call(check)
            checks[name] = "ok"
        except (*INFRA_ERRORS, OSError) as exc:
            checks[name] = f"unavailable: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


@router.get("/health/db", include_in_schema=False)
async def health_db(request: HttpRequest):
    try:
        await db_call(_check_database)
    except INFRA_ERRORS as exc:
        return JsonResponse({"database": f"unavailable: {type(exc).__name__}"}, status=503)
    return JsonResponse({"database": "ok"})


@router.get("/health/redis", include_in_schema=False)
async def health_redis(request: HttpRequest):
    try:
        await db_call(_check_redis)
    except (*INFRA_ERRORS, OSError) as exc:
        return JsonResponse({"redis": f"unavailable: {type(exc).__name__}"}, status=503)
    return JsonResponse({"redis": "ok"})
