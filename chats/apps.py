from django.apps import AppConfig


class ChatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chats"
    verbose_name = "Разговоры"

    def ready(self) -> None:
        from accounts.services import erasure_hooks
        from chats.services import member_erased

        if member_erased not in erasure_hooks:
            erasure_hooks.append(member_erased)
