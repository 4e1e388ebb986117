"""Tapping a button on a message the bot sent, and what the member then sees of that keyboard."""

from tests import updates


def toasts(telegram) -> list[str]:
    """The texts of answerCallbackQuery (the toasts a member saw), in order."""
    return [c.params.get("text", "") for c in telegram.calls_for(None, "answerCallbackQuery")]


def keyboard_gone(telegram, tg_id: int, message_id: int) -> bool:
    """The message's keyboard was removed (or its text replaced without one)."""
    return any(
        int(c.params.get("message_id", 0)) == message_id and not c.buttons()
        for c in telegram.calls_for(tg_id)
        if c.method in ("editMessageReplyMarkup", "editMessageText")
    )


async def tap(webhook, tg_id: int, message, label: str):
    """Tap the button labelled `label` on that very message (its real message id)."""
    data = message.callback_data(label)
    await webhook.send(updates.callback(tg_id, data, message_id=message.result["message_id"]))
