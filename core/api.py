"""The health endpoints (the Telegram webhook is core.asgi.telegram_webhook, below Django)."""

import django_rq
from django.db import connection
from django.http import HttpRequest, JsonResponse
from ninja import Router

from core.db import db_call
from core.webhook import INFRA_ERRORS

router = Router()


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
