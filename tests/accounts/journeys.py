"""A member onboarding by taps through the real webhook, as a person would."""

from tests import updates


class MemberJourney:
    def __init__(self, webhook, telegram, tg_id: int):
        self.webhook, self.telegram, self.tg_id = webhook, telegram, tg_id

    @property
    def last(self):
        return self.telegram.last_to(self.tg_id)

    def last_with_buttons(self):
        for call in reversed(self.telegram.messages_to(self.tg_id)):
            if call.buttons():
                return call
        raise AssertionError("no message with buttons")

    async def command(self, name: str, args: str = ""):
        await self.webhook.command(self.tg_id, name, args)
        return self.last

    async def say(self, text: str):
        await self.webhook.text(self.tg_id, text)
        return self.last

    async def tap(self, label_part: str, *, on=None):
        message = on or self.last_with_buttons()
        data = message.callback_data(label_part)
        await self.webhook.send(updates.callback(self.tg_id, data, message_id=1000))
        return self.telegram.last_to(self.tg_id)

    def last_edit(self):
        return self.telegram.calls_for(self.tg_id, "editMessageText")[-1]

    async def read_safety_cards(self):
        """Swipe through the safe-communication cards (Next edits the same message) and close them."""
        card = self.last_with_buttons()
        for _ in range(3):
            await self.tap("Дальше", on=card)
            card = self.last_edit()
        return await self.tap("Понятно", on=card)

    async def onboard(
        self,
        *,
        pseudonym="Тихий лис",
        topics=("Выгорание", "Тревога"),
        bio="Устал от работы",
        country="Россия",
        sensitivity="спокойно",
        expectations=("Выговориться",),
    ):
        await self.command("start")
        await self.tap("Принимаю")
        await self.tap("есть 18")
        await self.say(pseudonym)
        await self.tap("Москва")
        await self.tap(country)
        topics_message = self.last_with_buttons()
        for title in topics:
            await self.tap(title, on=topics_message)
        await self.tap("Готово", on=topics_message)
        expectations_message = self.last_with_buttons()
        for label in expectations:
            await self.tap(label, on=expectations_message)
        await self.tap("Готово", on=expectations_message)
        await self.tap(sensitivity)
        await self.tap("Вечер")
        await self.tap("Готово")
        if bio is None:
            await self.tap("Пропустить")
        else:
            await self.say(bio)
        if not any("Дальше" in label for label in self.last.button_texts()):
            return self.last  # the bio was refused: still at that step
        return await self.read_safety_cards()
