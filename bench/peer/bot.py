"""The peer of bench/race.py: a small aiogram 3 + asyncpg bot doing what our hot paths do.

    bench/.peer-venv/bin/python -m uvicorn bot:app --app-dir bench/peer --port 8090

Per update: the secret header checked with hmac.compare_digest, the update parsed by aiogram,
the update_id claimed with an INSERT (a duplicate is answered 200 and dropped), the member upserted,
then aiogram's Dispatcher: /help answers with one sendMessage; text from a member with a partner
is copied to the partner (copyMessage) after a lookup of the pair. Environment: PEER_DB (JSON
keyword arguments of asyncpg.connect), PEER_API_BASE (the Bot API), PEER_TOKEN, PEER_SECRET.
"""

from __future__ import annotations

import hmac
import json
import os

import asyncpg
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import Message, Update

SECRET = os.environ.get("PEER_SECRET", "bench-secret").encode()
HELP = (
    "Я помогаю найти собеседника с похожим опытом и поговорить анонимно.\n"
    "/find — найти собеседника, /end — закончить разговор, /sos — если вам плохо прямо сейчас."
)
SCHEMA = """
CREATE TABLE IF NOT EXISTS peer_update (update_id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS peer_member (
    tg_id bigint PRIMARY KEY, first_name text NOT NULL, language text NOT NULL DEFAULT '',
    joined_at timestamptz NOT NULL DEFAULT now(), seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS peer_pair (tg_id bigint PRIMARY KEY, partner bigint NOT NULL);
"""

router = Router()
db: asyncpg.Pool | None = None
bot: Bot | None = None
dispatcher = Dispatcher()
dispatcher.include_router(router)


async def member_upsert(message: Message) -> None:
    user = message.from_user
    await db.execute(
        "INSERT INTO peer_member (tg_id, first_name, language) VALUES ($1, $2, $3) "
        "ON CONFLICT (tg_id) DO UPDATE SET seen_at = now()",
        user.id,
        user.first_name,
        user.language_code or "",
    )


@router.message(Command("help"))
async def help_command(message: Message) -> None:
    await member_upsert(message)
    await message.answer(HELP)


@router.message(F.text)
async def relay(message: Message) -> None:
    await member_upsert(message)
    partner = await db.fetchval("SELECT partner FROM peer_pair WHERE tg_id = $1", message.from_user.id)
    if partner is None:
        await message.answer("Сейчас у вас нет собеседника: /find")
        return
    await message.copy_to(partner)


async def _startup() -> None:
    global db, bot
    db = await asyncpg.create_pool(**json.loads(os.environ["PEER_DB"]), min_size=2, max_size=8)
    await db.execute(SCHEMA)
    api = TelegramAPIServer.from_base(os.environ["PEER_API_BASE"])
    bot = Bot(os.environ.get("PEER_TOKEN", "123456:BENCH"), session=AiohttpSession(api=api))


async def _shutdown() -> None:
    await bot.session.close()
    await db.close()


async def _respond(send, status: int, body: bytes = b'{"ok":true}') -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def webhook(scope, receive, send) -> None:
    headers = dict(scope["headers"])
    if not hmac.compare_digest(headers.get(b"x-telegram-bot-api-secret-token", b""), SECRET):
        await _respond(send, 403, b'{"ok":false}')
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    try:
        update = Update.model_validate_json(body, context={"bot": bot})
    except ValueError:
        await _respond(send, 400, b'{"ok":false}')
        return
    claimed = await db.fetchval(
        "INSERT INTO peer_update (update_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING update_id",
        update.update_id,
    )
    if claimed is not None:
        await dispatcher.feed_update(bot, update)
    await _respond(send, 200)


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await _startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await _shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/health":
        await _respond(send, 200)
    elif scope["path"] == "/telegram/webhook" and scope["method"] == "POST":
        await webhook(scope, receive, send)
    else:
        await _respond(send, 404, b'{"ok":false}')
