from django.apps import AppConfig


class ChatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chats"
    verbose_name = "Разговоры"

    def ready(self) -> None:
        from chats import copies
        from chats.bot import talking
        from chats.services import member_erased
        from core import hooks

        hooks.connect(hooks.member_erased, member_erased)
        hooks.connect(hooks.member_erased, copies.member_erased)
        hooks.connect(hooks.talking_check, talking)
