from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Безопасность и модерация"

    def ready(self) -> None:
        from core import hooks
        from moderation.bot import on_awaited, safety_check
        from moderation.roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, sender=self, dispatch_uid="moderation_roles")
        # The safety filter runs before any other relay check.
        hooks.connect(hooks.before_relay, safety_check, first=True)
        hooks.awaiting_input["moderation"] = on_awaited
