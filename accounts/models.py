from __future__ import annotations

import datetime as dt

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core import clock


class Topic(models.Model):
    """A lived experience members can share (burnout, relocation, loss…)."""

    class Sensitivity(models.TextChoices):
        LOW = "low", "Обычная"
        MEDIUM = "medium", "Чувствительная"
        HIGH = "high", "Высокая (кризисная)"

    slug = models.SlugField(max_length=40, unique=True, verbose_name="код")
    title = models.CharField("название", max_length=60)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    is_active = models.BooleanField("активна", default=True)
    sensitivity = models.CharField(
        "чувствительность", max_length=10, choices=Sensitivity.choices, default=Sensitivity.LOW
    )

    class Meta:
        ordering = ["order", "title"]
        verbose_name = "тему"
        verbose_name_plural = "темы"

    def __str__(self) -> str:
        return self.title


class Member(models.Model):
    """A Telegram user of the bot. After erasure only `ref` and aggregates remain."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Активен"
        MUTED = "muted", "Ограничен (mute)"
        BANNED = "banned", "Заблокирован"
        DELETED = "deleted", "Удалён"

    class Step(models.TextChoices):
        RULES = "rules", "Правила"
        ADULT = "adult", "18+"
        PSEUDONYM = "pseudonym", "Псевдоним"
        TIMEZONE = "timezone", "Часовой пояс"
        COUNTRY = "country", "Страна"
        TOPICS = "topics", "Темы"
        EXPECTATIONS = "expectations", "Ожидания"
        SENSITIVITY = "sensitivity", "Насколько тяжело"
        AVAILABILITY = "availability", "Доступность"
        BIO = "bio", "О себе"
        SAFETY = "safety", "Карточки безопасного общения"
        DONE = "done", "Завершён"

    class Expectation(models.TextChoices):
        VENT = "vent", "Выговориться"
        ADVICE = "advice", "Получить совет"
        SHARE = "share", "Поделиться опытом"
        SUPPORT = "support", "Просто поддержка"
        LISTEN = "listen", "Выслушать другого"
        FRIENDSHIP = "friendship", "Дружба"

    class Window(models.TextChoices):
        MORNING = "morning", "Утро"
        DAY = "day", "День"
        EVENING = "evening", "Вечер"
        NIGHT = "night", "Ночь"
        WEEKDAYS = "weekdays", "Будни"
        WEEKENDS = "weekends", "Выходные"

    tg_id = models.BigIntegerField("Telegram id", null=True, blank=True, unique=True)
    ref = models.CharField("псевдонимная ссылка", max_length=16, db_index=True)
    pseudonym = models.CharField("псевдоним", max_length=24, blank=True)
    timezone = models.CharField("часовой пояс", max_length=64, blank=True)
    # ISO 3166 code for the crisis lines shown to the member; "ZZ" = elsewhere (international lines).
    country = models.CharField("страна", max_length=2, blank=True)
    # Colour + animal emoji, generated from `ref`: tells partners apart without photos.
    avatar = models.CharField("аватар", max_length=16, blank=True)
    bio = models.CharField("о себе", max_length=300, blank=True)
    expectations = ArrayField(
        models.CharField(max_length=16, choices=Expectation.choices),
        default=list,
        blank=True,
        verbose_name="чего ждёт",
    )
    availability = ArrayField(
        models.CharField(max_length=16, choices=Window.choices),
        default=list,
        blank=True,
        verbose_name="когда свободен",
    )
    topics = models.ManyToManyField(
        Topic, through="MemberTopic", related_name="members", blank=True, verbose_name="темы"
    )

    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    muted_until = models.DateTimeField("ограничен до", null=True, blank=True)
    banned_until = models.DateTimeField("заблокирован до", null=True, blank=True)
    onboarding_step = models.CharField("шаг анкеты", max_length=16, choices=Step.choices, default=Step.RULES)
    # Free text the bot is waiting for outside onboarding ("<app>:<what>", e.g. "accounts:edit_bio").
    awaiting = models.CharField(max_length=40, blank=True, verbose_name="бот ждёт ответа")
    awaiting_context = models.JSONField(default=dict, blank=True, verbose_name="контекст ожидания")
    # After this the member's next message is read as an ordinary message again.
    awaiting_until = models.DateTimeField(null=True, blank=True, verbose_name="ждёт до")

    rules_accepted_at = models.DateTimeField(null=True, blank=True, verbose_name="принял правила")
    adult_confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name="подтвердил 18+")
    safety_cards_seen_at = models.DateTimeField(
        "прочитал карточки безопасного общения", null=True, blank=True
    )
    created_at = models.DateTimeField("зарегистрирован", default=clock.now, db_index=True)
    onboarded_at = models.DateTimeField("анкета заполнена", null=True, blank=True)
    last_seen_at = models.DateTimeField("последняя активность", null=True, blank=True)
    unreachable_since = models.DateTimeField("бот заблокирован участником", null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name="удалён")

    helpfulness = models.FloatField("полезность", default=0.5)
    ratings_count = models.PositiveIntegerField(default=0, verbose_name="оценок")
    coach_opt_in = models.BooleanField("подсказки коуча", default=False)

    class Meta:
        verbose_name = "участника"
        verbose_name_plural = "участники"
        constraints = [
            models.UniqueConstraint(
                fields=["ref"], condition=~Q(status="deleted"), name="uniq_member_ref_not_deleted"
            ),
            models.CheckConstraint(
                condition=Q(status="deleted") | Q(tg_id__isnull=False), name="member_tg_id_unless_deleted"
            ),
        ]
        indexes = [models.Index(fields=["status", "onboarding_step"], name="member_status_step_idx")]

    def __str__(self) -> str:
        return f"#{self.ref}"  # staff pages name a member by the pseudonymous ref, never the pseudonym

    @property
    def is_onboarded(self) -> bool:
        return self.onboarding_step == self.Step.DONE

    def is_muted(self, at: dt.datetime | None = None) -> bool:
        return self.muted_until is not None and self.muted_until > (at or clock.now())

    def is_banned(self, at: dt.datetime | None = None) -> bool:
        if self.status != self.Status.BANNED:
            return False
        return self.banned_until is None or self.banned_until > (at or clock.now())

    @property
    def is_deleted(self) -> bool:
        return self.status == self.Status.DELETED

    @property
    def is_reachable(self) -> bool:
        return self.unreachable_since is None and not self.is_deleted


class MemberTopic(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="member_topics", verbose_name="участник"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="member_topics", verbose_name="тема"
    )
    created_at = models.DateTimeField(default=clock.now, verbose_name="добавлена")

    class Meta:
        verbose_name = "тема участника"
        verbose_name_plural = "темы участника"
        constraints = [models.UniqueConstraint(fields=["member", "topic"], name="uniq_member_topic")]
        indexes = [models.Index(fields=["topic", "member"], name="member_topic_topic_idx")]

    def __str__(self) -> str:
        return f"{self.member} · {self.topic}"


class Preferences(models.Model):
    """Settings a member chose; deleted on erasure."""

    class Sensitivity(models.TextChoices):
        LIGHT = "light", "Говорю спокойно"
        DIFFICULT = "difficult", "Тяжело"
        VERY_HARD = "very_hard", "Очень тяжело"

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="preferences", verbose_name="участник"
    )
    protect_content = models.BooleanField("запрет пересылки и сохранения", default=False)
    sensitivity = models.CharField(
        max_length=12, choices=Sensitivity.choices, blank=True, verbose_name="насколько тяжело"
    )
    digest_opt_in = models.BooleanField("еженедельный дайджест", default=False)
    digest_sent_at = models.DateTimeField("дайджест отправлен", null=True, blank=True)
    colist_opt_in = models.BooleanField("сообщать о собеседниках по темам на потом", default=False)
    colist_notified_at = models.DateTimeField("последнее уведомление по ко-листу", null=True, blank=True)
    # «Больше не спрашивать» on the loneliness check: no further waves are offered.
    loneliness_opt_out = models.BooleanField("не предлагать вопросы об одиночестве", default=False)

    class Meta:
        verbose_name = "настройки"
        verbose_name_plural = "настройки"

    def __str__(self) -> str:
        return f"Настройки {self.member}"


class LaterTopic(models.Model):
    """A topic on the member's co-list: something they would like to talk about later."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="later_topics", verbose_name="участник"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="later_topics", verbose_name="тема"
    )
    created_at = models.DateTimeField(default=clock.now, verbose_name="добавлена")

    class Meta:
        verbose_name = "тему на потом"
        verbose_name_plural = "ко-лист"
        constraints = [models.UniqueConstraint(fields=["member", "topic"], name="uniq_member_later_topic")]
        indexes = [models.Index(fields=["topic", "member"], name="later_topic_topic_idx")]

    def __str__(self) -> str:
        return f"{self.member} · {self.topic} (потом)"


class LonelinessCheck(models.Model):
    """One wave (day 0, 30, 60, 90 after joining) of the opt-in three-item loneliness check.

    Offered by a job, answered or skipped with buttons; only 1–3 per item and their sum (3–9) are
    kept, pseudonymous like the rest; erasure deletes the rows. See accounts.loneliness.
    """

    WAVES = (0, 30, 60, 90)

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="loneliness_checks", verbose_name="участник"
    )
    wave = models.PositiveSmallIntegerField("день после анкеты")
    offered_at = models.DateTimeField("предложено", default=clock.now, db_index=True)
    answered_at = models.DateTimeField("ответы получены", null=True, blank=True)
    skipped_at = models.DateTimeField("пропущено", null=True, blank=True)
    companionship = models.PositiveSmallIntegerField("не хватает общения (1–3)", null=True, blank=True)
    left_out = models.PositiveSmallIntegerField("в стороне от других (1–3)", null=True, blank=True)
    isolated = models.PositiveSmallIntegerField("изоляция от людей (1–3)", null=True, blank=True)
    score = models.PositiveSmallIntegerField("сумма (3–9)", null=True, blank=True)

    class Meta:
        verbose_name = "опрос об одиночестве"
        verbose_name_plural = "опросы об одиночестве"
        constraints = [
            models.UniqueConstraint(fields=["member", "wave"], name="uniq_loneliness_wave_per_member"),
            models.CheckConstraint(condition=Q(wave__in=(0, 30, 60, 90)), name="loneliness_wave_known"),
            models.CheckConstraint(
                condition=(Q(companionship__isnull=True) | Q(companionship__gte=1, companionship__lte=3))
                & (Q(left_out__isnull=True) | Q(left_out__gte=1, left_out__lte=3))
                & (Q(isolated__isnull=True) | Q(isolated__gte=1, isolated__lte=3)),
                name="loneliness_items_1_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · день {self.wave}"
