from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Подбор собеседников"

    def ready(self) -> None:
        from core import hooks
        from matching.services import member_erased

        hooks.connect(hooks.member_erased, member_erased)
