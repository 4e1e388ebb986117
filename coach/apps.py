from django.apps import AppConfig


class CoachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coach"
    verbose_name = "Коуч"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coach.bot import on_relayed, on_session_end
        from core import hooks
        from moderation.roles import sync_role_permissions

        hooks.connect(hooks.after_relay, on_relayed)
        hooks.connect(hooks.session_ended, on_session_end)
        # The coach's permissions exist only after its own post_migrate: sync the roles again then,
        # or staff groups miss them on a fresh database (moderation syncs before coach is created).
        post_migrate.connect(sync_role_permissions, sender=self, dispatch_uid="coach_roles")
