"""Tips in Telegram Stars: the offer, invoices, pre-checkout, payments, refunds, /paysupport."""

from __future__ import annotations

import html

from telegram import LabeledPrice, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from core.db import db_call
from core.messaging import call_telegram, render, send
from core.pseudonym import pseudonymous_ref
from core.ratelimit import allow
from tips import keyboards, metrics, services, support, tasks
from tips.models import Tip

INVOICES_PER_MINUTE = 6
# After a rating this low the member is not asked for stars: it would read as tone-deaf.
OFFER_MIN_SCORE = 3


def _plain(template: str, context: dict | None = None) -> str:
    """A template for texts Telegram shows unformatted (invoices, pre-checkout errors, alerts)."""
    return html.unescape(render(template, context))


def _offer_context(offer: services.Offer) -> dict:
    return {
        "ok": offer.eligibility.ok,
        "reason": offer.eligibility.reason,
        "limits": offer.limits,
        "history": offer.history,
    }


async def tips_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/tips: thank the partner (during a chat or up to 24 h after) and see tips sent and received."""
    offer = await db_call(services.tip_offer, tg_id=update.effective_user.id)
    markup = None
    if offer.eligibility.ok:
        markup = keyboards.offer(offer.eligibility.session_id, offer.limits.presets)
    await send(
        context.bot, update.effective_chat.id, "tips/offer", _offer_context(offer), reply_markup=markup
    )


async def offer_after_rating(bot, chat_id: int, tg_id: int, session_id: int, score: int) -> None:
    """core.hooks.after_rating: a kind rating is followed by the chance to say thanks in stars."""
    if score < OFFER_MIN_SCORE:
        return
    offer = await db_call(services.tip_offer, tg_id=tg_id, session_id=session_id, with_history=False)
    if not offer.eligibility.ok:
        return
    await send(
        bot,
        chat_id,
        "tips/offer_after_rating",
        {"limits": offer.limits},
        reply_markup=keyboards.offer(session_id, offer.limits.presets),
    )


async def _invoice(bot, chat_id: int, tg_id: int, session_id: int, amount: int) -> None:
    if not await allow(f"tips:invoice:{pseudonymous_ref(tg_id)}", limit=INVOICES_PER_MINUTE, seconds=60):
        await send(bot, chat_id, "tips/too_fast")
        return
    try:
        invoice = await db_call(
            services.tip_invoice_create, tg_id=tg_id, session_id=session_id, amount=amount
        )
    except services.Refusal as refusal:
        limits = await db_call(services.limits_current)
        await send(bot, chat_id, f"tips/refused/{refusal.reason}", {"limits": limits})
        return
    values = {"amount": invoice.amount, "percent": invoice.commission_percent}
    await call_telegram(
        chat_id,
        "sendInvoice",
        lambda: bot.send_invoice(
            chat_id=chat_id,
            title=_plain("tips/invoice_title", values),
            description=_plain("tips/invoice_description", values),
            payload=invoice.payload,
            currency="XTR",
            prices=[LabeledPrice(_plain("tips/invoice_label", values), invoice.amount)],
        ),
    )
    metrics.tips_total.labels("invoiced").inc()


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    parts = query.data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    chat_id, tg_id = update.effective_chat.id, update.effective_user.id
    if action == "give" and len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
        await query.answer()
        if not await allow(f"tips:tap:{pseudonymous_ref(tg_id)}:{query.data}", limit=1, seconds=3):
            return  # a double tap: the invoice is already on its way
        await _invoice(context.bot, chat_id, tg_id, int(parts[2]), int(parts[3]))
    elif action == "custom" and len(parts) == 3 and parts[2].isdigit():
        offer = await db_call(services.tip_custom_start, tg_id=tg_id, session_id=int(parts[2]))
        if not offer.eligibility.ok:
            await query.answer(_plain(f"tips/refused/{offer.eligibility.reason}"), show_alert=True)
            return
        await query.answer()
        await send(
            context.bot, chat_id, "tips/ask_amount", {"limits": offer.limits}, reply_markup=keyboards.cancel()
        )
    elif action == "cancel":
        cancelled = await db_call(support.tips_awaiting_cancel, tg_id=tg_id)
        await query.answer()
        if cancelled:
            await send(context.bot, chat_id, "tips/cancelled")
    else:
        await query.answer(_plain("tips/stale"))


async def on_input(update: Update, context: ContextTypes.DEFAULT_TYPE, member) -> None:
    """The member's free text while tips waits for it: a custom amount or a /paysupport request."""
    bot, chat_id = context.bot, update.effective_chat.id
    text = update.effective_message.text
    if member.awaiting == "tips:support":
        if not text:
            await send(bot, chat_id, "tips/support_need_text", reply_markup=keyboards.cancel())
            return
        ticket = await db_call(support.ticket_open, tg_id=update.effective_user.id, text=text)
        await send(bot, chat_id, "tips/support_opened", {"ticket_id": ticket.pk})
        return
    amount = services.parse_amount(text)
    limits = await db_call(services.limits_current)
    if amount is None or not limits.min_amount <= amount <= limits.max_amount:
        await send(bot, chat_id, "tips/amount_invalid", {"limits": limits}, reply_markup=keyboards.cancel())
        return
    session_id = int(member.awaiting_context.get("session_id") or 0)
    await _invoice(bot, chat_id, update.effective_user.id, session_id, amount)


async def paysupport(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/paysupport (Telegram requires it for Stars): a ticket for moderators, with recent payments."""
    chat_id, tg_id = update.effective_chat.id, update.effective_user.id
    text = " ".join(context.args or []).strip()
    if text:
        ticket = await db_call(support.ticket_open, tg_id=tg_id, text=text)
        await send(context.bot, chat_id, "tips/support_opened", {"ticket_id": ticket.pk})
        return
    payments = await db_call(support.support_start, tg_id=tg_id)
    await send(
        context.bot, chat_id, "tips/support_ask", {"payments": payments}, reply_markup=keyboards.cancel()
    )


async def precheckout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram waits at most 10 s for this answer: it is given inside the webhook request."""
    query = update.pre_checkout_query
    reason = await db_call(
        services.tip_precheckout,
        tg_id=query.from_user.id,
        payload=query.invoice_payload,
        amount=query.total_amount,
        currency=query.currency,
    )
    if not reason:
        await query.answer(ok=True)
        return
    metrics.tips_total.labels("refused").inc()
    await query.answer(ok=False, error_message=_plain(f"tips/precheckout/{reason}"))


async def successful_payment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payment = update.effective_message.successful_payment
    chat_id = update.effective_chat.id
    credit = await db_call(
        services.tip_credit,
        tg_id=update.effective_user.id,
        payload=payment.invoice_payload,
        amount=payment.total_amount,
        charge_id=payment.telegram_payment_charge_id,
    )
    if credit.unknown:
        await send(context.bot, chat_id, "tips/paid_unknown")
        return
    if not credit.new:
        metrics.tips_total.labels("duplicate").inc()
        return
    metrics.tips_total.labels("paid").inc()
    metrics.stars_total.inc(credit.amount)
    # The same truthful receipt for both: what was paid, the service's commission, what arrives.
    receipt = {"amount": credit.amount, "commission": credit.amount - credit.net, "net": credit.net}
    await send(context.bot, chat_id, "tips/paid_thanks", receipt)
    if credit.recipient_tg_id:
        await send(context.bot, credit.recipient_tg_id, "tips/received", receipt)


async def refunded_payment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram says a payment was refunded (e.g. by its support): record it and tell both."""
    refunded = update.effective_message.refunded_payment
    refund = await db_call(
        services.tip_refund_record,
        charge_id=refunded.telegram_payment_charge_id,
        source=Tip.RefundSource.TELEGRAM,
    )
    if refund.new:
        metrics.tips_total.labels("refunded").inc()
        await tasks.notify_refund(context.bot, refund)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("tips", tips_command, filters=private))
    application.add_handler(CommandHandler("paysupport", paysupport, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^tips:"))
    application.add_handler(PreCheckoutQueryHandler(precheckout))
    application.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, successful_payment))
    application.add_handler(MessageHandler(filters.StatusUpdate.REFUNDED_PAYMENT, refunded_payment))
