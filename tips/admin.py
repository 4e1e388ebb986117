import datetime as dt

from django.contrib import admin, messages
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.roles import is_moderator
from tips import reconcile, services, support
from tips.models import Mismatch, SupportTicket, Tip, TipSettings

STATUS_COLOURS = {
    Tip.Status.PENDING: "#777",
    Tip.Status.PAID: "#1a7f37",
    Tip.Status.REFUNDED: "#b35900",
}


class PaidBetweenFilter(admin.ListFilter):
    """Tips paid within a date range (both ends included), typed as two dates."""

    title = "дата оплаты"
    template = "admin/tips/date_range_filter.html"
    parameters = ("paid_from", "paid_to")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                value = value[-1] if isinstance(value, list) else value
                self.used_parameters[name] = value
                try:
                    self.values[name] = dt.date.fromisoformat(value)
                except ValueError:
                    self.values[name] = None

    def has_output(self) -> bool:
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def queryset(self, request, queryset):
        start, end = self.values.get("paid_from"), self.values.get("paid_to")
        if start:
            queryset = queryset.filter(paid_at__date__gte=start)
        if end:
            queryset = queryset.filter(paid_at__date__lte=end)
        return queryset

    def choices(self, changelist):
        others = [(k, v) for k, v in self.request.GET.items() if k not in self.parameters and k != "p"]
        yield {
            "others": others,
            "paid_from": self.values.get("paid_from") or "",
            "paid_to": self.values.get("paid_to") or "",
            "clear_url": changelist.get_query_string(remove=list(self.parameters)),
        }


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status_badge",
        "amount",
        "commission",
        "net",
        "payer_ref",
        "recipient_ref",
        "session_id",
        "created_at",
        "paid_at",
        "refunded_at",
    )
    list_filter = ("status", PaidBetweenFilter, ("paid_at", admin.DateFieldListFilter), "refund_source")
    search_fields = ("=payer__ref", "=recipient__ref", "=telegram_payment_charge_id", "=session__id")
    date_hierarchy = "created_at"
    list_select_related = ("payer", "recipient")
    actions = ["refund"]
    fields = (
        "status",
        "amount",
        "commission_percent",
        "commission",
        "net",
        "currency",
        "payer_ref",
        "recipient_ref",
        "session",
        "telegram_payment_charge_id",
        "created_at",
        "paid_at",
        "refunded_at",
        "refund_source",
        "refunded_by",
        "refund_error",
    )
    readonly_fields = fields

    @admin.display(description="статус", ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<b style="color:{}">{}</b>', STATUS_COLOURS.get(obj.status, "#000"), obj.get_status_display()
        )

    @admin.display(description="кто отправил")
    def payer_ref(self, obj):
        return obj.payer.ref

    @admin.display(description="кому")
    def recipient_ref(self, obj):
        return obj.recipient.ref

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request):
        return request.user.has_perm("tips.refund_tip")

    @admin.action(description="Вернуть звёзды отправителю", permissions=["refund"])
    def refund(self, request, queryset):
        ids = services.tip_refund_request(
            tip_ids=list(queryset.values_list("pk", flat=True)), staff_id=request.user.pk
        )
        skipped = queryset.count() - len(ids)
        self.message_user(request, f"Возврат запрошен: {len(ids)}. Оба участника получат сообщение.")
        if skipped:
            self.message_user(
                request, f"Пропущено (не оплачены или уже возвращены): {skipped}", messages.WARNING
            )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            paid = Q(status=Tip.Status.PAID)
            response.context_data["totals"] = changelist.queryset.aggregate(
                paid_count=Count("pk", filter=paid),
                gross=Sum("amount", filter=paid),
                commission=Sum("commission", filter=paid),
                net=Sum("net", filter=paid),
                refunded_count=Count("pk", filter=Q(status=Tip.Status.REFUNDED)),
                refunded=Sum("amount", filter=Q(status=Tip.Status.REFUNDED)),
            )
        return response


@admin.register(TipSettings)
class TipSettingsAdmin(admin.ModelAdmin):
    fields = ("min_amount", "max_amount", "commission_percent", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        row = TipSettings.load()
        return HttpResponseRedirect(reverse("admin:tips_tipsettings_change", args=[row.pk]))


class AnsweredFilter(admin.SimpleListFilter):
    title = "ответ"
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("waiting", "ждёт ответа"), ("not_delivered", "ответ не доставлен")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(answered_at__isnull=True).exclude(status=SupportTicket.Status.CLOSED)
        if self.value() == "not_delivered":
            return queryset.filter(answered_at__isnull=False, answer_sent_at__isnull=True)
        return queryset


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "member_ref", "short_text", "created_at", "answered_at", "answer_sent_at")
    list_filter = ("status", AnsweredFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("=member__ref", "=id")
    date_hierarchy = "created_at"
    list_select_related = ("member",)
    fields = (
        "member_ref",
        "created_at",
        "text",
        "payments",
        "status",
        "answer",
        "answered_by",
        "answered_at",
        "answer_sent_at",
    )
    readonly_fields = (
        "member_ref",
        "created_at",
        "text",
        "payments",
        "answered_by",
        "answered_at",
        "answer_sent_at",
    )
    actions = ["close"]

    # The member's own words: moderators only, never analysts.
    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="участник")
    def member_ref(self, obj):
        return obj.member.ref

    @admin.display(description="обращение")
    def short_text(self, obj):
        return obj.text[:80] + ("…" if len(obj.text) > 80 else "")

    @admin.display(description="последние платежи")
    def payments(self, obj):
        tips = obj.tips.order_by("-paid_at")
        if not tips:
            return "—"
        return format_html_join(
            "",
            '<div><a href="{}">#{}</a> · {} ⭐ · {} · {}</div>',
            (
                (
                    reverse("admin:tips_tip_change", args=[tip.pk]),
                    tip.pk,
                    tip.amount,
                    tip.get_status_display(),
                    tip.paid_at.strftime("%d.%m.%Y %H:%M") if tip.paid_at else "",
                )
                for tip in tips
            ),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "answer" in form.changed_data and obj.answer.strip():
            support.ticket_answer(ticket_id=obj.pk, answer=obj.answer, staff_id=request.user.pk)
            self.message_user(request, "Ответ отправляется участнику в боте.")

    @admin.action(description="Закрыть обращения", permissions=["change"])
    def close(self, request, queryset):
        count = queryset.update(status=SupportTicket.Status.CLOSED)
        self.message_user(request, f"Закрыто: {count}")


class ResolvedFilter(admin.SimpleListFilter):
    title = "разбор"
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", "не разобрано"), ("yes", "разобрано")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Mismatch)
class MismatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "telegram_payment_charge_id",
        "tip_link",
        "telegram_amount",
        "our_amount",
        "detected_at",
        "last_seen_at",
        "resolved_at",
    )
    list_filter = ("kind", ResolvedFilter, ("detected_at", admin.DateFieldListFilter))
    search_fields = ("=telegram_payment_charge_id",)
    readonly_fields = (
        "kind",
        "telegram_payment_charge_id",
        "tip",
        "telegram_amount",
        "our_amount",
        "detected_at",
        "last_seen_at",
        "resolved_at",
        "resolved_by",
    )
    actions = ["resolve"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="чаевые")
    def tip_link(self, obj):
        if obj.tip_id is None:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:tips_tip_change", args=[obj.tip_id]), obj.tip_id
        )

    @admin.action(description="Отметить разобранными", permissions=["change"])
    def resolve(self, request, queryset):
        count = reconcile.mismatches_resolve(
            mismatch_ids=list(queryset.values_list("pk", flat=True)), staff_id=request.user.pk
        )
        self.message_user(request, f"Разобрано: {count}")
