from django.apps import AppConfig


class MatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matching"
    verbose_name = "Подбор собеседников"

    def ready(self) -> None:
        from accounts.services import erasure_hooks
        from matching.services import member_erased

        if member_erased not in erasure_hooks:
            erasure_hooks.append(member_erased)
