"""The bot's public profile: the command menu and descriptions (texts from templates)."""

import importlib

from django.template import TemplateDoesNotExist
from telegram import Bot, BotCommand

from core.messaging import render


def bot_commands() -> list[BotCommand]:
    try:
        accounts_bot = importlib.import_module("accounts.bot")
    except ImportError:
        return []
    commands = getattr(accounts_bot, "bot_commands", None)
    return list(commands()) if commands else []


async def publish_bot_profile(bot: Bot) -> None:
    commands = bot_commands()
    if commands:
        await bot.set_my_commands(commands)
    for template, method in (
        ("accounts/bot_description", bot.set_my_description),
        ("accounts/bot_short_description", bot.set_my_short_description),
    ):
        try:
            text = render(template)
        except TemplateDoesNotExist:
            continue
        if method == bot.set_my_description:
            await method(description=text)
        else:
            await method(short_description=text)
