from django.contrib import admin
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Ceil
from django.utils.html import format_html

from matching.models import (
    ExperimentAssignment,
    ExperimentSettings,
    Match,
    MatchingSettings,
    PairCooldown,
    Proposal,
    ProposalRejection,
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


def _gap_label(gap: float) -> str:
    return f"до {gap:g} ч" if gap else "один пояс"


class TzGapFilter(admin.SimpleListFilter):
    """Proposals by the pair's timezone gap, in whole hours (rounded up)."""

    title = "разница часовых поясов"
    parameter_name = "tz_gap"

    def lookups(self, request, model_admin):
        gaps = (
            Proposal.objects.filter(tz_gap_hours__isnull=False)
            .annotate(gap=Ceil("tz_gap_hours"))
            .values_list("gap", flat=True)
            .distinct()
            .order_by("gap")
        )
        return [(str(int(gap)), _gap_label(gap)) for gap in gaps]

    def queryset(self, request, queryset):
        if self.value() is None or not self.value().isdigit():
            return queryset
        hours = int(self.value())
        return queryset.filter(tz_gap_hours__gt=hours - 1, tz_gap_hours__lte=hours)


def _acceptance_by(key, label, *, descending: bool = False) -> list[dict]:
    """Rows of the per-arm report split by `key` (an expression on Proposal): how often such pairs
    both accept, so the rule behind `key` can be changed on evidence."""
    rows = (
        Proposal.objects.annotate(key=key)
        .filter(key__isnull=False)
        .values("arm", "key")
        .annotate(
            total=Count("id"), confirmed=Count("id", filter=Q(status="confirmed")), avg_score=Avg("score")
        )
        .order_by("arm", "-key" if descending else "key")
    )
    return [
        {
            **row,
            "arm": f"{row['arm'] or '—'} · {label(row['key'])}",
            "acceptance": f"{row['confirmed'] / row['total']:.0%}",
            "wait": None,
        }
        for row in rows
    ]


FIT_LABELS = {1.0: "ожидания сходятся", 0.5: "ожидания не указаны", 0.0: "ожидания расходятся"}


def acceptance_by_gap() -> list[dict]:
    """By timezone gap, in whole hours rounded up."""
    return _acceptance_by(Ceil("tz_gap_hours"), _gap_label)


def acceptance_by_expectations() -> list[dict]:
    """By how well the pair's expectations met (scoring.expectation_fit)."""
    return _acceptance_by(F("expectation_fit"), lambda fit: FIT_LABELS.get(fit, fit), descending=True)


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = (
        "id", "state", "arm", "score", "tz_gap_hours", "expectation_fit", "decision_a", "decision_b",
        "created_at", "expires_at",
    )  # fmt: skip
    list_filter = ("status", "arm", TzGapFilter, ("created_at", admin.DateFieldListFilter))
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
        report = (
            [
                {
                    **row,
                    "acceptance": f"{row['confirmed'] / row['total']:.0%}" if row["total"] else "—",
                    "wait": wait_by_arm.get(row["arm"]),
                }
                for row in rows
            ]
            + acceptance_by_gap()
            + acceptance_by_expectations()
        )
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


@admin.register(ProposalRejection)
class ProposalRejectionAdmin(admin.ModelAdmin):
    """The reject log: why each declined or expired proposal fell through (codes, never text)."""

    list_display = ("proposal", "reason", "side", "why", "arm", "score", "tz_gap", "created_at")
    list_filter = ("reason", "why", "side", "proposal__arm", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("proposal",)
    date_hierarchy = "created_at"

    @admin.display(description="вариант", ordering="proposal__arm")
    def arm(self, obj):
        return obj.proposal.arm

    @admin.display(description="совпадение", ordering="proposal__score")
    def score(self, obj):
        return f"{obj.proposal.score:.2f}"

    @admin.display(description="разница поясов, ч", ordering="proposal__tz_gap_hours")
    def tz_gap(self, obj):
        gap = obj.proposal.tz_gap_hours
        return "—" if gap is None else f"{gap:g}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(admin.ModelAdmin):
    """The score's weights and the widest timezone gap; the next round uses them."""

    list_display = ("__str__", "weight_topics", "weight_time", "weight_helpfulness", "max_tz_gap_hours")
    fields = ("weight_topics", "weight_time", "weight_helpfulness", "max_tz_gap_hours", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MatchingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExperimentAssignment)
class ExperimentAssignmentAdmin(admin.ModelAdmin):
    list_display = ("member", "arm", "assigned_at")
    list_filter = ("arm",)
    search_fields = ("=member__ref",)
