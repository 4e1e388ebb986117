from django.db import models
from django.db.models import F, Q

from core import clock
from matching.scoring import Rules


class Match(models.Model):
    """Two members who both accepted a proposal. The matching app extends this module."""

    member_a = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="участник A"
    )
    member_b = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="участник B"
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="создана")
    score = models.FloatField(default=0, verbose_name="совпадение")
    arm = models.CharField("вариант A/B", max_length=10, blank=True)
    is_reconnect = models.BooleanField(default=False, verbose_name="повторный разговор")

    class Meta:
        verbose_name = "пару"
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

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="searches", verbose_name="участник"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True, verbose_name="статус"
    )
    arm = models.CharField(max_length=10, choices=Arm.choices, default=Arm.STRICT, verbose_name="вариант")
    widened = models.BooleanField("расширен до мягкого", default=False)
    widen_offered_at = models.DateTimeField(null=True, blank=True, verbose_name="предложено расширить")
    created_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="начат")
    expires_at = models.DateTimeField(verbose_name="истекает")
    # Ordering in the queue: requeued members get an earlier value and go first.
    queued_at = models.DateTimeField(default=clock.now, verbose_name="в очереди с")
    requeues = models.PositiveSmallIntegerField(default=0, verbose_name="возвратов в очередь")
    # Requeues because the other side let a proposal expire: at most MAX_EXPIRY_REQUEUES (sprint 2).
    expiry_requeues = models.PositiveSmallIntegerField(default=0, verbose_name="возвратов после истечения")
    first_proposal_at = models.DateTimeField(null=True, blank=True, verbose_name="первое предложение")
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name="закончен")
    # Honest waiting: no candidate by this deadline → one notice with what the member can do.
    quiet_notice_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name="сказать о долгом поиске в"
    )
    quiet_notice_sent_at = models.DateTimeField(null=True, blank=True, verbose_name="сказано о долгом поиске")

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

    member_a = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="участник A"
    )
    member_b = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="участник B"
    )
    search_a = models.ForeignKey(
        SearchRequest, on_delete=models.PROTECT, related_name="+", verbose_name="поиск A"
    )
    search_b = models.ForeignKey(
        SearchRequest, on_delete=models.PROTECT, related_name="+", verbose_name="поиск B"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True, verbose_name="статус"
    )
    decision_a = models.CharField(
        max_length=10, choices=Decision.choices, blank=True, verbose_name="решение A"
    )
    decision_b = models.CharField(
        max_length=10, choices=Decision.choices, blank=True, verbose_name="решение B"
    )
    score = models.FloatField(verbose_name="совпадение")
    shared_topic_ids = models.JSONField(default=list, verbose_name="общие темы (id)")
    arm = models.CharField(max_length=10, blank=True, verbose_name="вариант")
    # The pair's timezone gap when proposed (offsets move with DST and profile edits).
    tz_gap_hours = models.FloatField(null=True, blank=True, verbose_name="разница поясов, ч")
    expectation_fit = models.FloatField(
        null=True,
        blank=True,
        verbose_name="совпадение ожиданий",
        help_text="1 — сходятся, 0,5 — не указаны, 0 — нет",
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="создано")
    expires_at = models.DateTimeField(verbose_name="истекает")
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="решено")
    # Set once both preview cards went out; a round whose worker died after its commit leaves it
    # empty, and the sweep sends the cards again (with a fresh deadline) instead of expiring both.
    cards_sent_at = models.DateTimeField(null=True, blank=True, verbose_name="карточки отправлены")
    match = models.OneToOneField(
        Match, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal", verbose_name="пара"
    )

    class Meta:
        verbose_name = "предложение"
        verbose_name_plural = "предложения"
        constraints = [models.CheckConstraint(condition=~Q(member_a=F("member_b")), name="proposal_not_self")]

    def __str__(self) -> str:
        return f"Предложение #{self.pk}"

    def side_of(self, member_id: int) -> str:
        return "a" if member_id == self.member_a_id else "b"


class ProposalRejection(models.Model):
    """Why a proposal fell through: one row per declined or expired proposal; codes, never text."""

    class Reason(models.TextChoices):
        DECLINED = "declined", "Пропустил(а)"
        EXPIRED = "expired", "Не ответил(а) за 5 минут"
        LEFT = "left", "Удалил(а) профиль"

    class Side(models.TextChoices):
        A = "a", "A"
        B = "b", "B"
        BOTH = "both", "Оба"

    class Why(models.TextChoices):
        NONE = "", "—"
        TOPICS = "topics", "Темы не те"
        TIME = "time", "Неудобное время"
        NOT_NOW = "not_now", "Не сейчас"

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="rejection", verbose_name="предложение"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices, verbose_name="причина")
    side = models.CharField(max_length=4, choices=Side.choices, verbose_name="кто")
    # The decliner's optional one-tap answer to «почему?» (no free text).
    why = models.CharField(max_length=10, choices=Why.choices, blank=True, verbose_name="почему")
    created_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="когда")

    class Meta:
        verbose_name = "отказ от предложения"
        verbose_name_plural = "журнал отказов"
        constraints = [
            models.CheckConstraint(
                condition=Q(why="") | Q(reason="declined"), name="rejection_why_only_when_declined"
            )
        ]

    def __str__(self) -> str:
        return f"Отказ #{self.pk}: {self.get_reason_display()}"


class PairCooldown(models.Model):
    """Two members who must not be proposed to each other until `until` (decline, recent talk)."""

    class Reason(models.TextChoices):
        DECLINED = "declined", "Отказ (72 ч)"
        RECENT = "recent", "Недавно общались (7 дней)"

    member_low = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="+", verbose_name="участник 1"
    )
    member_high = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="+", verbose_name="участник 2"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices, verbose_name="причина")
    until = models.DateTimeField(db_index=True, verbose_name="до")

    class Meta:
        verbose_name = "паузу для пары"
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


class MatchingSettings(models.Model):
    """The score's weights and the widest timezone gap, edited in admin (one row)."""

    SINGLETON_ID = 1

    weight_topics = models.FloatField("вес общих тем", default=0.6)
    weight_time = models.FloatField("вес совпадения по времени", default=0.2)
    weight_helpfulness = models.FloatField("вес полезности", default=0.2)
    max_tz_gap_hours = models.FloatField("наибольшая разница часовых поясов, ч", default=3)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "настройки подбора"
        verbose_name_plural = "настройки подбора"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="matching_settings_singleton"),
            models.CheckConstraint(
                condition=Q(weight_topics__gte=0) & Q(weight_time__gte=0) & Q(weight_helpfulness__gte=0),
                name="matching_settings_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weight_topics__gt=0) | Q(weight_time__gt=0) | Q(weight_helpfulness__gt=0),
                name="matching_settings_some_weight",
            ),
            models.CheckConstraint(
                condition=Q(max_tz_gap_hours__gte=0) & Q(max_tz_gap_hours__lte=26),
                name="matching_settings_tz_gap_range",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.weight_topics:g} · темы + {self.weight_time:g} · время + "
            f"{self.weight_helpfulness:g} · полезность, пояса ≤ {self.max_tz_gap_hours:g} ч"
        )

    @classmethod
    def current(cls) -> "MatchingSettings":
        return cls.objects.get_or_create(pk=cls.SINGLETON_ID)[0]

    def rules(self) -> Rules:
        return Rules(self.weight_topics, self.weight_time, self.weight_helpfulness, self.max_tz_gap_hours)


class ExperimentAssignment(models.Model):
    """The sticky arm of a member (hash of the pseudonymous ref)."""

    member = models.OneToOneField(
        "accounts.Member", on_delete=models.CASCADE, related_name="experiment", verbose_name="участник"
    )
    arm = models.CharField(max_length=10, choices=SearchRequest.Arm.choices, verbose_name="вариант")
    assigned_at = models.DateTimeField(default=clock.now, verbose_name="назначен")

    class Meta:
        verbose_name = "вариант эксперимента"
        verbose_name_plural = "варианты эксперимента"

    def __str__(self) -> str:
        return f"{self.member_id}: {self.arm}"
