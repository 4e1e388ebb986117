import json
import re

import django_rq
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html

from core.models import DeadLetterUpdate
from core.roles import is_moderator

# Who a Telegram update came from: moderators may need it to replay or answer, analysts never.
IDENTIFYING_KEYS = frozenset(
    {"id", "user_id", "chat_id", "first_name", "last_name", "full_name", "username", "phone_number", "title"}
)
HIDDEN = "скрыто"


def redact(value):
    """The update without the ids and names of its sender and chat (for analysts)."""
    if isinstance(value, dict):
        return {k: HIDDEN if k in IDENTIFYING_KEYS else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@admin.register(DeadLetterUpdate)
class DeadLetterUpdateAdmin(admin.ModelAdmin):
    list_display = (
        "update_id",
        "update_type",
        "error_type",
        "status",
        "attempts",
        "member_ref",
        "created_at",
    )
    list_filter = ("status", "update_type", "error_type")
    search_fields = ("=update_id", "member_ref", "error_type")
    readonly_fields = [*(f.name for f in DeadLetterUpdate._meta.fields), "update_redacted", "error_redacted"]
    actions = ["replay", "dismiss"]
    date_hierarchy = "created_at"

    def get_fields(self, request, obj=None):
        fields = [f.name for f in DeadLetterUpdate._meta.fields if f.name != "id"]
        if not is_moderator(request.user):
            swap = {"payload": "update_redacted", "error_message": "error_redacted"}
            fields = [swap.get(f, f) for f in fields]
        return fields

    @admin.display(description="обновление (без id и имён)")
    def update_redacted(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(redact(obj.payload), ensure_ascii=False, indent=1))

    @admin.display(description="текст ошибки (без чисел)")
    def error_redacted(self, obj):
        return re.sub(r"\d{5,}", HIDDEN, obj.error_message)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Обработать повторно", permissions=["change"])
    def replay(self, request, queryset):
        ids = list(queryset.exclude(status=DeadLetterUpdate.Status.REPLAYED).values_list("pk", flat=True))
        queue = django_rq.get_queue("telegram")
        for letter_id in ids:
            transaction.on_commit(lambda i=letter_id: queue.enqueue("core.tasks.dead_letter_replay", i))
        self.message_user(request, f"Поставлено в очередь на повтор: {len(ids)}", messages.SUCCESS)

    @admin.action(description="Закрыть без повтора", permissions=["change"])
    def dismiss(self, request, queryset):
        count = queryset.update(status=DeadLetterUpdate.Status.DISMISSED)
        self.message_user(request, f"Закрыто: {count}", messages.SUCCESS)
