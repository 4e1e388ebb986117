from django.db import models

from core import clock


class Hotline(models.Model):
    """A crisis line shown on the /sos card and every crisis card; maintained by staff."""

    class Audience(models.TextChoices):
        ADULTS = "adults", "Взрослым"
        ALL = "all", "Всем"
        CHILDREN = "children", "Детям, подросткам и родителям"

    country = models.CharField("страна (ISO)", max_length=2, default="RU", db_index=True)
    name = models.CharField("название", max_length=120)
    phone = models.CharField("телефон", max_length=40, blank=True)
    url = models.URLField("сайт", blank=True)
    description = models.CharField("для кого и когда", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("показывать", default=True)
    audience = models.CharField(
        "аудитория",
        max_length=10,
        choices=Audience.choices,
        default=Audience.ALL,
        help_text="Сервис только для взрослых: линии для детей показываются последними.",
    )
    source = models.URLField("официальный источник номера", blank=True)
    checked_on = models.DateField("номер проверен", null=True, blank=True)

    class Meta:
        ordering = ["country", "order", "name"]
        verbose_name = "горячую линию"
        verbose_name_plural = "горячие линии"

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class Block(models.Model):
    """A member never wants to meet another again: the pair is never matched, forever."""

    blocker = models.ForeignKey(
        "accounts.Member",
        on_delete=models.PROTECT,
        related_name="blocks_made",
        verbose_name="кто заблокировал",
    )
    blocked = models.ForeignKey(
        "accounts.Member",
        on_delete=models.PROTECT,
        related_name="blocks_received",
        verbose_name="кого заблокировали",
    )
    session = models.ForeignKey(
        "chats.ChatSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="диалог",
    )
    created_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="когда")

    class Meta:
        verbose_name = "блокировку"
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

    reporter = models.ForeignKey(
        "accounts.Member",
        on_delete=models.PROTECT,
        related_name="reports_made",
        verbose_name="кто пожаловался",
    )
    reported = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="reports_received", verbose_name="на кого"
    )
    session = models.ForeignKey(
        "chats.ChatSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="диалог",
    )
    reason = models.CharField("причина", max_length=10, choices=Reason.choices)
    status = models.CharField(
        "статус", max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    comment = models.CharField("комментарий участника", max_length=500, blank=True)
    assignee = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="взял"
    )
    # One relayed message the reporter attached (they were told moderators will see it). The only
    # message content ever kept, purged by a job at `evidence_purge_at` (90 days).
    evidence_text = models.TextField("приложенное сообщение", blank=True)
    evidence_kind = models.CharField("тип сообщения", max_length=20, blank=True)
    evidence_purge_at = models.DateTimeField(null=True, blank=True, verbose_name="сообщение удалится")
    created_at = models.DateTimeField(default=clock.now, db_index=True, verbose_name="подана")
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name="закрыта")
    alerted_at = models.DateTimeField("модераторы оповещены", null=True, blank=True)

    class Meta:
        verbose_name = "жалобу"
        verbose_name_plural = "жалобы"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Жалоба #{self.pk}: {self.get_reason_display()}"


class SafetyFlag(models.Model):
    """Something moderators should look at: a filter hit, crisis language, repeated reports.

    Never holds message content: `details` says what was detected ("3 blocked messages in
    10 min", "crisis: self-harm"), not what was written. Matching reads open high-risk flags.
    """

    class Kind(models.TextChoices):
        TOXICITY = "toxicity", "Токсичность"
        CRISIS = "crisis", "Кризисные слова"
        REPORTS = "reports", "Повторные жалобы"
        MANUAL = "manual", "Вручную"

    class Severity(models.IntegerChoices):
        LOW = 1, "Низкая"
        MEDIUM = 2, "Средняя"
        HIGH = 3, "Высокая"

    class Status(models.TextChoices):
        NEW = "new", "Новый"
        IN_REVIEW = "in_review", "На рассмотрении"
        RESOLVED = "resolved", "Решён"
        DISMISSED = "dismissed", "Отклонён"

    OPEN = (Status.NEW, Status.IN_REVIEW)

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="safety_flags", verbose_name="участник"
    )
    session = models.ForeignKey(
        "chats.ChatSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="диалог",
    )
    kind = models.CharField("тип", max_length=10, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField("важность", choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.NEW)
    details = models.CharField("что обнаружено", max_length=200, blank=True)
    assignee = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="взял"
    )
    created_at = models.DateTimeField("создан", default=clock.now, db_index=True)
    resolved_at = models.DateTimeField("закрыт", null=True, blank=True)
    alerted_at = models.DateTimeField("модераторы оповещены", null=True, blank=True)

    class Meta:
        verbose_name = "сигнал безопасности"
        verbose_name_plural = "сигналы безопасности"
        ordering = ["-severity", "created_at"]
        indexes = [
            models.Index(
                fields=["member", "severity"],
                name="flag_open_member_idx",
                condition=models.Q(status__in=["new", "in_review"]),
            )
        ]

    def __str__(self) -> str:
        return f"Сигнал #{self.pk}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Sanction(models.Model):
    """A moderation decision about a member (warn / mute / ban / lift), with its reason and history.

    The member's `muted_until` / `banned_until` columns carry the effect; this row is the record.
    `created_by` is empty for automatic sanctions (the toxicity filter's 1 h mute).
    """

    class Kind(models.TextChoices):
        WARN = "warn", "Предупреждение"
        MUTE = "mute", "Ограничение"
        BAN = "ban", "Блокировка"
        LIFT = "lift", "Снятие ограничений"

    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="sanctions", verbose_name="участник"
    )
    kind = models.CharField("мера", max_length=5, choices=Kind.choices)
    reason = models.CharField("причина (её увидит участник)", max_length=500)
    until = models.DateTimeField("до", null=True, blank=True, help_text="Пусто у блокировки — навсегда.")
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="кто"
    )
    created_at = models.DateTimeField("когда", default=clock.now, db_index=True)
    report = models.ForeignKey(
        Report,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sanctions",
        verbose_name="по жалобе",
    )
    flag = models.ForeignKey(
        SafetyFlag,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sanctions",
        verbose_name="по сигналу",
    )
    notified_at = models.DateTimeField("участник уведомлён", null=True, blank=True)

    class Meta:
        verbose_name = "санкцию"
        verbose_name_plural = "санкции"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SanctionReason(models.Model):
    """A canned reason moderators pick on the case page: the text the member reads, edited by staff.

    Blank `kind` fits every measure; blank `case_reason` fits every case. The case page prefills the
    most specific active one for the case and the suggested measure.
    """

    # What a case is about: a report's reason or a safety flag's kind (their codes do not overlap).
    CASE_REASONS = [(value, f"жалоба: {label.lower()}") for value, label in Report.Reason.choices] + [
        (value, f"сигнал: {label.lower()}") for value, label in SafetyFlag.Kind.choices
    ]

    kind = models.CharField(
        "мера",
        max_length=5,
        choices=Sanction.Kind.choices,
        blank=True,
        help_text="Пусто — подходит к любой мере.",
    )
    case_reason = models.CharField(
        "к какому случаю",
        max_length=10,
        choices=CASE_REASONS,
        blank=True,
        help_text="Пусто — подходит к любой жалобе и сигналу.",
    )
    text = models.CharField("текст (его прочтёт участник)", max_length=500)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("предлагать", default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "причину меры"
        verbose_name_plural = "причины мер"
        constraints = [
            models.UniqueConstraint(fields=["kind", "case_reason", "text"], name="uniq_sanction_reason_text")
        ]

    def __str__(self) -> str:
        return self.text


class Appeal(models.Model):
    """A member's one-message appeal against a sanction, decided by a moderator in admin."""

    class Status(models.TextChoices):
        PENDING = "pending", "Ждёт решения"
        UPHELD = "upheld", "Санкция оставлена"
        OVERTURNED = "overturned", "Санкция отменена"

    sanction = models.OneToOneField(
        Sanction, on_delete=models.CASCADE, related_name="appeal", verbose_name="санкция"
    )
    member = models.ForeignKey(
        "accounts.Member", on_delete=models.PROTECT, related_name="appeals", verbose_name="участник"
    )
    text = models.TextField("текст обжалования", max_length=2000)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.PENDING)
    decision_note = models.CharField("ответ участнику", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="решил"
    )
    created_at = models.DateTimeField("подано", default=clock.now, db_index=True)
    decided_at = models.DateTimeField("решено", null=True, blank=True)

    class Meta:
        verbose_name = "обжалование"
        verbose_name_plural = "обжалования"
        ordering = ["status", "created_at"]

    def __str__(self) -> str:
        return f"Обжалование #{self.pk}"


class AlertChat(models.Model):
    """A moderators' Telegram chat that receives danger reports and high-risk flags."""

    chat_id = models.BigIntegerField("id чата модераторов", unique=True)
    title = models.CharField("название", max_length=100)
    is_active = models.BooleanField("присылать оповещения", default=True)

    class Meta:
        verbose_name = "чат модераторов"
        verbose_name_plural = "чаты модераторов"

    def __str__(self) -> str:
        return self.title


class CrisisStep(models.Model):
    """The safety step a member was shown after crisis language, and what they chose.

    Counts only: never the message. A "likely" step also sends the partner a short guidance
    card and, when the chat ends, a check-in to both; a "possible" one is a private check-in.
    """

    class Tier(models.TextChoices):
        POSSIBLE = "possible", "Возможно (мягкий вопрос)"
        LIKELY = "likely", "Вероятно (кризисный шаг)"

    class Choice(models.TextChoices):
        HELP = "help", "Нужна помощь сейчас"
        TALK = "talk", "Продолжить разговор"
        NOT_ME = "not_me", "Не обо мне / всё в порядке"

    member = models.ForeignKey("accounts.Member", on_delete=models.PROTECT, related_name="crisis_steps")
    session = models.ForeignKey(
        "chats.ChatSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.CharField("уровень", max_length=10, choices=Tier.choices)
    rule = models.CharField("что сработало", max_length=20, blank=True)
    choice = models.CharField("выбор", max_length=10, choices=Choice.choices, blank=True)
    shown_at = models.DateTimeField("показан", db_index=True)
    chosen_at = models.DateTimeField("выбран", null=True, blank=True)
    partner_card_at = models.DateTimeField("карточка собеседнику", null=True, blank=True)
    debrief_at = models.DateTimeField("вопрос после разговора", null=True, blank=True)

    class Meta:
        ordering = ["-shown_at"]
        verbose_name = "кризисный шаг"
        verbose_name_plural = "кризисные шаги"
        indexes = [models.Index(fields=["session", "tier"], name="crisisstep_session_tier")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} · {self.shown_at:%Y-%m-%d %H:%M}"
