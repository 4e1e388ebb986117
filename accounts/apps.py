from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Участники"

    def ready(self) -> None:
        from accounts.bot import mark_unreachable
        from core import hooks

        hooks.connect(hooks.member_unreachable, mark_unreachable)
