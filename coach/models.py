from django.db import models

from core import clock


class CoachSettings(models.Model):
    """The coach's switches (one row): global on/off and the share of members who get hints."""

    enabled = models.BooleanField("коуч включён", default=False)
    rollout_percent = models.PositiveSmallIntegerField(
        "доля участников, %", default=10, help_text="По хешу псевдонимной ссылки участника: 0–100."
    )
    use_llm = models.BooleanField(
        "LLM-провайдер", default=False, help_text="Если задан COACH_OPENAI_BASE_URL; иначе офлайн-правила."
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name="изменено")

    class Meta:
        verbose_name = "настройки коуча"
        verbose_name_plural = "настройки коуча"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="coach_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(rollout_percent__lte=100), name="coach_rollout_percent_max_100"
            ),
        ]

    def __str__(self) -> str:
        return "Настройки коуча"

    @classmethod
    def load(cls) -> "CoachSettings":
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings


class AiHint(models.Model):
    """One hint shown to one member: metadata only, never the conversation or its context."""

    class Situation(models.TextChoices):
        CRISIS = "crisis", "Кризисные слова"
        PAIN = "pain", "Собеседник делится болью"
        UNANSWERED = "unanswered", "Вопрос без ответа"
        ADVICE = "advice", "Совет слишком рано"
        SILENCE = "silence", "Долгое молчание"
        NO_QUESTIONS = "no_questions", "Нет открытых вопросов"

    class Provider(models.TextChoices):
        OFFLINE = "offline", "Офлайн-правила"
        OPENAI = "openai", "OpenAI-совместимый"

    class Status(models.TextChoices):
        SHOWN = "shown", "Показана"
        USED = "used", "Отправлена собеседнику"
        HIDDEN = "hidden", "Скрыта"
        DROPPED = "dropped", "Не доставлена (чат завершён)"

    session = models.ForeignKey(
        "chats.ChatSession", on_delete=models.CASCADE, related_name="ai_hints", verbose_name="диалог"
    )
    member_ref = models.CharField("участник (ссылка)", max_length=16, db_index=True)
    situation = models.CharField("ситуация", max_length=16, choices=Situation.choices)
    provider = models.CharField("провайдер", max_length=16, choices=Provider.choices)
    template_key = models.CharField("шаблон", max_length=40, blank=True)
    latency_ms = models.PositiveIntegerField("задержка, мс", default=0)
    status = models.CharField("итог", max_length=8, choices=Status.choices, default=Status.SHOWN)
    created_at = models.DateTimeField("создана", default=clock.now, db_index=True)
    decided_at = models.DateTimeField("решение", null=True, blank=True)

    class Meta:
        verbose_name = "подсказку коуча"
        verbose_name_plural = "подсказки коуча"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["provider", "situation"], name="aihint_provider_situation_idx")]

    def __str__(self) -> str:
        return f"{self.get_situation_display()} · {self.member_ref}"
