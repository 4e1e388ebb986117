from django.contrib import admin
from django.utils.html import format_html

from chats.models import ChatSession, Rating, ReconnectRequest


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    fields = ("score", "chip", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "state",
        "started_at",
        "duration",
        "messages_a",
        "messages_b",
        "end_reason",
        "ratings_view",
    )
    list_filter = ("status", "end_reason", ("started_at", admin.DateFieldListFilter))
    search_fields = ("=member_a__ref", "=member_b__ref")
    date_hierarchy = "started_at"
    inlines = [RatingInline]
    list_select_related = ("match",)
    readonly_fields = [f.name for f in ChatSession._meta.fields]

    @admin.display(description="статус", ordering="status")
    def state(self, obj):
        colour = "#2e7d32" if obj.status == "active" else "#757575"
        return format_html('<b style="color:{}">{}</b>', colour, obj.get_status_display())

    @admin.display(description="длительность")
    def duration(self, obj):
        if obj.ended_at:
            minutes = int((obj.ended_at - obj.started_at).total_seconds() // 60)
            return f"{minutes // 60} ч {minutes % 60} мин"
        return "идёт"

    @admin.display(description="оценки")
    def ratings_view(self, obj):
        return ", ".join(str(r.score) for r in obj.ratings.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("ratings")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("id", "session", "score", "chip", "created_at")
    list_filter = ("score", "chip", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=rater__ref", "=rated__ref")
    readonly_fields = ("session", "score", "chip", "created_at")
    exclude = ("rater", "rated")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReconnectRequest)
class ReconnectRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "session", "status", "created_at", "expires_at", "decided_at", "new_session")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=from_member__ref", "=to_member__ref")
    readonly_fields = ("session", "status", "created_at", "expires_at", "decided_at", "new_session")
    exclude = ("from_member", "to_member")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
