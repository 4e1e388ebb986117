from django.contrib import admin
from django.db import models

from moderation.models import Block, Hotline, Report


@admin.register(Hotline)
class HotlineAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "country", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("country", "is_active")
    search_fields = ("name", "phone")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("id", "reason", "status", "reporter_ref", "reported_ref", "created_at")
    list_filter = ("status", "reason", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=reporter__ref", "=reported__ref")
    date_hierarchy = "created_at"
    list_select_related = ("reporter", "reported")
    readonly_fields = ("reporter", "reported", "session", "reason", "created_at")
    actions = ["mark_in_review", "mark_resolved", "mark_dismissed"]

    @admin.display(description="кто пожаловался")
    def reporter_ref(self, obj):
        return obj.reporter.ref

    @admin.display(description="на кого")
    def reported_ref(self, obj):
        return obj.reported.ref

    def _set(self, request, queryset, status):
        from core import clock

        done = status in (Report.Status.RESOLVED, Report.Status.DISMISSED)
        count = queryset.update(status=status, resolved_at=clock.now() if done else None)
        self.message_user(request, f"Обновлено жалоб: {count}")

    @admin.action(description="Взять в работу", permissions=["change"])
    def mark_in_review(self, request, queryset):
        self._set(request, queryset, Report.Status.IN_REVIEW)

    @admin.action(description="Решена", permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._set(request, queryset, Report.Status.RESOLVED)

    @admin.action(description="Отклонить", permissions=["change"])
    def mark_dismissed(self, request, queryset):
        self._set(request, queryset, Report.Status.DISMISSED)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("=blocker__ref", "=blocked__ref")
