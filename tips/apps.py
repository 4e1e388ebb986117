from django.apps import AppConfig


class TipsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tips"
    verbose_name = "Чаевые"

    def ready(self) -> None:
        from core import hooks
        from tips.bot import offer_after_rating, on_input
        from tips.services import member_erased

        hooks.connect(hooks.member_erased, member_erased)
        hooks.connect(hooks.after_rating, offer_after_rating)
        hooks.awaiting_input["tips"] = on_input
