from django.contrib import admin
from django.utils.html import format_html

from accounts.models import Member, MemberTopic, Preferences, Topic
from core import clock
from moderation.roles import is_moderator


class OnboardedFilter(admin.SimpleListFilter):
    title = "анкета"
    parameter_name = "onboarded"

    def lookups(self, request, model_admin):
        return [("yes", "заполнена"), ("no", "не заполнена")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(onboarding_step=Member.Step.DONE)
        if self.value() == "no":
            return queryset.exclude(onboarding_step=Member.Step.DONE)
        return queryset


class MemberTopicInline(admin.TabularInline):
    model = MemberTopic
    extra = 0
    autocomplete_fields = ["topic"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("ref", "pseudonym", "status_badge", "onboarding_step", "created_at", "last_seen_at")
    list_filter = (
        "status",
        OnboardedFilter,
        "member_topics__topic",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=ref", "pseudonym")
    inlines = [MemberTopicInline]
    date_hierarchy = "created_at"
    readonly_fields = (
        "tg_id",
        "ref",
        "onboarding_step",
        "awaiting",
        "awaiting_context",
        "awaiting_until",
        "rules_accepted_at",
        "adult_confirmed_at",
        "created_at",
        "onboarded_at",
        "last_seen_at",
        "unreachable_since",
        "deleted_at",
        "helpfulness",
        "ratings_count",
    )
    list_per_page = 50

    # The Telegram id is for moderators only: Analysts work with the pseudonymous ref.
    _MODERATORS_ONLY = ("tg_id",)

    def get_fields(self, request, obj=None):
        fields = [f.name for f in Member._meta.fields if f.name != "id"]
        if not is_moderator(request.user):
            fields = [f for f in fields if f not in self._MODERATORS_ONLY]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if not is_moderator(request.user):
            return self.get_fields(request, obj)
        return self.readonly_fields

    def get_search_fields(self, request):
        if is_moderator(request.user):
            return (*self.search_fields, "=tg_id")
        return self.search_fields

    def lookup_allowed(self, lookup, value, request):
        # A URL filter such as ?tg_id=… would tell an analyst whose ref that is.
        if lookup.split("__", 1)[0] in self._MODERATORS_ONLY and not is_moderator(request.user):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="статус", ordering="status")
    def status_badge(self, member: Member):
        colours = {"active": "#2e7d32", "muted": "#ef6c00", "banned": "#c62828", "deleted": "#757575"}
        label = member.get_status_display()
        if member.is_muted(clock.now()):
            label = f"ограничен до {member.muted_until:%d.%m %H:%M}"
        return format_html('<b style="color:{}">{}</b>', colours.get(member.status, "#000"), label)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "order", "sensitivity", "is_active", "members_count")
    list_editable = ("order", "sensitivity", "is_active")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}

    @admin.display(description="участников")
    def members_count(self, topic: Topic) -> int:
        return topic.member_topics.count()


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ("member", "protect_content", "digest_opt_in", "sensitivity")
    search_fields = ("=member__ref",)
