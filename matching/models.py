from django.db import models
from django.db.models import F, Q

from core import clock


class Match(models.Model):
    """Two members who both accepted a proposal. The matching app extends this module."""

    member_a = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    member_b = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    score = models.FloatField(default=0)
    arm = models.CharField("вариант A/B", max_length=10, blank=True)
    is_reconnect = models.BooleanField(default=False)

    class Meta:
        verbose_name = "пара"
        verbose_name_plural = "пары"
        constraints = [
            models.CheckConstraint(condition=~Q(member_a=F("member_b")), name="match_not_self"),
        ]

    def __str__(self) -> str:
        return f"Пара #{self.pk}"
