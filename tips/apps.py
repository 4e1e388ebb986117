from django.apps import AppConfig


class TipsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tips"
    verbose_name = "Чаевые"

    def ready(self) -> None:
        from accounts.services import erasure_hooks
        from tips.services import member_erased

        if member_erased not in erasure_hooks:
            erasure_hooks.append(member_erased)
