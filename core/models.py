from django.db import models


class ProcessedUpdate(models.Model):
    """A Telegram update_id that was claimed for processing: the webhook's dedup mark."""

    update_id = models.BigIntegerField(primary_key=True, verbose_name="id обновления")
    claimed_at = models.DateTimeField(verbose_name="взято")
    completed = models.BooleanField(default=False, verbose_name="обработано")

    class Meta:
        indexes = [models.Index(fields=["claimed_at"], name="processed_update_claimed_idx")]

    def __str__(self) -> str:
        return str(self.update_id)


class DeadLetterUpdate(models.Model):
    """An update whose handler failed with a bug or bad data; staff can replay it from admin."""

    class Status(models.TextChoices):
        NEW = "new", "Новое"
        REPLAYED = "replayed", "Повторено успешно"
        FAILED_AGAIN = "failed_again", "Снова ошибка"
        DISMISSED = "dismissed", "Закрыто"

    update_id = models.BigIntegerField(unique=True, verbose_name="id обновления")
    update_type = models.CharField(max_length=40, verbose_name="тип обновления")
    # Message text and captions are removed before saving (no message content in PostgreSQL).
    payload = models.JSONField(verbose_name="обновление")
    error_type = models.CharField(max_length=200, verbose_name="ошибка")
    error_message = models.TextField(blank=True, verbose_name="текст ошибки")
    member_ref = models.CharField(max_length=32, blank=True, db_index=True, verbose_name="участник (ref)")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NEW, verbose_name="статус"
    )
    attempts = models.PositiveIntegerField(default=1, verbose_name="попыток")
    created_at = models.DateTimeField(verbose_name="получено")
    last_attempt_at = models.DateTimeField(verbose_name="последняя попытка")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "необработанное обновление"
        verbose_name_plural = "необработанные обновления"

    def __str__(self) -> str:
        return f"{self.update_type} #{self.update_id}"
