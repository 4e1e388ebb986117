"""RQ jobs of the tips app: refunds, support answers, reconciliation. They fetch by id."""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings

import django_rq
import structlog
from telegram.error import BadRequest, RetryAfter
from telegram.warnings import PTBUserWarning

from config.telegram import build_bot
from core import clock
from core.messaging import send
from tips import metrics, reconcile, services, support
from tips.models import SupportTicket, Tip

log = structlog.get_logger(__name__)

ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"
RECONCILE_DAYS = 30
RECONCILE_GRACE = dt.timedelta(minutes=10)
TRANSACTIONS_PAGE = 100
MAX_PAGES = 200


def _retry_in(exc: RetryAfter) -> dt.timedelta:
    wait = exc.retry_after
    return wait if isinstance(wait, dt.timedelta) else dt.timedelta(seconds=int(wait) + 1)


async def notify_refund(bot, refund: services.Refund) -> None:
    """Tell both members that a tip went back to the one who paid it."""
    if refund.payer_tg_id:
        await send(bot, refund.payer_tg_id, "tips/refunded_payer", {"amount": refund.amount})
        await asyncio.sleep(0.05)
    if refund.recipient_tg_id:
        await send(bot, refund.recipient_tg_id, "tips/refunded_recipient", {"amount": refund.amount})


async def _refund_call(user_id: int, charge_id: str) -> str:
    """Ask Telegram to refund; "" when done (or done before), else Telegram's error."""
    async with build_bot() as bot:
        try:
            await bot.refund_star_payment(user_id=user_id, telegram_payment_charge_id=charge_id)
        except BadRequest as exc:
            if ALREADY_REFUNDED not in str(exc).upper():
                return str(exc)
    return ""


async def _notify_refund(refund: services.Refund) -> None:
    async with build_bot() as bot:
        await notify_refund(bot, refund)


def tip_refund(tip_id: int, staff_id: int | None = None) -> str:
    """Refund a paid tip through Telegram; a charge Telegram already refunded counts as done."""
    tip = Tip.objects.select_related("payer").filter(pk=tip_id).first()
    if tip is None or tip.status != Tip.Status.PAID:
        return "nothing to do"
    if tip.payer.tg_id is None:
        services.tip_refund_failed(tip_id=tip_id, error="Участник удалил профиль: Telegram id не сохранён")
        return "failed"
    try:
        error = asyncio.run(_refund_call(tip.payer.tg_id, tip.telegram_payment_charge_id))
    except RetryAfter as exc:
        django_rq.get_queue("telegram").enqueue_in(_retry_in(exc), tip_refund, tip_id, staff_id)
        return "retry later"
    if error:
        services.tip_refund_failed(tip_id=tip_id, error=error)
        log.warning("tips.refund_failed", tip_id=tip_id, error=error)
        return "failed"
    refund = services.tip_refund_record(
        charge_id=tip.telegram_payment_charge_id, source=Tip.RefundSource.ADMIN, staff_id=staff_id
    )
    if not refund.new:
        return "already refunded"
    metrics.tips_total.labels("refunded").inc()
    asyncio.run(_notify_refund(refund))
    return "refunded"


async def _answer(tg_id: int, ticket: SupportTicket) -> bool:
    async with build_bot() as bot:
        message = await send(bot, tg_id, "tips/support_answer", {"ticket": ticket})
    return message is not None


def ticket_answer_send(ticket_id: int) -> str:
    """Deliver a moderator's answer to the member who opened the ticket."""
    ticket = SupportTicket.objects.select_related("member").filter(pk=ticket_id).first()
    if ticket is None or not ticket.answer or ticket.answer_sent_at is not None:
        return "nothing to do"
    if not ticket.member.is_reachable:
        return "unreachable"
    try:
        delivered = asyncio.run(_answer(ticket.member.tg_id, ticket))
    except RetryAfter as exc:
        django_rq.get_queue("telegram").enqueue_in(_retry_in(exc), ticket_answer_send, ticket_id)
        return "retry later"
    if delivered:
        support.ticket_answer_delivered(ticket_id=ticket_id)
        return "sent"
    return "unreachable"


async def star_transactions() -> list[dict]:
    """Every Stars transaction of the bot that Telegram lists, page by page."""
    found: list[dict] = []
    async with build_bot() as bot:
        for page in range(MAX_PAGES):
            # Raw JSON on purpose: a transaction partner type PTB does not know yet must not stop us.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PTBUserWarning)
                result = await bot.do_api_request(
                    "getStarTransactions",
                    api_kwargs={"offset": page * TRANSACTIONS_PAGE, "limit": TRANSACTIONS_PAGE},
                )
            batch = (result or {}).get("transactions", [])
            found += batch
            if len(batch) < TRANSACTIONS_PAGE:
                break
    return found


def tips_reconcile(days: int = RECONCILE_DAYS) -> str:
    """Compare Telegram's Stars transactions with the tips table; mismatches are listed in admin."""
    transactions = asyncio.run(star_transactions())
    result = reconcile.tips_reconcile(
        transactions=transactions, since=clock.now() - dt.timedelta(days=days), grace=RECONCILE_GRACE
    )
    log.info(
        "tips.reconciled",
        transactions=result.checked_transactions,
        tips=result.checked_tips,
        mismatches=len(result.mismatches),
    )
    return f"{result.checked_transactions} transactions, {result.checked_tips} tips, {len(result.mismatches)} mismatches"
