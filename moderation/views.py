"""Staff pages beyond the model lists: the triage queue, the KPI dashboard and CSV exports.

Each is wrapped by admin.site.admin_view (login, staff only) and checks a permission:
reading figures needs the view permission on what they describe; nothing here writes.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.dateparse import parse_date

from core import clock
from moderation import exports, kpis
from moderation.admin import age_badge
from moderation.models import Report, SafetyFlag

log = structlog.get_logger(__name__)


def _range(request) -> tuple[dt.date, dt.date]:
    today = clock.now().date()
    start = parse_date(request.GET.get("from") or "") or today - dt.timedelta(days=29)
    end = parse_date(request.GET.get("to") or "") or today
    if start > end:
        start, end = end, start
    return start, end


def _require(request, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise PermissionDenied


def queue(request):
    """Open reports and safety flags in one list: urgent first, then the oldest."""
    _require(request, "moderation.view_report", "moderation.view_safetyflag")
    open_ = ("new", "in_review")
    reports = Report.objects.filter(status__in=open_).select_related("reported", "assignee")
    flags = SafetyFlag.objects.filter(status__in=open_).select_related("member", "assignee")
    reports = reports.annotate(
        urgency=Case(When(reason="danger", then=Value(3)), default=Value(2), output_field=IntegerField())
    )
    items = [
        {
            "kind": "Жалоба",
            "title": r.get_reason_display(),
            "ref": r.reported.ref,
            "urgency": r.urgency,
            "created_at": r.created_at,
            "age": age_badge(r.created_at, urgent=r.urgency == 3, open_=True),
            "status": r.get_status_display(),
            "assignee": r.assignee,
            "url": f"../report/{r.pk}/change/",
        }
        for r in reports
    ] + [
        {
            "kind": "Сигнал",
            "title": f"{f.get_kind_display()}: {f.details}",
            "ref": f.member.ref,
            "urgency": f.severity,
            "created_at": f.created_at,
            "age": age_badge(f.created_at, urgent=f.severity == 3, open_=True),
            "status": f.get_status_display(),
            "assignee": f.assignee,
            "url": f"../safetyflag/{f.pk}/change/",
        }
        for f in flags
    ]
    items.sort(key=lambda item: (-item["urgency"], item["created_at"]))
    context = {**admin.site.each_context(request), "title": "Очередь модерации", "items": items}
    return TemplateResponse(request, "admin/moderation/queue.html", context)


def dashboard(request):
    _require(request, "accounts.view_member", "matching.view_proposal", "chats.view_chatsession")
    start, end = _range(request)
    arm = request.GET.get("arm") or None
    if arm not in (None, "strict", "soft"):
        arm = None
    series = kpis.daily(start, end)
    peak = max([1] + [day[k] for day in series for k in ("members", "searches", "sessions")])
    width = max(len(series), 1)
    for index, day in enumerate(series):
        day["x"] = round(index * 600 / width, 1)
        for key in ("members", "searches", "sessions", "reports"):
            day[f"{key}_h"] = round(day[key] / peak * 140, 1)
    context = {
        **admin.site.each_context(request),
        "title": "Показатели",
        "start": start,
        "end": end,
        "arm": arm or "",
        "all": kpis.figures(start, end),
        "arms": {name: kpis.figures(start, end, name) for name in ("strict", "soft")},
        "series": series,
        "coach": _coach_stats(start, end),
        "bar": round(600 / width * 0.28, 1),
        "peak": peak,
    }
    return TemplateResponse(request, "admin/moderation/dashboard.html", context)


def _coach_stats(start: dt.date, end: dt.date) -> dict:
    from coach.selectors import hint_stats

    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return hint_stats(since, until)


def exports_index(request):
    context = {
        **admin.site.each_context(request),
        "title": "Выгрузки CSV",
        "exports": [
            (name, export.title)
            for name, export in exports.EXPORTS.items()
            if request.user.has_perm(
                f"{export.model.split('.')[0]}.view_{export.model.split('.')[1].lower()}"
            )
        ],
        "start": _range(request)[0],
        "end": _range(request)[1],
    }
    return TemplateResponse(request, "admin/moderation/exports.html", context)


def export_csv(request, name: str):
    export = exports.EXPORTS.get(name)
    if export is None:
        raise Http404
    app, model = export.model.split(".")
    _require(request, f"{app}.view_{model.lower()}")
    start = parse_date(request.GET.get("from") or "")
    end = parse_date(request.GET.get("to") or "")
    log.info("staff.export", export=name, user_id=request.user.pk, start=str(start), end=str(end))

    async def body():
        yield "\ufeff"  # so Excel reads the file as UTF-8
        async for chunk in exports.rows(export, start, end):
            yield chunk

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{start or "all"}-{end or "now"}.csv"'
    return response
