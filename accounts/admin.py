from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.html import format_html

from accounts import services
from accounts.models import Member, Preferences, Topic
from core import clock
from core.roles import is_moderator
from moderation.selectors import member_summary


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


class _ReadOnlyInline(admin.TabularInline):
    """History on the member page: rows are shown and linked, never edited here."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _inline(model_path: str, fields: tuple, fk: str, title: str, order: str = "-created_at"):
    model = apps.get_model(model_path)
    return type(
        f"{model.__name__}{fk.title()}Inline",
        (_ReadOnlyInline,),
        {
            "model": model,
            "fk_name": fk,
            "fields": fields,
            "readonly_fields": fields,
            "verbose_name_plural": title,
            "ordering": (order,),
        },
    )


HISTORY_INLINES = [
    _inline("accounts.MemberTopic", ("topic",), "member", "темы", "topic__order"),
    _inline("accounts.LaterTopic", ("topic", "created_at"), "member", "темы на потом (ко-лист)"),
    _inline(
        "moderation.Sanction", ("kind", "reason", "until", "created_by", "created_at"), "member", "санкции"
    ),
    _inline(
        "moderation.SafetyFlag", ("kind", "severity", "status", "details", "created_at"), "member", "сигналы"
    ),
    _inline("moderation.Appeal", ("sanction", "status", "created_at", "decided_at"), "member", "обжалования"),
    _inline(
        "moderation.Report", ("reason", "status", "session", "created_at"), "reported", "жалобы на участника"
    ),
    _inline(
        "moderation.Report", ("reason", "status", "session", "created_at"), "reporter", "жалобы участника"
    ),
    _inline("moderation.Block", ("session", "created_at"), "blocked", "его заблокировали"),
    _inline("moderation.Block", ("session", "created_at"), "blocker", "он заблокировал"),
    _inline(
        "chats.ChatSession",
        ("status", "started_at", "ended_at", "end_reason", "messages_a", "messages_b"),
        "member_a",
        "разговоры (как участник A)",
        "-started_at",
    ),
    _inline(
        "chats.ChatSession",
        ("status", "started_at", "ended_at", "end_reason", "messages_a", "messages_b"),
        "member_b",
        "разговоры (как участник B)",
        "-started_at",
    ),
    _inline("chats.Rating", ("session", "score", "chip", "created_at"), "rated", "оценки ему"),
]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """The member page is a case file: read-only, summary first; changes only through actions
    (a measure, a lift, the open cases), each with a reason on record."""

    list_display = ("ref", "pseudonym", "status_badge", "onboarding_step", "created_at", "last_seen_at")
    list_filter = (
        "status",
        OnboardedFilter,
        "member_topics__topic",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=ref", "pseudonym")
    inlines = HISTORY_INLINES
    change_form_template = "admin/accounts/member/change_form.html"
    date_hierarchy = "created_at"
    list_per_page = 50

    actions = ["hide_profile"]

    def has_add_permission(self, request):
        return False  # members come from Telegram

    def has_hide_profile_permission(self, request) -> bool:
        return is_moderator(request.user)

    @admin.action(description="Скрыть псевдоним и описание (нарушают правила)", permissions=["hide_profile"])
    def hide_profile(self, request, queryset):
        hidden = 0
        for member in queryset:
            if services.member_profile_hide(member_id=member.pk):
                self.log_change(request, member, "Псевдоним и описание скрыты модератором")
                hidden += 1
        self.message_user(request, f"Скрыто: {hidden} из {len(queryset)}")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # erasure is the member's /delete, which keeps the aggregates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = self.get_object(request, unquote(object_id))
        if member is not None:
            extra_context = {**(extra_context or {}), "summary": member_summary(member)}
        return super().change_view(request, object_id, form_url, extra_context)

    # Who a member is, is for moderators only: Analysts work with the pseudonymous ref.
    _MODERATORS_ONLY = ("tg_id", "pseudonym", "bio")

    def get_list_display(self, request):
        if not is_moderator(request.user):
            return [f for f in self.list_display if f not in self._MODERATORS_ONLY]
        return self.list_display

    # Lists of choices are shown by their labels ("Выговориться"), never their codes ("vent").
    _LABELLED = {"expectations": "expectations_labels", "availability": "availability_labels"}

    def get_fields(self, request, obj=None):
        fields = [self._LABELLED.get(f.name, f.name) for f in Member._meta.fields if f.name != "id"]
        if not is_moderator(request.user):
            fields = [f for f in fields if f not in self._MODERATORS_ONLY]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description="чего ждёт")
    def expectations_labels(self, member: Member) -> str:
        labels = dict(Member.Expectation.choices)
        return ", ".join(labels.get(code, code) for code in member.expectations) or "—"

    @admin.display(description="когда свободен")
    def availability_labels(self, member: Member) -> str:
        labels = dict(Member.Window.choices)
        return ", ".join(labels.get(code, code) for code in member.availability) or "—"

    def get_search_fields(self, request):
        if is_moderator(request.user):
            return (*self.search_fields, "=tg_id")
        return ("=ref",)

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
