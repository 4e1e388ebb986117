"""Writes of the tips app: the offer, invoices, pre-checkout, crediting and refunds (support tickets
in support.py, reconciliation with Telegram in reconcile.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_rq
import structlog
from django.db import IntegrityError, transaction

from accounts.models import Member
from accounts.onboarding import awaiting_clear, awaiting_set
from accounts.services import member_touch
from core import clock
from tips import payload as tip_payload
from tips import selectors
from tips.models import Mismatch, SupportTicket, Tip, TipSettings
from tips.reconcile import mismatch_note

log = structlog.get_logger(__name__)

PRESETS = (5, 10, 25, 50)
INVOICE_REUSE = dt.timedelta(hours=1)


class Refusal(Exception):
    """A tip cannot go ahead; `reason` names the template that explains why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    min_amount: int
    max_amount: int
    commission_percent: int

    @property
    def presets(self) -> list[int]:
        return [n for n in PRESETS if self.min_amount <= n <= self.max_amount]


def limits_current() -> Limits:
    row = TipSettings.load()
    return Limits(row.min_amount, row.max_amount, row.commission_percent)


def commission_of(amount: int, percent: int) -> int:
    """Our commission in whole stars, rounded half up (10 % of 5 ⭐ is 1 ⭐)."""
    return (amount * percent + 50) // 100


# -- the offer ----------------------------------------------------------------------------------


@dataclass
class Offer:
    eligibility: selectors.Eligibility
    limits: Limits
    history: selectors.History | None = None


@transaction.atomic
def tip_offer(*, tg_id: int, session_id: int | None = None, with_history: bool = True) -> Offer:
    """What /tips (or the after-rating offer) shows the member: eligibility, presets, history."""
    member = member_touch(tg_id=tg_id)
    if not member.is_onboarded:
        eligibility = selectors.Eligibility(False, "not_onboarded")
    else:
        eligibility = selectors.tip_eligibility(member_id=member.pk, session_id=session_id)
    history = selectors.tip_history(member_id=member.pk) if with_history else None
    return Offer(eligibility, limits_current(), history)


@transaction.atomic
def tip_custom_start(*, tg_id: int, session_id: int) -> Offer:
    """ "Another amount": the member's next message is read as the number of stars."""
    offer = tip_offer(tg_id=tg_id, session_id=session_id, with_history=False)
    if offer.eligibility.ok:
        member = Member.objects.get(tg_id=tg_id)
        awaiting_set(member_id=member.pk, what="tips:amount", context={"session_id": session_id})
    return offer


@dataclass(frozen=True)
class Invoice:
    tip_id: int
    amount: int
    payload: str
    commission_percent: int


@transaction.atomic
def tip_invoice_create(*, tg_id: int, session_id: int, amount: int) -> Invoice:
    """A pending tip for the partner of `session_id` and its signed invoice payload."""
    member = member_touch(tg_id=tg_id)
    limits = limits_current()
    if not limits.min_amount <= amount <= limits.max_amount:
        raise Refusal("amount_out_of_range")
    eligibility = selectors.tip_eligibility(member_id=member.pk, session_id=session_id)
    if not eligibility.ok:
        raise Refusal(eligibility.reason)
    if member.awaiting.startswith("tips:"):
        awaiting_clear(member_id=member.pk)
    # The same amount asked again soon reuses the unpaid invoice instead of piling up new ones.
    tip = Tip.objects.filter(
        payer=member,
        session_id=eligibility.session_id,
        amount=amount,
        status=Tip.Status.PENDING,
        created_at__gte=clock.now() - INVOICE_REUSE,
    ).first() or Tip.objects.create(
        session_id=eligibility.session_id,
        payer=member,
        recipient_id=eligibility.partner_id,
        amount=amount,
        commission_percent=limits.commission_percent,
    )
    return Invoice(tip.pk, amount, tip_payload.sign(tip_id=tip.pk, amount=amount), tip.commission_percent)


def parse_amount(text: str | None) -> int | None:
    cleaned = (text or "").strip().replace("⭐", "").replace(" ", "")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 6 else None


# -- paying -------------------------------------------------------------------------------------


@transaction.atomic
def tip_precheckout(*, tg_id: int, payload: str, amount: int, currency: str) -> str:
    """Telegram asks whether it may charge: "" when yes, else the reason (a template name)."""
    verified = tip_payload.verify(payload)
    if verified is None:
        return "invalid"
    tip_id, signed_amount = verified
    tip = Tip.objects.select_related("payer").filter(pk=tip_id).first()
    if tip is None or tip.payer.tg_id != tg_id:
        return "invalid"
    if currency != "XTR" or amount != signed_amount or amount != tip.amount:
        return "amount_changed"
    if tip.status != Tip.Status.PENDING:
        return "already_paid"
    eligibility = selectors.tip_eligibility(member_id=tip.payer_id, session_id=tip.session_id)
    if not eligibility.ok:
        return eligibility.reason
    return ""


@dataclass(frozen=True)
class Credit:
    """The outcome of a successful_payment: `new` is False for a delivery seen before."""

    new: bool
    tip_id: int | None = None
    amount: int = 0
    net: int = 0
    payer_tg_id: int | None = None
    recipient_tg_id: int | None = None
    unknown: bool = False  # a charge for no invoice of ours: the payer is pointed to /paysupport


def _paid_fields(tip: Tip, charge_id: str, now: dt.datetime) -> None:
    tip.status = Tip.Status.PAID
    tip.telegram_payment_charge_id = charge_id
    tip.commission = commission_of(tip.amount, tip.commission_percent)
    tip.net = tip.amount - tip.commission
    tip.paid_at = now


def _credit_result(tip: Tip) -> Credit:
    recipient = tip.recipient
    return Credit(
        True,
        tip.pk,
        tip.amount,
        tip.net,
        tip.payer.tg_id,
        recipient.tg_id if recipient.is_reachable else None,
    )


@transaction.atomic
def tip_credit(*, tg_id: int, payload: str, amount: int, charge_id: str) -> Credit:
    """Record a Stars payment exactly once per Telegram charge id, whatever the deliveries."""
    if Tip.objects.filter(telegram_payment_charge_id=charge_id).exists():
        return Credit(False)
    verified = tip_payload.verify(payload)
    tip = None
    if verified is not None:
        # The lock serialises every delivery for this invoice; the charge check below sees the winner.
        tip = (
            Tip.objects.select_for_update()
            .select_related("payer", "recipient")
            .filter(pk=verified[0])
            .first()
        )
    if tip is None or tip.payer.tg_id != tg_id:
        mismatch_note(Mismatch.Kind.UNKNOWN_PAYLOAD, charge_id, telegram_amount=amount)
        log.warning("tips.payment_unknown_payload")
        return Credit(False, unknown=True)
    if Tip.objects.filter(telegram_payment_charge_id=charge_id).exists():
        return Credit(False)
    now = clock.now()
    if tip.status != Tip.Status.PENDING:
        # The same invoice paid twice (pre-checkout raced): the money was taken, so record it too.
        tip = Tip(
            session_id=tip.session_id,
            payer=tip.payer,
            recipient=tip.recipient,
            amount=amount,
            commission_percent=tip.commission_percent,
            created_at=now,
        )
    elif amount != tip.amount:
        tip.amount = amount  # Telegram charged what it charged; the ledger follows the charge
    _paid_fields(tip, charge_id, now)
    try:
        with transaction.atomic():
            tip.save()
    except IntegrityError:
        return Credit(False)
    return _credit_result(tip)


# -- refunds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refund:
    new: bool
    tip_id: int | None = None
    amount: int = 0
    payer_tg_id: int | None = None
    recipient_tg_id: int | None = None


@transaction.atomic
def tip_refund_record(*, charge_id: str, source: str, staff_id: int | None = None) -> Refund:
    """Mark a tip refunded once (a moderator's refund, or one Telegram reports)."""
    tip = (
        Tip.objects.select_for_update()
        .select_related("payer", "recipient")
        .filter(telegram_payment_charge_id=charge_id)
        .first()
    )
    if tip is None:
        mismatch_note(Mismatch.Kind.REFUND_NOT_RECORDED, charge_id)
        return Refund(False)
    if tip.status == Tip.Status.REFUNDED:
        return Refund(False, tip.pk)
    tip.status = Tip.Status.REFUNDED
    tip.refunded_at = clock.now()
    tip.refund_source = source
    tip.refunded_by_id = staff_id
    tip.refund_error = ""
    tip.save(update_fields=["status", "refunded_at", "refund_source", "refunded_by", "refund_error"])
    return Refund(
        True,
        tip.pk,
        tip.amount,
        tip.payer.tg_id if tip.payer.is_reachable else None,
        tip.recipient.tg_id if tip.recipient.is_reachable else None,
    )


@transaction.atomic
def tip_refund_request(*, tip_ids: list[int], staff_id: int) -> list[int]:
    """A moderator asked to refund these tips: enqueue a refund job for each paid one."""

    ids = list(Tip.objects.filter(pk__in=tip_ids, status=Tip.Status.PAID).values_list("pk", flat=True))
    for tip_id in ids:
        transaction.on_commit(
            lambda tip_id=tip_id: django_rq.get_queue("telegram").enqueue(
                "tips.tasks.tip_refund", tip_id, staff_id
            )
        )
    return ids


@transaction.atomic
def tip_refund_failed(*, tip_id: int, error: str) -> None:
    Tip.objects.filter(pk=tip_id).update(refund_error=error[:200])


def member_erased(member: Member) -> None:
    """Erasure hook: the member's own words in support tickets go; the tickets stay as records."""
    SupportTicket.objects.filter(member=member).update(text="", answer="")
