"""The anonymous relay (handler group 1), edits, /end and ratings."""

from __future__ import annotations

import structlog
from telegram import Message, ReplyParameters, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from accounts.models import Member
from accounts.notices import deliver
from accounts.services import member_touch
from chats import copies, hooks, keyboards, outcomes_bot, reconnect, selectors, services
from core import clock, metrics
from core import hooks as core_hooks
from core.bot import MEMBER_MESSAGE
from core.db import db_call
from core.messaging import call_telegram, edit_tapped, flood_wait, render, send, tapped_markup
from core.pseudonym import pseudonymous_ref
from core.ratelimit import allow
from core.redis import aconnection
from moderation.detector.personal import contact_details

log = structlog.get_logger(__name__)

MESSAGES_PER_MINUTE = 15
MAP_TTL_SECONDS = 4 * 24 * 3600  # longer than any session (72 h) plus margin
HELD_SECONDS = 24 * 3600  # how long a held message's answer is remembered
MEDIA_FIELDS = ("photo", "video", "sticker", "animation", "document", "audio", "poll")
# What identifies a person is never relayed (anonymity is a Must; audio is a Won't): the kind of
# message → the template that tells the sender why, kindly.
NOT_RELAYED = {
    "contact": "chats/not_relayed_contact",
    "location": "chats/not_relayed_contact",
    "venue": "chats/not_relayed_contact",
    "voice": "chats/not_relayed_voice",
    "video_note": "chats/not_relayed_voice",
}


_NOT_LOOKED_UP = object()


def _map_key(session_id: int, chat_id: int, message_id: int) -> str:
    return f"chats:map:{session_id}:{chat_id}:{message_id}"


async def _remember(
    session_id: int, pairs: list[tuple[int, int, int]], *, copy: tuple[int, int, int], event: hooks.Relayed
) -> None:
    """source (chat, message) ↔ copy ids, both ways, so edits and replies find their twin; the
    copy under its sender, so /delete can take it back; and what the after_relay hooks will read
    (into `event.cached`): one round trip for all."""
    keys = hooks.wanted_keys(event)
    try:
        pipe = aconnection().pipeline(transaction=False)
        for chat_id, message_id, copy_id in pairs:
            pipe.set(_map_key(session_id, chat_id, message_id), copy_id, ex=MAP_TTL_SECONDS)
        sender_id, partner_chat_id, copy_id = copy
        copies.remember(pipe, member_id=sender_id, partner_chat_id=partner_chat_id, copy_id=copy_id)
        if keys:
            pipe.mget(keys)
        replies = await pipe.execute()
    except Exception:  # noqa: BLE001 - Redis is disposable: an edit then just isn't mirrored
        log.warning("chats.id_map_unavailable")
        return
    if keys:
        event.cached.update(zip(keys, replies[-1], strict=True))


async def _lookup(session_id: int, chat_id: int, message_id: int) -> int | None:
    try:
        value = await aconnection().get(_map_key(session_id, chat_id, message_id))
    except Exception:  # noqa: BLE001
        return None
    return int(value) if value else None


async def talking(context: ContextTypes.DEFAULT_TYPE, tg_id: int) -> bool:
    """core.hooks.talking_check: accounts' check and the relay's session lookup in one statement;
    the target waits on the update's PTB context for `relay` (group 1)."""
    is_talking, target = await selectors.talking_relay_target(tg_id=tg_id, now=clock.now())
    if is_talking:
        context.relay_target = target
    return is_talking


async def _target(bot, *, tg_id: int, chat_id: int, found=_NOT_LOOKED_UP) -> services.RelayTarget | None:
    """The member's running session (`found` when this update looked it up already), or None
    after telling them why there is none."""
    target = await selectors.relay_target(tg_id=tg_id, now=clock.now()) if found is _NOT_LOOKED_UP else found
    if target is not None:
        return target
    # No running session on the fast path: the full path ends what is due and says what to tell.
    decision = await db_call(services.relay_prepare, tg_id=tg_id, is_media=False, count=False)
    await deliver(bot, decision.notices)
    if decision.target is None and not decision.notices:
        await send(bot, chat_id, "chats/no_session")
    return decision.target


async def relay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member's message to their partner. The hot path costs no statement of its own: who the
    partner is came with accounts' check (`talking`), the counters go with the update's completion
    mark; no thread hop. Anything unusual takes the full path."""
    message = update.effective_message
    chat_id = update.effective_chat.id
    tg_id = update.effective_user.id
    refused = next((why for kind, why in NOT_RELAYED.items() if getattr(message, kind, None)), None)
    if refused:
        await send(context.bot, chat_id, refused)
        return
    if not await allow(f"relay:{pseudonymous_ref(tg_id)}", limit=MESSAGES_PER_MINUTE, seconds=60):
        await send(context.bot, chat_id, "chats/too_fast")
        return
    found = getattr(context, "relay_target", _NOT_LOOKED_UP)
    target = await _target(context.bot, tg_id=tg_id, chat_id=chat_id, found=found)
    if target is None:
        return
    text = message.text or message.caption or ""
    outgoing = hooks.Outgoing(
        context.bot, chat_id, tg_id, message.message_id, text,
        member_id=target.member_id, session_id=target.session_id, muted_until=target.muted_until,
    )  # fmt: skip
    if not await hooks.allowed(outgoing):
        return
    kinds = contact_details(text)
    if kinds:
        await send(
            context.bot,
            chat_id,
            "chats/held",
            {"kinds": sorted(kinds)},
            reply_markup=keyboards.held(message.message_id),
        )
        return
    await _copy(context.bot, chat_id, target, message)


async def _copy(bot, chat_id: int, target: services.RelayTarget, message: Message) -> None:
    """A typed message (any kind) to the partner as a copy, replies kept."""
    reply = None
    if message.reply_to_message:
        twin = await _lookup(target.session_id, chat_id, message.reply_to_message.message_id)
        if twin:
            reply = ReplyParameters(message_id=twin, allow_sending_without_reply=True)
    kind = next((name for name in MEDIA_FIELDS if getattr(message, name, None)), "text")
    await _deliver(
        bot, chat_id, target, kind=kind, message_id=message.message_id, text=message.text or message.caption or "",
        call=lambda: bot.copy_message(
            chat_id=target.partner_tg_id, from_chat_id=chat_id, message_id=message.message_id,
            protect_content=target.protect_content, reply_parameters=reply,
        ),
        method="copyMessage",
    )  # fmt: skip


async def _deliver(
    bot,
    chat_id: int,
    target: services.RelayTarget,
    *,
    kind: str,
    message_id: int,
    text: str,
    call,
    method: str,
) -> bool:
    """The one way a member's words reach the partner: send, count, remember the ids, run the hooks."""
    if target.partner_tg_id is None:
        await _partner_gone(bot, chat_id, target)
        return False
    try:
        copy = await flood_wait(method, call)
    except Forbidden:
        await _partner_gone(bot, chat_id, target)
        return False
    metrics.messages_relayed_total.labels(kind).inc()
    await services.relay_count(target=target, is_media=kind != "text", now=clock.now())
    twins = [(chat_id, message_id, copy.message_id), (target.partner_tg_id, copy.message_id, message_id)]
    event = hooks.Relayed(
        bot, target.session_id, target.member_id, target.partner_member_id, chat_id, message_id, text
    )
    await _remember(
        target.session_id,
        twins if message_id else [],
        copy=(target.member_id, target.partner_tg_id, copy.message_id),
        event=event,
    )
    await hooks.relayed(event)
    return True


async def _partner_gone(bot, chat_id: int, target: services.RelayTarget) -> None:
    notices = await db_call(
        services.session_end_unreachable, session_id=target.session_id, sender_member_id=target.member_id
    )
    if notices:
        await deliver(bot, notices)
    else:
        await send(bot, chat_id, "chats/ended_unreachable", {"ask_rating": False})


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.edited_message
    chat_id = update.effective_chat.id
    decision = await db_call(_edit_target, update.effective_user.id)
    if decision is None:
        return
    session_id, partner_tg_id = decision
    twin = await _lookup(session_id, chat_id, message.message_id)
    if twin is None or partner_tg_id is None:
        return
    try:
        if message.text is not None:
            await call_telegram(
                partner_tg_id,
                "editMessageText",
                lambda: context.bot.edit_message_text(
                    chat_id=partner_tg_id, message_id=twin, text=message.text, entities=message.entities
                ),
            )
        elif message.caption is not None:
            await call_telegram(
                partner_tg_id,
                "editMessageCaption",
                lambda: context.bot.edit_message_caption(
                    chat_id=partner_tg_id,
                    message_id=twin,
                    caption=message.caption,
                    caption_entities=message.caption_entities,
                ),
            )
    except BadRequest:
        pass  # the copy is gone or unchanged: nothing a member would notice


def _edit_target(tg_id: int):
    member = Member.objects.filter(tg_id=tg_id).first()
    if member is None:
        return None
    session = services._active_session_for(member.pk, lock=False)
    if session is None:
        return None
    partner = session.partner_of(member)
    return session.pk, partner.tg_id if partner.is_reachable else None


def _session_of(tg_id: int) -> int | None:
    return services.active_session_id(member_id=member_touch(tg_id=tg_id).pk)


async def end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    session_id = await db_call(_session_of, update.effective_user.id)
    chat_id = update.effective_chat.id
    if session_id is None:
        await send(context.bot, chat_id, "chats/no_session_to_end")
        return
    await send(context.bot, chat_id, "chats/end_confirm", reply_markup=keyboards.end_confirm(session_id))


def _end_by_tg(tg_id: int, session_id: int):
    return services.session_end(member_id=member_touch(tg_id=tg_id).pk, session_id=session_id)


def _extend_by_tg(tg_id: int, session_id: int):
    return services.session_extend_vote(session_id=session_id, member_id=member_touch(tg_id=tg_id).pk)


def _rate_by_tg(tg_id: int, session_id: int, score: int) -> str:
    return services.rating_set(session_id=session_id, member_id=member_touch(tg_id=tg_id).pk, score=score)


def _chip_by_tg(tg_id: int, session_id: int, chip: str) -> str:
    return services.rating_chip_set(session_id=session_id, member_id=member_touch(tg_id=tg_id).pk, chip=chip)


def _again_by_tg(tg_id: int, action: str, object_id: int) -> reconnect.ReconnectOutcome:
    member_id = member_touch(tg_id=tg_id).pk
    if action == "again":
        return reconnect.reconnect_request(session_id=object_id, member_id=member_id)
    return reconnect.reconnect_decide(request_id=object_id, member_id=member_id, accept=action == "againyes")


async def _held_claim(chat_id: int, message_id: int) -> bool:
    """One answer per held message: «send anyway» and «don't send» exclude each other and a double tap."""
    try:
        return bool(
            await aconnection().set(f"chats:held:{chat_id}:{message_id}", 1, nx=True, ex=HELD_SECONDS)
        )
    except Exception:  # noqa: BLE001 - Redis is disposable: the removed keyboard still guards
        return True


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    chat_id = update.effective_chat.id
    tg_id = update.effective_user.id
    if action == "end" and parts[2].isdigit():
        notices = await db_call(_end_by_tg, tg_id, int(parts[2]))
        await query.answer(None if notices else render("chats/stale"))
        await tapped_markup(context.bot, query)
        await deliver(context.bot, notices)
    elif action == "extend" and parts[2].isdigit():
        notices = await db_call(_extend_by_tg, tg_id, int(parts[2]))
        await query.answer(None if notices else render("chats/stale"))
        await deliver(context.bot, notices)
    elif action == "keep":
        # «Нет, продолжим» on the conversation it was asked about; old buttons carry 0.
        session_id = await db_call(_session_of, tg_id)
        if session_id is None or parts[2] not in ("0", str(session_id)):
            await query.answer(render("chats/stale"))
            await tapped_markup(context.bot, query)
            return
        await query.answer()
        await edit_tapped(context.bot, chat_id, query, "chats/kept")
    elif action == "rate" and len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
        result = await db_call(_rate_by_tg, tg_id, int(parts[2]), int(parts[3]))
        await query.answer(render(f"chats/rated_{result}"))
        await tapped_markup(context.bot, query)  # «again» is on the next message (or was used)
        if result == "ok":
            await send(
                context.bot, chat_id, "chats/rated_thanks", reply_markup=keyboards.chips(int(parts[2]))
            )
            for hook in core_hooks.after_rating:
                await hook(context.bot, chat_id, tg_id, int(parts[2]), int(parts[3]))
    elif action == "chip" and len(parts) == 4 and parts[2].isdigit():
        result = await db_call(_chip_by_tg, tg_id, int(parts[2]), parts[3])
        await query.answer(render(f"chats/chip_{result}"))
        if result == "ok":
            await tapped_markup(context.bot, query, keyboards.again_only(int(parts[2])))
    elif action in ("again", "againyes", "againno") and parts[2].isdigit():
        outcome = await db_call(_again_by_tg, tg_id, action, int(parts[2]))
        await query.answer()
        await deliver(context.bot, outcome.notices)
        if outcome.reason not in ("started", "declined"):
            await send(context.bot, chat_id, f"chats/again_{outcome.reason}")
    elif action in ("send", "drop") and parts[2].isdigit():
        if not await _held_claim(chat_id, int(parts[2])):
            await query.answer(render("chats/stale"))
            await tapped_markup(context.bot, query)
            return
        await query.answer()
        if action == "drop":
            await edit_tapped(context.bot, chat_id, query, "chats/held_dropped")
            return
        await tapped_markup(context.bot, query)
        await _copy_held(update, context, int(parts[2]))
    else:
        await query.answer(render("chats/stale"))


async def _copy_held(update: Update, context, message_id: int) -> None:
    """ "Send anyway": copy the held message by its id (its text was never stored)."""
    chat_id, bot = update.effective_chat.id, context.bot
    target = await _target(bot, tg_id=update.effective_user.id, chat_id=chat_id)
    if target is None:
        return
    delivered = await _deliver(
        bot, chat_id, target, kind="text", message_id=message_id, text="",
        call=lambda: bot.copy_message(
            chat_id=target.partner_tg_id, from_chat_id=chat_id, message_id=message_id,
            protect_content=target.protect_content,
        ),
        method="copyMessage",
    )  # fmt: skip
    if delivered:
        await send(bot, chat_id, "chats/held_sent")


def register(application: Application) -> None:
    outcomes_bot.register(application)  # «как вы сейчас?» before the chats: catch-all below
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("end", end, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^chats:"))
    application.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, edited),
        group=1,
    )
    application.add_handler(
        MessageHandler(MEMBER_MESSAGE, relay),
        group=1,
    )
