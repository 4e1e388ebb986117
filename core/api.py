"""The health endpoints (the Telegram webhook is core.asgi.telegram_webhook, below Django).

Plain async Django views: django-ninja and pydantic cost the web process about 10 MiB of memory
for four GET endpoints (issue 20).
"""

import functools

import django_rq
from django.db import connection
from django.http import HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from core.db import db_call
from core.webhook import INFRA_ERRORS


def _get_only(view):
    """GET or 405 (with Allow), as a probe endpoint answers any other method."""

    @csrf_exempt
    @functools.wraps(view)
    async def wrapper(request: HttpRequest):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"], content=b"Method not allowed")
        return await view(request)

    return wrapper


@_get_only
async def health(request: HttpRequest):
    """The process is alive."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    django_rq.get_connection("default").ping()


@_get_only
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


@_get_only
async def health_db(request: HttpRequest):
    try:
        await db_call(_check_database)
    except INFRA_ERRORS as exc:
        return JsonResponse({"database": f"unavailable: {type(exc).__name__}"}, status=503)
    return JsonResponse({"database": "ok"})


@_get_only
async def health_redis(request: HttpRequest):
    try:
        await db_call(_check_redis)
    except (*INFRA_ERRORS, OSError) as exc:
        return JsonResponse({"redis": f"unavailable: {type(exc).__name__}"}, status=503)
    return JsonResponse({"redis": "ok"})


urlpatterns = [
    path("health", health),
    path("health/ready", health_ready),
    path("health/db", health_db),
    path("health/redis", health_redis),
]
