from django.db import models
from django.db.models import Q

from core import clock


class ChatSession(models.Model):
    """An anonymous conversation between a matched pair. Counters only, never content."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Идёт"
        ENDED = "ended", "Завершён"

    class EndReason(models.TextChoices):
        MEMBER_ENDED = "member_ended", "Завершил участник"
        TIMER = "timer", "Истекло время"
        IDLE = "idle", "Нет сообщений 48 ч"
        BLOCKED = "blocked", "Блокировка"
        REPORTED = "reported", "Жалоба"
        UNREACHABLE = "unreachable", "Собеседник недоступен"
        DELETED = "deleted", "Участник удалил профиль"
        MODERATION = "moderation", "Модерация"

    match = models.OneToOneField(
        "matching.Match", on_delete=models.PROTECT, related_name="session", verbose_name="пара"
    )
    member_a = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="участник A"
    )
    member_b = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="участник B"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True, verbose_name="статус"
    )
    started_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="начат")
    # The temporary-chat deadline: every relay checks it, a job acts on it.
    ends_at = models.DateTimeField(verbose_name="закончится")
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name="закончен")
    end_reason = models.CharField(
        max_length=16, choices=EndReason.choices, blank=True, verbose_name="причина окончания"
    )
    ended_by = models.ForeignKey(
        "accounts.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="кто закончил",
    )
    messages_a = models.PositiveIntegerField(default=0, verbose_name="сообщений A")
    messages_b = models.PositiveIntegerField(default=0, verbose_name="сообщений B")
    media_a = models.PositiveIntegerField(default=0, verbose_name="медиа A")
    media_b = models.PositiveIntegerField(default=0, verbose_name="медиа B")
    first_message_at = models.DateTimeField(null=True, blank=True, verbose_name="первое сообщение")
    last_message_at = models.DateTimeField(null=True, blank=True, verbose_name="последнее сообщение")
    # The one-hour warning before ends_at, and each side's vote to extend.
    warned_at = models.DateTimeField(null=True, blank=True, verbose_name="предупреждён о конце")
    extend_a = models.BooleanField(default=False, verbose_name="A за продление")
    extend_b = models.BooleanField(default=False, verbose_name="B за продление")
    extensions = models.PositiveSmallIntegerField(default=0, verbose_name="продлений")
    # The silent-start deadline (3 min after the start): if nobody has written by then, each side
    # gets one conversation starter (chats.outcomes); the sweep acts on it, once.
    starter_due_at = models.DateTimeField(null=True, blank=True, verbose_name="подсказать начало в")
    starter_sent_at = models.DateTimeField(null=True, blank=True, verbose_name="подсказка начала отправлена")

    class Meta:
        verbose_name = "диалог"
        verbose_name_plural = "диалоги"
        constraints = [
            # A member is in at most one active conversation.
            models.UniqueConstraint(
                fields=["member_a"], condition=Q(status="active"), name="uniq_active_session_member_a"
            ),
            models.UniqueConstraint(
                fields=["member_b"], condition=Q(status="active"), name="uniq_active_session_member_b"
            ),
        ]
        indexes = [
            models.Index(
                fields=["starter_due_at"],
                condition=Q(starter_sent_at__isnull=True, first_message_at__isnull=True),
                name="session_starter_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Диалог #{self.pk}"

    def partner_of(self, member):
        return self.member_b if member.pk == self.member_a_id else self.member_a

    def partner_id_of(self, member_id: int) -> int:
        return self.member_b_id if member_id == self.member_a_id else self.member_a_id

    def side_of(self, member) -> str:
        return "a" if member.pk == self.member_a_id else "b"


class Rating(models.Model):
    """How helpful a conversation was for one member (1–5), once per member per session."""

    class Chip(models.TextChoices):
        LISTENED = "listened", "Меня выслушали"
        UNDERSTOOD = "understood", "Меня поняли"
        EXPERIENCE = "experience", "Полезный опыт"
        CALMER = "calmer", "Стало спокойнее"

    session = models.ForeignKey(
        ChatSession, on_delete=models.PROTECT, related_name="ratings", verbose_name="диалог"
    )
    rater = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="кто оценил"
    )
    rated = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="кого оценили"
    )
    score = models.PositiveSmallIntegerField(verbose_name="оценка")
    chip = models.CharField(max_length=12, choices=Chip.choices, blank=True, verbose_name="отметка")
    created_at = models.DateTimeField(default=clock.now, verbose_name="когда")

    class Meta:
        verbose_name = "оценку"
        verbose_name_plural = "оценки"
        constraints = [
            models.UniqueConstraint(fields=["session", "rater"], name="uniq_rating_per_member_session"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score}★ в диалоге #{self.session_id}"


class ReconnectRequest(models.Model):
    """One member of an ended session asks to talk again (within 7 days); the other decides."""

    class Status(models.TextChoices):
        PENDING = "pending", "Ждёт ответа"
        ACCEPTED = "accepted", "Принято"
        DECLINED = "declined", "Отклонено"
        EXPIRED = "expired", "Истекло"

    session = models.ForeignKey(
        ChatSession, on_delete=models.CASCADE, related_name="reconnects", verbose_name="диалог"
    )
    from_member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="кто просит"
    )
    to_member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="+", verbose_name="кого просят"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name="статус"
    )
    created_at = models.DateTimeField(default=clock.now, verbose_name="создана")
    expires_at = models.DateTimeField(verbose_name="истекает")
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name="решено")
    new_session = models.ForeignKey(
        ChatSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="новый диалог",
    )

    class Meta:
        verbose_name = "просьбу поговорить снова"
        verbose_name_plural = "просьбы поговорить снова"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "from_member"],
                condition=Q(status="pending"),
                name="uniq_pending_reconnect_per_side",
            )
        ]

    def __str__(self) -> str:
        return f"Снова поговорить #{self.pk}"


class MoodCheck(models.Model):
    """«Как вы сейчас?» (1–5, in words) of one member as a conversation starts and as it ends.

    Pseudonymous analytics (the member's row, no text); erasure deletes them.
    """

    class Phase(models.TextChoices):
        BEFORE = "before", "В начале разговора"
        AFTER = "after", "После разговора"

    session = models.ForeignKey(
        ChatSession, on_delete=models.CASCADE, related_name="moods", verbose_name="диалог"
    )
    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="+", verbose_name="участник"
    )
    phase = models.CharField(max_length=6, choices=Phase.choices, verbose_name="когда")
    score = models.PositiveSmallIntegerField(verbose_name="самочувствие (1–5)")
    created_at = models.DateTimeField(default=clock.now, verbose_name="ответ")

    class Meta:
        verbose_name = "самочувствие"
        verbose_name_plural = "самочувствие до и после"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member", "phase"], name="uniq_mood_per_member_session_phase"
            ),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="mood_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.score} в диалоге #{self.session_id}"
