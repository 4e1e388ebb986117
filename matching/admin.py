from django.contrib import admin
from django.db.models import Avg, Count, F, Q
from django.utils.html import format_html

from matching.models import (
    ExperimentAssignment,
    ExperimentSettings,
    Match,
    PairCooldown,
    Proposal,
    SearchRequest,
)

_COLOURS = {
    "waiting": "#1565c0",
    "proposed": "#6a1b9a",
    "matched": "#2e7d32",
    "confirmed": "#2e7d32",
    "declined": "#c62828",
    "expired": "#757575",
    "cancelled": "#757575",
}


def badge(value: str, label: str):
    return format_html('<b style="color:{}">{}</b>', _COLOURS.get(value, "#000"), label)


@admin.register(SearchRequest)
class SearchRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "member_ref", "state", "arm", "widened", "requeues", "created_at", "expires_at")
    list_filter = ("status", "arm", "widened", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=member__ref",)
    date_hierarchy = "created_at"
    list_select_related = ("member",)

    @admin.display(description="участник", ordering="member__ref")
    def member_ref(self, obj):
        return obj.member.ref

    @admin.display(description="статус", ordering="status")
    def state(self, obj):
        return badge(obj.status, obj.get_status_display())


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("id", "state", "arm", "score", "decision_a", "decision_b", "created_at", "expires_at")
    list_filter = ("status", "arm", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=member_a__ref", "=member_b__ref")
    date_hierarchy = "created_at"

    @admin.display(description="статус", ordering="status")
    def state(self, obj):
        return badge(obj.status, obj.get_status_display())

    def changelist_view(self, request, extra_context=None):
        """Per-arm acceptance rate and time to proposal above the list."""
        rows = (
            Proposal.objects.values("arm")
            .annotate(
                total=Count("id"),
                confirmed=Count("id", filter=Q(status="confirmed")),
                avg_score=Avg("score"),
            )
            .order_by("arm")
        )
        waits = (
            SearchRequest.objects.filter(first_proposal_at__isnull=False)
            .values("arm")
            .annotate(wait=Avg(F("first_proposal_at") - F("created_at")))
        )
        wait_by_arm = {row["arm"]: row["wait"] for row in waits}
        report = [
            {
                **row,
                "acceptance": f"{row['confirmed'] / row['total']:.0%}" if row["total"] else "—",
                "wait": wait_by_arm.get(row["arm"]),
            }
            for row in rows
        ]
        return super().changelist_view(request, extra_context={**(extra_context or {}), "arm_report": report})


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("id", "arm", "score", "is_reconnect", "created_at")
    list_filter = ("arm", "is_reconnect", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=member_a__ref", "=member_b__ref")
    date_hierarchy = "created_at"


@admin.register(PairCooldown)
class PairCooldownAdmin(admin.ModelAdmin):
    list_display = ("id", "reason", "until")
    list_filter = ("reason",)


@admin.register(ExperimentSettings)
class ExperimentSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "soft_percent", "widen_after_minutes")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ExperimentSettings.objects.exists()


@admin.register(ExperimentAssignment)
class ExperimentAssignmentAdmin(admin.ModelAdmin):
    list_display = ("member", "arm", "assigned_at")
    list_filter = ("arm",)
    search_fields = ("=member__ref",)
