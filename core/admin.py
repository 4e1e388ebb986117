import django_rq
from django.contrib import admin, messages
from django.db import transaction

from core.models import DeadLetterUpdate


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
    readonly_fields = [f.name for f in DeadLetterUpdate._meta.fields]
    actions = ["replay", "dismiss"]
    date_hierarchy = "created_at"

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
