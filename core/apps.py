from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Бот: доставка обновлений"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.asgi import scope_connection_signals
        from core.roles import sync_role_permissions

        scope_connection_signals()
        # Staff roles span every product app; an app's permissions exist only after its own
        # post_migrate, so the roles are synced after each of them (idempotent).
        post_migrate.connect(sync_role_permissions, dispatch_uid="core_roles")
