from django.db import models
from django.db.models import F, Q

from core import clock

# Telegram's bounds for one Stars invoice.
TELEGRAM_MAX_STARS = 10_000


class TipSettings(models.Model):
    """The one row of tip settings staff edit in admin: amount limits and our commission."""

    SINGLETON_ID = 1

    min_amount = models.PositiveIntegerField("минимальная сумма, ⭐", default=1)
    max_amount = models.PositiveIntegerField("максимальная сумма, ⭐", default=1000)
    commission_percent = models.PositiveSmallIntegerField("комиссия сервиса, %", default=10)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "настройки чаевых"
        verbose_name_plural = "настройки чаевых"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="tip_settings_singleton"),
            models.CheckConstraint(condition=Q(min_amount__gte=1), name="tip_settings_min_positive"),
            models.CheckConstraint(
                condition=Q(max_amount__gte=F("min_amount")), name="tip_settings_max_gte_min"
            ),
            models.CheckConstraint(
                condition=Q(max_amount__lte=TELEGRAM_MAX_STARS), name="tip_settings_max_telegram_limit"
            ),
            models.CheckConstraint(
                condition=Q(commission_percent__lte=100), name="tip_settings_commission_percent"
            ),
        ]

    def __str__(self) -> str:
        return "Настройки чаевых"

    @classmethod
    def load(cls) -> "TipSettings":
        settings, _ = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return settings


class Tip(models.Model):
    """Stars one member gave their conversation partner. Amounts only, never message content.

    Created `pending` when the invoice is sent; credited once per Telegram charge id.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Счёт выставлен"
        PAID = "paid", "Оплачено"
        REFUNDED = "refunded", "Возвращено"

    class RefundSource(models.TextChoices):
        ADMIN = "admin", "Модератор"
        TELEGRAM = "telegram", "Telegram"

    session = models.ForeignKey(
        "chats.ChatSession", on_delete=models.PROTECT, related_name="tips", verbose_name="диалог"
    )
    payer = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="tips_sent", verbose_name="кто платит"
    )
    recipient = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="tips_received", verbose_name="кому"
    )
    amount = models.PositiveIntegerField("сумма, ⭐")
    commission_percent = models.PositiveSmallIntegerField("комиссия, %")
    commission = models.PositiveIntegerField("комиссия, ⭐", default=0)
    net = models.PositiveIntegerField("получателю, ⭐", default=0)
    currency = models.CharField(max_length=8, default="XTR", verbose_name="валюта")
    status = models.CharField(
        "статус", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    telegram_payment_charge_id = models.CharField(
        "платёж Telegram", max_length=255, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField("счёт выставлен", default=clock.now, db_index=True)
    paid_at = models.DateTimeField("оплачено", null=True, blank=True, db_index=True)
    refunded_at = models.DateTimeField("возвращено", null=True, blank=True)
    refund_source = models.CharField("кто вернул", max_length=10, choices=RefundSource.choices, blank=True)
    refunded_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="модератор",
    )
    refund_error = models.CharField("ошибка возврата", max_length=200, blank=True)

    class Meta:
        verbose_name = "чаевые"
        verbose_name_plural = "чаевые"
        ordering = ["-created_at"]
        permissions = [("refund_tip", "Может возвращать чаевые")]
        constraints = [
            models.CheckConstraint(condition=~Q(payer=F("recipient")), name="tip_not_to_oneself"),
            models.CheckConstraint(condition=Q(amount__gte=1), name="tip_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(telegram_payment_charge_id__isnull=False),
                name="tip_paid_has_charge_id",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(net=F("amount") - F("commission")),
                name="tip_net_is_amount_minus_commission",
            ),
        ]
        indexes = [models.Index(fields=["payer", "status"], name="tip_payer_status_idx")]

    def __str__(self) -> str:
        return f"Чаевые #{self.pk}: {self.amount} ⭐"


class SupportTicket(models.Model):
    """A /paysupport request. `text` is the member's own words addressed to support (kept)."""

    class Status(models.TextChoices):
        OPEN = "open", "Открыто"
        ANSWERED = "answered", "Отвечено"
        CLOSED = "closed", "Закрыто"

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="support_tickets", verbose_name="участник"
    )
    text = models.TextField("обращение участника", max_length=2000)
    tips = models.ManyToManyField(Tip, blank=True, related_name="tickets", verbose_name="последние платежи")
    status = models.CharField(
        "статус", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    answer = models.TextField("ответ", max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="ответил",
    )
    answered_at = models.DateTimeField("ответ дан", null=True, blank=True)
    answer_sent_at = models.DateTimeField("ответ доставлен", null=True, blank=True)
    created_at = models.DateTimeField("создано", default=clock.now, db_index=True)

    class Meta:
        verbose_name = "обращение по платежам"
        verbose_name_plural = "обращения по платежам"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Обращение #{self.pk}"


class Mismatch(models.Model):
    """A difference between Telegram's Stars transactions and our tips, found by reconciliation."""

    class Kind(models.TextChoices):
        MISSING_TIP = "missing_tip", "Платёж есть в Telegram, чаевых нет"
        MISSING_IN_TELEGRAM = "missing_in_telegram", "Чаевые есть, платежа в Telegram нет"
        AMOUNT = "amount", "Разные суммы"
        REFUND_NOT_RECORDED = "refund_not_recorded", "Возврат в Telegram не отмечен у нас"
        REFUND_NOT_IN_TELEGRAM = "refund_not_in_telegram", "Возврат отмечен у нас, в Telegram нет"
        UNKNOWN_PAYLOAD = "unknown_payload", "Оплата с неизвестным счётом"

    kind = models.CharField("что не сходится", max_length=24, choices=Kind.choices)
    telegram_payment_charge_id = models.CharField("платёж Telegram", max_length=255)
    tip = models.ForeignKey(
        Tip,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mismatches",
        verbose_name="чаевые",
    )
    telegram_amount = models.IntegerField("сумма в Telegram", null=True, blank=True)
    our_amount = models.IntegerField("сумма у нас", null=True, blank=True)
    detected_at = models.DateTimeField("найдено", default=clock.now, db_index=True)
    last_seen_at = models.DateTimeField("последняя сверка", default=clock.now)
    resolved_at = models.DateTimeField("разобрано", null=True, blank=True)
    resolved_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="разобрал",
    )

    class Meta:
        verbose_name = "расхождение сверки"
        verbose_name_plural = "расхождения сверки"
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "telegram_payment_charge_id"], name="uniq_mismatch_kind_charge"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.telegram_payment_charge_id})"
