from django.db import models


class ProcessedUpdate(models.Model):
    """A Telegram update_id that was claimed for processing: the webhook's dedup mark."""

    update_id = models.BigIntegerField(primary_key=True)
    claimed_at = models.DateTimeField()
    completed = models.BooleanField(default=False)

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

    update_id = models.BigIntegerField(unique=True)
    update_type = models.CharField(max_length=40)
    # Message text and captions are removed before saving (no message content in PostgreSQL).
    payload = models.JSONField()
    error_type = models.CharField(max_length=200)
    error_message = models.TextField(blank=True)
    member_ref = models.CharField(max_length=32, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "необработанное обновление"
        verbose_name_plural = "необработанные обновления"

    def __str__(self) -> str:
        return f"{self.update_type} #{self.update_id}"
