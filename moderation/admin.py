"""The moderators' workplace: triage queue, reports, safety flags, sanctions, appeals, alert chats."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import models
from django.utils.html import format_html

from core import clock
from core.admin_filters import DateRangeFilter
from core.roles import is_moderator, moderator_users
from moderation import cases, sanctions, selectors
from moderation.forms import MEASURES, SanctionForm, initial_reason
from moderation.models import (
    AlertChat,
    Appeal,
    Block,
    Hotline,
    Report,
    SafetyFlag,
    Sanction,
    SanctionReason,
)

# How long a case may wait before it is overdue: urgent ones an hour, others a day.
SLA_URGENT, SLA_NORMAL = dt.timedelta(hours=1), dt.timedelta(hours=24)


def age_badge(created_at, *, urgent: bool, open_: bool) -> str:
    age = clock.now() - created_at
    hours, minutes = int(age.total_seconds() // 3600), int(age.total_seconds() // 60) % 60
    text = f"{hours} ч {minutes} мин" if hours < 48 else f"{hours // 24} дн"
    if not open_:
        return format_html('<span style="color:#757575">{}</span>', text)
    overdue = age > (SLA_URGENT if urgent else SLA_NORMAL)
    colour = "#c62828" if overdue else "#2e7d32"
    label = "просрочено" if overdue else "в срок"
    return format_html('<b style="color:{}">{}</b> <small>({})</small>', colour, text, label)


# What the toxicity filter found, in the words staff read (flags store the filter's codes).
CATEGORY_LABELS = {"obscenity": "мат", "insult": "оскорбления", "threat": "угрозы", "hate": "ненависть"}


def readable_details(details: str) -> str:
    return re.sub(r"\b[a-z]+\b", lambda m: CATEGORY_LABELS.get(m.group(), m.group()), details)


def status_badge(obj) -> str:
    colours = {"new": "#c62828", "in_review": "#ef6c00", "resolved": "#2e7d32", "dismissed": "#757575"}
    return format_html(
        '<span style="color:#fff;background:{};padding:2px 6px;border-radius:8px">{}</span>',
        colours.get(obj.status, "#555"),
        obj.get_status_display(),
    )


def audit(request, obj, message: str) -> None:
    """Custom actions leave the same history entry an edit would (who, what, when)."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


def _closed(case, *, by, dismiss: bool = False) -> bool:
    if case.status not in ("new", "in_review"):
        return False  # already closed: a second click changes nothing
    cases.case_close(case=case, by=by, dismiss=dismiss)
    return True


class TriageMixin:
    """Take / resolve / dismiss for reports and flags, each audited."""

    actions = ["take", "resolve", "dismiss"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":  # cases go to moderators, never to analysts
            kwargs["queryset"] = moderator_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _move(self, request, queryset, change, label: str) -> None:
        """Apply one service to each selected case; audit and count those it changed."""
        count = 0
        for obj in queryset:
            if change(obj):
                audit(request, obj, label)
                count += 1
        self.message_user(request, f"{label}: {count} из {len(queryset)}")

    @admin.action(description="Взять себе", permissions=["change"])
    def take(self, request, queryset):
        self._move(
            request, queryset, lambda case: cases.case_take(case=case, by=request.user), "Взято в работу"
        )

    @admin.action(description="Решено", permissions=["change"])
    def resolve(self, request, queryset):
        self._move(request, queryset, lambda case: _closed(case, by=request.user), "Решено")

    @admin.action(description="Отклонить", permissions=["change"])
    def dismiss(self, request, queryset):
        self._move(request, queryset, lambda case: _closed(case, by=request.user, dismiss=True), "Отклонено")


@admin.register(Hotline)
class HotlineAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "country", "audience", "order", "is_active", "checked_on", "source")
    list_editable = ("order", "is_active")
    list_filter = ("country", "audience", "is_active")
    search_fields = ("name", "phone")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Report)
class ReportAdmin(TriageMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "reason_badge",
        "state",
        "age",
        "reporter_ref",
        "reported_ref",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "reason", ("created_at", DateRangeFilter), "assignee")
    search_fields = ("=reporter__ref", "=reported__ref")
    list_select_related = ("reporter", "reported", "assignee")
    readonly_fields = (
        "reporter_ref",
        "reported_ref",
        "session",
        "reason",
        "comment",
        "evidence_kind",
        "evidence_text",
        "evidence_purge_at",
        "created_at",
        "resolved_at",
        "alerted_at",
    )
    fields = ("status", "assignee", *readonly_fields)

    def get_queryset(self, request):
        # Annotated with the reporter's record for the «отклонено» badge.
        return selectors.reports_in_triage_order(super().get_queryset(request))

    def get_ordering(self, request):
        # Danger first, repeatedly dismissed reporters last, then the oldest (not "-created_at").
        return selectors.report_triage_ordering()

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not is_moderator(request.user):  # evidence and comments are for moderators only
            fields = [f for f in fields if f not in ("comment", "evidence_text", "evidence_kind")]
        return fields

    @admin.display(description="причина", ordering="reason")
    def reason_badge(self, obj):
        if obj.reason == Report.Reason.DANGER:
            return format_html('<b style="color:#c62828">⚠ {}</b>', obj.get_reason_display())
        return obj.get_reason_display()

    @admin.display(description="статус", ordering="status")
    def state(self, obj):
        return status_badge(obj)

    @admin.display(description="ждёт", ordering="created_at")
    def age(self, obj):
        return age_badge(
            obj.created_at,
            urgent=obj.reason == Report.Reason.DANGER,
            open_=obj.status in ("new", "in_review"),
        )

    @admin.display(description="кто пожаловался")
    def reporter_ref(self, obj):
        if getattr(obj, "sinks", 0):
            return format_html(
                '{} <span title="Жалобы этого участника часто отклоняли" style="color:#777">'
                "· отклонено {}</span>",
                obj.reporter.ref,
                obj.reporter_dismissed,
            )
        return obj.reporter.ref

    @admin.display(description="на кого")
    def reported_ref(self, obj):
        return obj.reported.ref


@admin.register(SafetyFlag)
class SafetyFlagAdmin(TriageMixin, admin.ModelAdmin):
    list_display = ("id", "severity_badge", "kind", "state", "age", "member_ref", "what", "assignee")
    list_filter = ("status", "kind", "severity", ("created_at", DateRangeFilter), "assignee")
    search_fields = ("=member__ref",)
    list_select_related = ("member", "assignee")
    ordering = ("-severity", "created_at")
    readonly_fields = (
        "member_ref",
        "session",
        "kind",
        "severity",
        "what",
        "created_at",
        "resolved_at",
        "alerted_at",
    )
    fields = ("status", "assignee", *readonly_fields)

    def has_add_permission(self, request):
        return False

    @admin.display(description="что обнаружено")
    def what(self, obj):
        return readable_details(obj.details)

    @admin.display(description="важность", ordering="severity")
    def severity_badge(self, obj):
        colour = {3: "#c62828", 2: "#ef6c00", 1: "#757575"}[obj.severity]
        return format_html('<b style="color:{}">{}</b>', colour, obj.get_severity_display())

    @admin.display(description="статус", ordering="status")
    def state(self, obj):
        return status_badge(obj)

    @admin.display(description="ждёт", ordering="created_at")
    def age(self, obj):
        return age_badge(obj.created_at, urgent=obj.severity == SafetyFlag.Severity.HIGH, open_=obj.is_open)

    @admin.display(description="участник")
    def member_ref(self, obj):
        return obj.member.ref


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "member_ref", "until", "created_by", "created_at", "appeal_state")
    list_filter = ("kind", ("created_at", DateRangeFilter), "created_by")
    search_fields = ("=member__ref",)
    list_select_related = ("member", "created_by")
    autocomplete_fields = ("member",)
    raw_id_fields = ("report", "flag")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SanctionForm
            reasons = selectors.sanction_reasons(case_reason=self._case_reason(request))
            attrs = {"request": request, "reasons": reasons}
            return type("SanctionFormFor", (super().get_form(request, obj, **kwargs),), attrs)
        return super().get_form(request, obj, **kwargs)

    @staticmethod
    def _case_reason(request) -> str:
        """What the report or flag the sanction answers is about (?report=… or ?flag=… links)."""
        params = request.POST or request.GET
        for name, model, field in (("report", Report, "reason"), ("flag", SafetyFlag, "kind")):
            if str(params.get(name, "")).isdigit():
                return model.objects.filter(pk=params[name]).values_list(field, flat=True).first() or ""
        return ""

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # a decision on record is not edited: apply a new one (or lift)
            return [f.name for f in Sanction._meta.fields]
        return ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", "choice", "canned", "reason", "report", "flag", "password")
        return [f.name for f in Sanction._meta.fields if f.name != "id"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # Ids come from links (?member=…&report=…); anything that is not one is dropped, not a 500.
        for name in ("member", "report", "flag"):
            if name in initial and not str(initial[name]).isdigit():
                del initial[name]
        if initial.get("choice") not in dict(MEASURES):  # a link may name the measure (lift)
            initial.pop("choice", None)
            if "member" in initial:
                initial["choice"] = sanctions.escalation_for(int(initial["member"]))
        if "choice" in initial:
            reasons = selectors.sanction_reasons(case_reason=self._case_reason(request))
            initial |= initial_reason(reasons, initial["choice"])
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            return
        sanction = sanctions.sanction_apply(
            member_id=form.cleaned_data["member"].pk,
            choice=form.cleaned_data["choice"],
            reason=form.cleaned_data["reason"],
            by=request.user,
            report=form.cleaned_data.get("report"),
            flag=form.cleaned_data.get("flag"),
        )
        obj.pk = sanction.pk
        suggestion = dict(MEASURES)[sanctions.escalation_for(sanction.member_id)]
        messages.info(request, f"Участник будет уведомлён. Следующая мера по истории: {suggestion.lower()}.")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="участник")
    def member_ref(self, obj):
        return obj.member.ref

    @admin.display(description="обжалование")
    def appeal_state(self, obj):
        appeal = getattr(obj, "appeal", None)
        return appeal.get_status_display() if appeal else "—"


@admin.register(SanctionReason)
class SanctionReasonAdmin(admin.ModelAdmin):
    """The canned reasons the case page offers: moderators keep the wording members read."""

    list_display = ("text", "kind_label", "case_label", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "kind", "case_reason")
    search_fields = ("text",)
    fields = ("text", "kind", "case_reason", "order", "is_active")

    @admin.display(description="мера", ordering="kind")
    def kind_label(self, reason):
        return reason.get_kind_display() or "любая"

    @admin.display(description="к какому случаю", ordering="case_reason")
    def case_label(self, reason):
        return reason.get_case_reason_display() or "любой"


class AppealForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label="решение",
        choices=[("", "— не решено —"), ("uphold", "Оставить санкцию"), ("overturn", "Отменить санкцию")],
        required=False,
    )

    request = None  # set per request by AppealAdmin.get_form

    class Meta:
        model = Appeal
        fields = ("decision", "decision_note")

    def clean_decision(self):
        decision = self.cleaned_data.get("decision")
        if decision and not sanctions.appeal_decidable_by(self.instance, self.request.user):
            raise forms.ValidationError("Обжалование решает другой модератор, не тот, кто применил меру.")
        return decision


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    form = AppealForm
    list_display = ("id", "status", "sanction", "member_ref", "created_at", "decided_by", "decided_at")
    list_filter = ("status", ("created_at", DateRangeFilter))
    search_fields = ("=member__ref",)
    list_select_related = ("member", "sanction", "decided_by")
    readonly_fields = ("member_ref", "sanction", "text", "status", "created_at", "decided_by", "decided_at")

    def get_form(self, request, obj=None, **kwargs):
        return type("AppealFormFor", (super().get_form(request, obj, **kwargs),), {"request": request})

    def get_fields(self, request, obj=None):
        if not is_moderator(request.user):  # the member's own words are for moderators
            return ("member_ref", "sanction", "status", "decided_by", "decided_at")
        return (
            "member_ref",
            "sanction",
            "text",
            "status",
            "decision",
            "decision_note",
            "decided_by",
            "decided_at",
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if decision:
            sanctions.appeal_decide(
                appeal_id=obj.pk,
                overturn=decision == "overturn",
                note=form.cleaned_data.get("decision_note", ""),
                by=request.user,
            )

    @admin.display(description="участник")
    def member_ref(self, obj):
        return obj.member.ref


@admin.register(AlertChat)
class AlertChatAdmin(admin.ModelAdmin):
    list_display = ("title", "chat_id", "is_active")
    list_editable = ("is_active",)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at")
    list_filter = (("created_at", DateRangeFilter),)
    search_fields = ("=blocker__ref", "=blocked__ref")

    def has_add_permission(self, request):
        return False


@admin.register(LogEntry)
class AuditLogAdmin(admin.ModelAdmin):
    """Who did what to which record, when: across moderators, filterable, never edited."""

    list_display = ("action_time", "user", "action", "content_type", "object_repr", "change_message")
    list_filter = ("user", "action_flag", "content_type", ("action_time", DateRangeFilter))
    search_fields = ("object_repr", "change_message", "=object_id")
    list_select_related = ("user", "content_type")
    date_hierarchy = "action_time"

    @admin.display(description="действие", ordering="action_flag")
    def action(self, entry):
        return {ADDITION: "добавил", CHANGE: "изменил", DELETION: "удалил"}.get(entry.action_flag, "")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
