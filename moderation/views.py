"""Staff pages beyond the model lists: the triage queue, the KPI dashboard and CSV exports.

Each is wrapped by admin.site.admin_view (login, staff only) and checks a permission:
reading figures needs the view permission on what they describe; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import structlog
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from coach.selectors import hint_stats
from core import clock
from core.roles import is_moderator
from moderation import cases, exports, kpis, outcomes, sanctions, selectors
from moderation.admin import age_badge, audit, readable_details
from moderation.forms import CaseForm, initial_reason
from moderation.models import Appeal, Report, SafetyFlag

log = structlog.get_logger(__name__)


ARMS = (("strict", "строгий"), ("soft", "мягкий"))


class PeriodForm(forms.Form):
    """The period and A/B arm a staff page reads from its URL; bad input is a form error, not a 500."""

    arm = forms.ChoiceField(label="вариант", choices=[("", "все"), *ARMS], required=False)

    def __init__(self, data, *, default_days: int | None = 30):
        super().__init__(data)
        self.default_days = default_days
        for name, label in (("from", "с"), ("to", "по")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                validators=[MinValueValidator(dt.date(1900, 1, 1)), MaxValueValidator(dt.date(2100, 12, 31))],
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        self.order_fields(["from", "to", "arm"])

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            data["from"], data["to"] = end, start
        if self.default_days:
            today = clock.now().date()
            data["to"] = data.get("to") or today
            data["from"] = data.get("from") or data["to"] - dt.timedelta(days=self.default_days - 1)
            # The inputs show the period actually read, defaults included.
            self.data = self.data.copy()
            for name, day in self.period().items():
                self.data[name] = day.isoformat()
        return data

    def query(self) -> str:
        """The period as a query string for links to other pages."""
        return urlencode({k: v.isoformat() if v else "" for k, v in self.period().items()})

    def period(self) -> dict:
        return {"from": self.cleaned_data.get("from"), "to": self.cleaned_data.get("to")}


def _require(request, *perms: str) -> None:
    if not all(request.user.has_perm(p) for p in perms):
        raise PermissionDenied


def queue(request):
    """Open reports, safety flags and pending appeals in one list: urgent first, then the oldest."""
    _require(request, "moderation.view_report", "moderation.view_safetyflag")
    open_ = ("new", "in_review")
    reports = selectors.reports_in_triage_order(
        Report.objects.filter(status__in=open_).select_related("reported", "assignee")
    )
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
            "sinks": r.sinks,  # a reporter whose reports are repeatedly dismissed waits behind others
            "created_at": r.created_at,
            "age": age_badge(r.created_at, urgent=r.urgency == 3, open_=True),
            "status": r.get_status_display(),
            "assignee": r.assignee,
            "url": reverse("moderation-case", args=["report", r.pk]),
        }
        for r in reports
    ] + [
        {
            "kind": "Сигнал",
            "title": f"{f.get_kind_display()}: {readable_details(f.details)}",
            "ref": f.member.ref,
            "urgency": f.severity,
            "created_at": f.created_at,
            "age": age_badge(f.created_at, urgent=f.severity == 3, open_=True),
            "status": f.get_status_display(),
            "assignee": f.assignee,
            "url": reverse("moderation-case", args=["flag", f.pk]),
        }
        for f in flags
    ]
    appeals = Appeal.objects.filter(status=Appeal.Status.PENDING).select_related("member", "sanction")
    items += [
        {
            "kind": "Обжалование",
            "title": f"{a.sanction.get_kind_display()}: {a.sanction.reason}",
            "ref": a.member.ref,
            "urgency": 2,
            "created_at": a.created_at,
            "age": age_badge(a.created_at, urgent=False, open_=True),
            "status": a.get_status_display(),
            "assignee": None,
            "url": f"../appeal/{a.pk}/change/",
        }
        for a in appeals
    ]
    items.sort(key=lambda item: (-item["urgency"], item.get("sinks", 0), item["created_at"]))
    context = {
        **admin.site.each_context(request),
        "title": "Очередь модерации",
        "items": items,
        "danger_today": _danger_closed_today(request.user),
    }
    return TemplateResponse(request, "admin/moderation/queue.html", context)


def dashboard(request):
    _require(request, "accounts.view_member", "matching.view_proposal", "chats.view_chatsession")
    form = PeriodForm(request.GET)
    context = {**admin.site.each_context(request), "title": "Показатели", "form": form}
    if not form.is_valid():
        return TemplateResponse(request, "admin/moderation/dashboard.html", context, status=400)
    start, end, arm = form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["arm"] or None
    # Nothing happened before the first row was written nor after today: a range "from 1900"
    # or "to 2100" reads only the days in between.
    end = min(end, max(clock.now().date(), start))
    start = max(start, min(kpis.first_day() or end, end))
    bucket, series = kpis.daily(start, end, arm)
    all_ = kpis.figures(start, end)
    arms = {name: kpis.figures(start, end, name) for name, _ in ARMS}
    context |= {
        "start": start,
        "end": end,
        "arm": arm,
        "arm_label": dict(ARMS).get(arm, ""),
        "period": form.query(),
        "all": all_,
        "arms": arms,
        "targets": list(
            zip(all_["targets"], arms["strict"]["targets"], arms["soft"]["targets"], strict=True)
        ),
        "coach": _coach_stats(start, end),
        "crisis_steps": _crisis_steps(start, end),
        "chart": _chart(series, bucket),
        "outcomes": outcomes.figures(start, end),
    }
    return TemplateResponse(request, "admin/moderation/dashboard.html", context)


BUCKET_LABELS = {"day": "по дням", "week": "по неделям", "month": "по месяцам"}


def _chart(series: list[dict], bucket: str) -> dict:
    """Bar geometry for the inline SVG (plain numbers: the template renders them unlocalised)."""
    peak = max([1] + [row[k] for row in series for k in ("members", "searches", "sessions")])
    step = 600 / max(len(series), 1)
    bar = round(step * 0.28, 2)
    bars = [
        {
            "day": row["day"],
            "x": round(index * step, 2),
            **{key: row[key] for key in ("members", "searches", "sessions")},
            **{f"{key}_h": round(row[key] / peak * 140, 2) for key in ("members", "searches", "sessions")},
        }
        for index, row in enumerate(series)
    ]
    return {"bars": bars, "bar": bar, "bar2": round(2 * bar, 2), "peak": peak, "title": BUCKET_LABELS[bucket]}


def _coach_stats(start: dt.date, end: dt.date) -> dict:
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return hint_stats(since, until)


def _crisis_steps(start: dt.date, end: dt.date) -> list[dict]:
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return selectors.crisis_step_stats(since, until)


def _exports_page(request, form: PeriodForm, status: int = 200):
    allowed = [
        (name, export)
        for name, export in exports.EXPORTS.items()
        if request.user.has_perm(f"{export.model.split('.')[0]}.view_{export.model.split('.')[1].lower()}")
    ]
    context = {**admin.site.each_context(request), "title": "Выгрузки CSV", "form": form, "exports": allowed}
    return TemplateResponse(request, "admin/moderation/exports.html", context, status=status)


def exports_index(request):
    form = PeriodForm(request.GET)
    return _exports_page(request, form, 200 if form.is_valid() else 400)


def export_csv(request, name: str):
    export = exports.EXPORTS.get(name)
    if export is None:
        raise Http404
    app, model = export.model.split(".")
    _require(request, f"{app}.view_{model.lower()}")
    form = PeriodForm(request.GET, default_days=None)
    if not form.is_valid():
        return _exports_page(request, form, 400)
    start, end, arm = form.cleaned_data["from"], form.cleaned_data["to"], form.cleaned_data["arm"] or None
    log.info("staff.export", export=name, user_id=request.user.pk, start=str(start), end=str(end), arm=arm)

    async def body():
        yield "\ufeff"  # so Excel reads the file as UTF-8
        async for chunk in exports.rows(export, start, end, arm):
            yield chunk

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    suffix = f"-{arm}" if arm and export.arm_path else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{start or "all"}-{end or "now"}{suffix}.csv"'
    )
    return response


# One case page per report or safety flag: the evidence, who is involved, the actions in place.
CASES = {"report": Report, "flag": SafetyFlag}


def _without(summary: dict, case) -> dict:
    """The member's other open cases: the one on the page is not listed again."""
    for key in ("reports_against_open", "flags_open"):
        summary[key] = [other for other in summary[key] if other != case]
    return summary


def _next_case(current) -> str | None:
    """The next open case in queue order (danger and high risk first, then the oldest)."""
    open_reports = selectors.reports_in_triage_order(Report.objects.filter(status__in=("new", "in_review")))
    danger = open_reports.filter(reason="danger")
    flags = SafetyFlag.objects.filter(status__in=("new", "in_review")).order_by("-severity", "created_at")
    others = open_reports.exclude(reason="danger")
    for kind, queryset in (
        ("report", danger),
        ("flag", flags.filter(severity=3)),
        ("flag", flags),
        ("report", others),
    ):
        case = queryset.exclude(pk=current.pk if CASES[kind] is type(current) else None).first()
        if case is not None:
            return reverse("moderation-case", args=[kind, case.pk])
    return None


def _danger_closed_today(user) -> int:
    """How many danger cases (danger reports, high-risk flags) this moderator closed today."""
    today = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    reports = Report.objects.filter(reason="danger", assignee=user, resolved_at__gte=today).count()
    flags = SafetyFlag.objects.filter(severity=3, assignee=user, resolved_at__gte=today).count()
    return reports + flags


def case(request, kind: str, pk: int):
    model = CASES.get(kind)
    if model is None:
        raise Http404
    _require(request, f"moderation.view_{model._meta.model_name}")
    obj = get_object_or_404(model, pk=pk)
    member = obj.reported if kind == "report" else obj.member
    # Prefilled by history (the measure) and by what the case is about (the reason).
    measure = sanctions.escalation_for(member.pk)
    reasons = selectors.sanction_reasons(
        case_reason=obj.reason if kind == "report" else obj.kind,
        kind=sanctions.SANCTION_DURATIONS[measure][0],
    )
    initial = {"measure": measure, **initial_reason(reasons, measure)}
    form = CaseForm(request.POST or None, request=request, reasons=reasons, initial=initial)
    if request.method == "POST":
        _require(request, f"moderation.change_{model._meta.model_name}")
        if form.is_valid():
            done = _act(request, kind, obj, form.cleaned_data)
            if done is not None:
                return done
    context = {
        **admin.site.each_context(request),
        "title": f"{'Жалоба' if kind == 'report' else 'Сигнал'} #{obj.pk}",
        "kind": kind,
        "case": obj,
        "details": readable_details(getattr(obj, "details", "")),
        "moderator": is_moderator(request.user),
        "can_act": request.user.has_perm(f"moderation.change_{model._meta.model_name}"),
        "held_by_other": obj.assignee_id not in (None, request.user.pk),
        "open": obj.status in ("new", "in_review"),
        "subject": _without(selectors.member_summary(member), obj),
        "reporter": selectors.member_summary(obj.reporter) if kind == "report" else None,
        "form": form,
        "next_case": _next_case(obj),
        "admin_url": reverse(f"admin:moderation_{model._meta.model_name}_change", args=[obj.pk]),
    }
    return TemplateResponse(
        request, "admin/moderation/case.html", context, status=400 if form.errors else 200
    )


def _act(request, kind: str, obj, data: dict):
    """Carry out one case action; a redirect when done, None to show the page again (with a message)."""

    action = data["action"]
    here = reverse("moderation-case", args=[kind, obj.pk])
    if action == "take":
        if cases.case_take(case=obj, by=request.user, take_over=data.get("take_over")):
            audit(request, obj, "Взято в работу")
            return HttpResponseRedirect(here)
        messages.warning(request, f"Этот случай уже взял {obj.assignee}. Забрать себе? Нажмите «Забрать».")
        return None
    if action == "measure" and not request.user.has_perm("moderation.add_sanction"):
        raise PermissionDenied
    sanction = cases.case_close(
        case=obj,
        by=request.user,
        dismiss=action == "dismiss",
        measure=data["measure"] if action == "measure" else "",
        reason=data.get("reason", ""),
    )
    if sanction is not None:
        audit(request, sanction, f"Мера по случаю: {kind} #{obj.pk}")
        messages.success(
            request, f"Мера применена: {sanction.get_kind_display().lower()}. Участник будет уведомлён."
        )
    note = f": {data['note']}" if action == "dismiss" else ""
    audit(
        request, obj, {"dismiss": "Отклонено", "resolve": "Решено", "measure": "Решено мерой"}[action] + note
    )
    return HttpResponseRedirect(_next_case(obj) or reverse("moderation-queue"))
