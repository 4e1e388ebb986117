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


class SearchRequest(models.Model):
    """A member waiting for a peer. Every deadline is a column; reads check it."""

    class Status(models.TextChoices):
        WAITING = "waiting", "В очереди"
        PROPOSED = "proposed", "Есть предложение"
        MATCHED = "matched", "Нашлась пара"
        CANCELLED = "cancelled", "Отменён"
        EXPIRED = "expired", "Истёк"

    class Arm(models.TextChoices):
        STRICT = "strict", "Строгий (≥2 общих темы)"
        SOFT = "soft", "Мягкий (≥1 общая тема)"

    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="searches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    arm = models.CharField(max_length=10, choices=Arm.choices, default=Arm.STRICT)
    widened = models.BooleanField("расширен до мягкого", default=False)
    widen_offered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    # Ordering in the queue: requeued members get an earlier value and go first.
    queued_at = models.DateTimeField(default=clock.now)
    requeues = models.PositiveSmallIntegerField(default=0)
    first_proposal_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "поиск"
        verbose_name_plural = "очередь поиска"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["waiting", "proposed"]),
                name="uniq_active_search_per_member",
            )
        ]
        indexes = [models.Index(fields=["status", "queued_at"], name="search_status_queued_idx")]

    def __str__(self) -> str:
        return f"Поиск #{self.pk}"

    @property
    def is_strict(self) -> bool:
        return self.arm == self.Arm.STRICT and not self.widened


class Proposal(models.Model):
    """A suggested pair: Waiting → Confirmed (both accept) / Declined / Expired (5 min)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Ждёт ответа"
        CONFIRMED = "confirmed", "Оба согласились"
        DECLINED = "declined", "Отклонено"
        EXPIRED = "expired", "Истекло"

    class Decision(models.TextChoices):
        NONE = "", "—"
        ACCEPTED = "accepted", "Принял(а)"
        DECLINED = "declined", "Отклонил(а)"

    member_a = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    member_b = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="+")
    search_a = models.ForeignKey(SearchRequest, on_delete=models.PROTECT, related_name="+")
    search_b = models.ForeignKey(SearchRequest, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    decision_a = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_b = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    score = models.FloatField()
    shared_topic_ids = models.JSONField(default=list)
    arm = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set once both preview cards went out; a round whose worker died after its commit leaves it
    # empty, and the sweep sends the cards again (with a fresh deadline) instead of expiring both.
    cards_sent_at = models.DateTimeField(null=True, blank=True)
    match = models.OneToOneField(
        Match, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )

    class Meta:
        verbose_name = "предложение"
        verbose_name_plural = "предложения"
        constraints = [models.CheckConstraint(condition=~Q(member_a=F("member_b")), name="proposal_not_self")]

    def __str__(self) -> str:
        return f"Предложение #{self.pk}"

    def side_of(self, member_id: int) -> str:
        return "a" if member_id == self.member_a_id else "b"


class PairCooldown(models.Model):
    """Two members who must not be proposed to each other until `until` (decline, recent talk)."""

    class Reason(models.TextChoices):
        DECLINED = "declined", "Отказ (72 ч)"
        RECENT = "recent", "Недавно общались (7 дней)"

    member_low = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, related_name="+")
    member_high = models.ForeignKey("accounts.Member", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    until = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "пауза для пары"
        verbose_name_plural = "паузы для пар"
        constraints = [
            models.UniqueConstraint(fields=["member_low", "member_high"], name="uniq_pair_cooldown"),
            models.CheckConstraint(
                condition=Q(member_low__lt=F("member_high")), name="pair_cooldown_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_low_id}–{self.member_high_id} до {self.until:%d.%m %H:%M}"


class ExperimentSettings(models.Model):
    """The strict-vs-soft experiment, edited in admin (one row)."""

    soft_percent = models.PositiveSmallIntegerField("доля мягкого варианта, %", default=50)
    widen_after_minutes = models.PositiveSmallIntegerField("предложить расширить через, мин", default=5)

    class Meta:
        verbose_name = "настройки эксперимента"
        verbose_name_plural = "настройки эксперимента"

    def __str__(self) -> str:
        return f"Мягкий вариант: {self.soft_percent}%"

    @classmethod
    def current(cls) -> "ExperimentSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ExperimentAssignment(models.Model):
    """The sticky arm of a member (hash of the pseudonymous ref)."""

    member = models.OneToOneField("accounts.Member", on_delete=models.CASCADE, related_name="experiment")
    arm = models.CharField(max_length=10, choices=SearchRequest.Arm.choices)
    assigned_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "вариант эксперимента"
        verbose_name_plural = "варианты эксперимента"

    def __str__(self) -> str:
        return f"{self.member_id}: {self.arm}"
