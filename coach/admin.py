import datetime as dt

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from coach.models import AiHint, CoachSettings
from coach.selectors import SWITCH_KEY, hint_stats
from core import clock
from core.redis import connection


@admin.register(CoachSettings)
class CoachSettingsAdmin(admin.ModelAdmin):
    """One row: the global switch, the rollout share and the provider."""

    list_display = ("__str__", "enabled", "rollout_percent", "use_llm", "updated_at")
    fields = ("enabled", "rollout_percent", "use_llm", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        connection().delete(SWITCH_KEY)

    def changelist_view(self, request, extra_context=None):
        settings = CoachSettings.load()
        return redirect(reverse("admin:coach_coachsettings_change", args=[settings.pk]))


class PeriodFilter(admin.SimpleListFilter):
    title = "период"
    parameter_name = "period"

    def lookups(self, request, model_admin):
        return (("24h", "за сутки"), ("7d", "за 7 дней"), ("30d", "за 30 дней"))

    def queryset(self, request, queryset):
        days = {"24h": 1, "7d": 7, "30d": 30}.get(self.value())
        if days is None:
            return queryset
        return queryset.filter(created_at__gte=clock.now() - dt.timedelta(days=days))


@admin.register(AiHint)
class AiHintAdmin(admin.ModelAdmin):
    """The hint log: metadata only. Acceptance per provider and situation above the list."""

    list_display = (
        "id",
        "created_at",
        "member_ref",
        "situation",
        "provider",
        "status",
        "latency_ms",
        "session_id",
    )
    list_filter = (
        "status",
        "provider",
        "situation",
        PeriodFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=member_ref", "=session__id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AiHint._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        end = clock.now()
        stats = hint_stats(end - dt.timedelta(days=30), end)
        return super().changelist_view(request, extra_context={**(extra_context or {}), "hint_stats": stats})
