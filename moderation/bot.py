"""Safety in the bot: /sos, /block, /report, the chat filters (via chats.hooks), the crisis step, appeals."""

import contextvars

import structlog
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from accounts.notices import deliver
from accounts.services import member_touch
from chats import hooks as chats_hooks
from core import clock, ratelimit
from core.db import db_call
from core.messaging import button, edit_tapped, render, send, tapped_markup
from core.pseudonym import pseudonymous_ref
from core.redis import aconnection
from moderation import crisis, detector, keyboards, metrics, sanctions, selectors, services
from moderation.models import CrisisStep, Report

log = structlog.get_logger(__name__)


def _sos(*, tg_id: int) -> list:
    # Marks the member seen (and reachable again) in the same hop; nothing gates the card.
    member = member_touch(tg_id=tg_id)
    return selectors.hotlines(member=member)


async def sos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The crisis card: works before onboarding, while muted or banned, mid-chat — always."""
    lines = await db_call(_sos, tg_id=update.effective_user.id)
    await send(context.bot, update.effective_chat.id, "moderation/sos", {"hotlines": lines})


async def block(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _block(context.bot, update.effective_chat.id, update.effective_user.id)


async def _block(bot, chat_id: int, tg_id: int, session_id: int | None = None) -> None:
    outcome = await db_call(services.block_partner, tg_id=tg_id, session_id=session_id)
    if not outcome.ok:
        await send(bot, chat_id, "moderation/no_partner")
        return
    await deliver(bot, outcome.notices)
    await send(bot, chat_id, "moderation/blocked", {"ended": outcome.ended})


def _block_confirm(session_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button("moderation.block_yes"), callback_data=f"moderation:block:{session_id}"
                ),
                InlineKeyboardButton(button("moderation.block_no"), callback_data="moderation:blockno:0"),
            ]
        ]
    )


async def intro_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, session_id: int
) -> None:
    """«Пожаловаться» / «Заблокировать» on a conversation's intro (chats.keyboards.intro)."""
    query = update.callback_query
    chat_id, tg_id = update.effective_chat.id, update.effective_user.id
    await query.answer()
    if action == "block":
        await tapped_markup(context.bot, query)  # «Да, заблокировать» is answered once
    if action == "reportask":
        outcome = await db_call(services.report_session, tg_id=tg_id, session_id=session_id)
        if not outcome.ok:
            await send(context.bot, chat_id, "moderation/no_partner")
            return
        await send(
            context.bot,
            chat_id,
            "moderation/report_reason",
            {"with_evidence": False},
            reply_markup=_reasons(outcome.session_id),
        )
    elif action == "blockask":
        await send(context.bot, chat_id, "moderation/block_confirm", reply_markup=_block_confirm(session_id))
    else:
        await _block(context.bot, chat_id, tg_id, session_id)


def _reasons(session_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button(f"moderation.reason.{value}"),
                    callback_data=f"moderation:report:{session_id}:{value}",
                )
            ]
            for value in Report.Reason.values
        ]
    )


EVIDENCE_WAIT = 15 * 60  # seconds an attached message waits for the reason to be chosen


def _evidence_key(tg_id: int) -> str:
    return f"moderation:evidence:{pseudonymous_ref(tg_id)}"


def _evidence_of(message) -> tuple[str, str] | None:
    """The relayed message a /report replies to: its text or caption and its kind."""
    replied = message.reply_to_message if message else None
    if replied is None or not replied.from_user or not replied.from_user.is_bot:
        return None
    kind = next(
        (
            k
            for k in ("photo", "video", "voice", "video_note", "sticker", "animation", "document", "audio")
            if getattr(replied, k, None)
        ),
        "text",
    )
    return (replied.text or replied.caption or "")[:4000], kind


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    outcome = await db_call(services.report_session, tg_id=update.effective_user.id)
    chat_id = update.effective_chat.id
    if not outcome.ok:
        await send(context.bot, chat_id, "moderation/no_partner")
        return
    evidence = _evidence_of(update.effective_message)
    if evidence is not None:
        try:  # kept only until the reason is chosen; Redis is disposable (then no evidence)
            await aconnection().set(
                _evidence_key(update.effective_user.id), "\x1f".join(evidence), ex=EVIDENCE_WAIT
            )
        except Exception as exc:  # noqa: BLE001
            log.warning("moderation.evidence_unavailable", error=type(exc).__name__)
            evidence = None
    await send(
        context.bot,
        chat_id,
        "moderation/report_reason",
        {"with_evidence": evidence is not None},
        reply_markup=_reasons(outcome.session_id),
    )


async def _take_evidence(tg_id: int) -> tuple[str, str] | None:
    try:
        value = await aconnection().getdel(_evidence_key(tg_id))
    except Exception:  # noqa: BLE001
        return None
    if not value:
        return None
    text, _, kind = value.decode().partition("\x1f")
    return text, kind


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    if (
        len(parts) == 4
        and parts[1] == "crisis"
        and parts[2].isdigit()
        and parts[3] in CrisisStep.Choice.values
    ):
        await crisis_button(update, context, int(parts[2]), parts[3])
        return
    if len(parts) == 3 and parts[1] == "appeal" and parts[2].isdigit():
        await appeal_button(update, context, int(parts[2]))
        return
    if len(parts) == 4 and parts[1] == "comment":
        await comment_button(update, context, parts[2], parts[3])
        return
    if len(parts) == 3 and parts[1] in ("reportask", "blockask", "block") and parts[2].isdigit():
        await intro_button(update, context, parts[1], int(parts[2]))
        return
    if len(parts) == 3 and parts[1] == "blockno":
        await query.answer()
        await edit_tapped(context.bot, update.effective_chat.id, query, "moderation/block_cancelled")
        return
    if len(parts) != 4 or parts[1] != "report" or not parts[2].isdigit():
        await query.answer(render("moderation/stale"))
        return
    await tapped_markup(context.bot, query)  # one reason per report; a second tap gets a toast
    evidence = await _take_evidence(update.effective_user.id)
    outcome = await db_call(
        services.report_create,
        tg_id=update.effective_user.id,
        session_id=int(parts[2]),
        reason=parts[3],
        evidence=evidence,
    )
    if not outcome.ok:
        await query.answer(
            render(f"moderation/report_{outcome.reason}" if outcome.reason != "stale" else "moderation/stale")
        )
        return
    await query.answer()
    chat_id = update.effective_chat.id
    await deliver(context.bot, outcome.notices)
    await send(
        context.bot,
        chat_id,
        "moderation/report_saved",
        {"with_evidence": evidence is not None, "ended": outcome.ended},
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        button("moderation.comment_add"),
                        callback_data=f"moderation:comment:{outcome.report_id}:add",
                    ),
                    InlineKeyboardButton(
                        button("moderation.comment_skip"),
                        callback_data=f"moderation:comment:{outcome.report_id}:skip",
                    ),
                ]
            ]
        ),
    )
    if parts[3] == Report.Reason.DANGER:
        lines = await db_call(selectors.hotlines, tg_id=update.effective_user.id)
        await send(context.bot, chat_id, "moderation/sos", {"hotlines": lines})


# -- chat filters (chats.hooks.before_relay) -------------------------------------------------------


def _appeal_markup(sanction_id: int) -> InlineKeyboardMarkup | None:
    if not sanction_id:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button("moderation.appeal"), callback_data=f"moderation:appeal:{sanction_id}"
                )
            ]
        ]
    )


async def _send_mute(bot, chat_id: int, notice: sanctions.MuteNotice | None, template: str) -> None:
    if notice is None:
        return
    await send(
        bot,
        chat_id,
        template,
        {"until": notice.until, "tz": notice.timezone or "Europe/Moscow", "reason": notice.reason},
        reply_markup=_appeal_markup(notice.sanction_id),
    )


async def _strike(member_id: int) -> int:
    """Count a blocked message in a 10-minute window (the one rate limiter's counter)."""
    return await ratelimit.hit(
        f"moderation:strikes:{member_id}", seconds=int(sanctions.TOXIC_WINDOW.total_seconds())
    )


async def safety_check(outgoing: chats_hooks.Outgoing) -> bool:
    """Before a chat message is relayed: mutes hold, toxic messages stay, crisis gets help."""
    bot, chat_id = outgoing.bot, outgoing.chat_id
    if outgoing.muted_until is not None and outgoing.muted_until > clock.now():
        notice = await db_call(sanctions.mute_notice, member_id=outgoing.member_id)
        await _send_mute(bot, chat_id, notice, "moderation/muted")
        return False
    verdict = detector.assess(outgoing.text)
    if verdict.is_toxic:
        metrics.filter_blocked_total.inc()
        strikes = await _strike(outgoing.member_id or outgoing.tg_id)
        if outgoing.member_id is not None and strikes >= sanctions.TOXIC_LIMIT:
            notice = await db_call(
                sanctions.toxic_mute,
                member_id=outgoing.member_id,
                session_id=outgoing.session_id,
                categories=sorted(verdict.toxic),
            )
            await _send_mute(bot, chat_id, notice, "moderation/muted_auto")
        else:
            await send(
                bot, chat_id, "moderation/toxic_held", {"left": max(sanctions.TOXIC_LIMIT - strikes, 1)}
            )
        return False
    if verdict.crisis.any and outgoing.member_id is not None:
        await crisis_step(bot, outgoing, verdict.crisis)
    return True


# -- the crisis step -------------------------------------------------------------------------------

# Set while one update is relayed: the session whose partner gets the guidance card after it.
_partner_card_for: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "partner_card_for", default=None
)


async def crisis_step(bot, outgoing: chats_hooks.Outgoing, verdict: detector.CrisisVerdict) -> None:
    """Crisis language from the sender: a step with buttons instead of a list (the message is relayed)."""
    metrics.crisis_messages_total.inc()
    log.info("moderation.crisis_language", member_ref=pseudonymous_ref(outgoing.tg_id), tier=verdict.tier)
    step = await db_call(
        crisis.crisis_step_open,
        member_id=outgoing.member_id,
        session_id=outgoing.session_id,
        tier=verdict.tier,
        rule=verdict.kind,
    )
    if step is None:  # a step of this tier is already waiting for an answer in this chat
        return
    await send(
        bot,
        outgoing.chat_id,
        f"moderation/crisis_{verdict.tier}",
        reply_markup=keyboards.crisis_step(step.pk, tier=verdict.tier),
    )
    if verdict.likely and outgoing.session_id is not None:
        _partner_card_for.set(outgoing.session_id)


async def partner_guidance(event: chats_hooks.Relayed) -> None:
    """core.hooks.after_relay: the partner of someone in crisis gets a short card, once per chat."""
    if _partner_card_for.get() != event.session_id:
        return
    _partner_card_for.set(None)
    partner_tg_id = await db_call(crisis.crisis_partner_card_claim, session_id=event.session_id)
    if partner_tg_id is not None:
        await send(event.bot, partner_tg_id, "moderation/crisis_partner_card")


async def crisis_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, step_id: int, choice: str
) -> None:
    query = update.callback_query
    result = await db_call(
        crisis.crisis_step_choose, tg_id=update.effective_user.id, step_id=step_id, choice=choice
    )
    if result != "ok":
        await query.answer(render("moderation/crisis_already" if result == "already" else "moderation/stale"))
        return
    await query.answer()
    chat_id = update.effective_chat.id
    await tapped_markup(context.bot, query)
    context_ = {}
    if choice == CrisisStep.Choice.HELP:
        context_["hotlines"] = await db_call(selectors.hotlines, tg_id=update.effective_user.id)
    await send(context.bot, chat_id, f"moderation/crisis_chose_{choice}", context_)


# -- appeals ----------------------------------------------------------------------------------------


async def appeal_button(update: Update, context: ContextTypes.DEFAULT_TYPE, sanction_id: int) -> None:
    query = update.callback_query
    outcome = await db_call(sanctions.appeal_start, tg_id=update.effective_user.id, sanction_id=sanction_id)
    if outcome.reason != "ask":
        await query.answer(render(f"moderation/appeal_{outcome.reason}"))
        return
    await query.answer()
    await send(context.bot, update.effective_chat.id, "moderation/appeal_ask")


async def comment_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, report_id: str, choice: str
) -> None:
    """«Добавить комментарий» asks for it; «Без комментария» says in the chat that the report is filed."""
    query = update.callback_query
    if choice not in ("add", "skip") or not report_id.isdigit():
        await query.answer(render("moderation/stale"))
        return
    if choice == "skip":
        ok = await db_call(
            selectors.report_awaits_comment, tg_id=update.effective_user.id, report_id=int(report_id)
        )
    else:
        ok = await db_call(
            services.report_comment_start, tg_id=update.effective_user.id, report_id=int(report_id)
        )
    await query.answer(None if ok else render("moderation/stale"))
    await tapped_markup(context.bot, query)
    if ok:
        template = "moderation/comment_skipped" if choice == "skip" else "moderation/comment_ask"
        await send(context.bot, update.effective_chat.id, template)


async def on_awaited(update: Update, context: ContextTypes.DEFAULT_TYPE, member) -> None:
    """The member's next message after «Обжаловать» or «Добавить комментарий» (core.hooks.awaiting_input)."""
    chat_id = update.effective_chat.id
    text = update.effective_message.text
    if member.awaiting == "moderation:comment":
        if not text:
            await send(context.bot, chat_id, "moderation/appeal_need_text")
            return
        await db_call(
            services.report_comment_save,
            member_id=member.pk,
            report_id=int(member.awaiting_context.get("report_id", 0)),
            text=text,
        )
        await send(context.bot, chat_id, "moderation/comment_saved")
        return
    if not text:
        await send(context.bot, chat_id, "moderation/appeal_need_text")
        return
    outcome = await db_call(
        sanctions.appeal_create,
        member_id=member.pk,
        sanction_id=int(member.awaiting_context.get("sanction_id", 0)),
        text=text,
    )
    await send(context.bot, chat_id, f"moderation/appeal_{outcome.reason}")


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("sos", sos, filters=private))
    application.add_handler(CommandHandler("block", block, filters=private))
    application.add_handler(CommandHandler("report", report, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^moderation:"))
