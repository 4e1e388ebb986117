from django.apps import AppConfig


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Безопасность и модерация"

    def ready(self) -> None:
        from core import hooks
        from moderation import crisis, detector
        from moderation.bot import on_awaited, partner_guidance, safety_check

        # The safety filter runs before any other relay check.
        hooks.connect(hooks.before_relay, safety_check, first=True)
        hooks.connect(hooks.after_relay, partner_guidance, first=True)
        hooks.connect(hooks.session_ended, crisis.session_ended)
        hooks.awaiting_input["moderation"] = on_awaited
        hooks.connect(hooks.process_start, detector.warm)
