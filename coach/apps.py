from django.apps import AppConfig


class CoachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coach"
    verbose_name = "Коуч"

    def ready(self) -> None:
        from coach.bot import on_relayed, on_session_end, relayed_keys
        from core import hooks

        hooks.connect(hooks.after_relay, on_relayed)
        hooks.connect(hooks.after_relay_keys, relayed_keys)
        hooks.connect(hooks.session_ended, on_session_end)
