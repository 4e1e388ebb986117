from django.db import models

from core import clock


class Hotline(models.Model):
    """A crisis line shown on the /sos card; maintained by staff."""

    country = models.CharField("страна (ISO)", max_length=2, default="RU", db_index=True)
    name = models.CharField("название", max_length=120)
    phone = models.CharField("телефон", max_length=40, blank=True)
    url = models.URLField("сайт", blank=True)
    description = models.CharField("для кого и когда", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("показывать", default=True)

    class Meta:
        ordering = ["country", "order", "name"]
        verbose_name = "горячая линия"
        verbose_name_plural = "горячие линии"

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Block(models.Model):
    """A member never wants to meet another again: the pair is never matched, forever."""

    blocker = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="blocks_made")
    blocked = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="blocks_received")
    session = models.ForeignKey(
        "chats.ChatSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        verbose_name = "блокировка"
        verbose_name_plural = "блокировки"
        constraints = [models.UniqueConstraint(fields=["blocker", "blocked"], name="uniq_block_pair")]

    def __str__(self) -> str:
        return f"Блокировка #{self.pk}"


class Report(models.Model):
    """A member's complaint about a conversation partner, triaged by moderators."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Спам или реклама"
        ABUSE = "abuse", "Оскорбления, давление"
        DANGER = "danger", "Опасность, угрозы"
        OTHER = "other", "Другое"

    class Status(models.TextChoices):
        NEW = "new", "Новая"
        IN_REVIEW = "in_review", "На рассмотрении"
        RESOLVED = "resolved", "Решена"
        DISMISSED = "dismissed", "Отклонена"

    reporter = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="reports_made")
    reported = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="reports_received")
    session = models.ForeignKey(
        "chats.ChatSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("причина", max_length=10, choices=Reason.choices)
    status = models.CharField(
        "статус", max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "жалоба"
        verbose_name_plural = "жалобы"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Жалоба #{self.pk}: {self.get_reason_display()}"
