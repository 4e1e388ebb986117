from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Бот: доставка обновлений"

    def ready(self) -> None:
        from core.asgi import scope_connection_signals

        scope_connection_signals()
