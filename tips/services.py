"""Writes of the tips app: invoices, pre-checkout, crediting, refunds, support tickets, reconciliation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import structlog
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Member
from accounts.onboarding import awaiting_clear, awaiting_set
from accounts.services import member_touch
from core import clock
from tips import payload as tip_payload
from tips import selectors
from tips.models import Mismatch, SupportTicket, Tip, TipSettings

log = structlog.get_logger(__name__)

PRESETS = (5, 10, 25, 50)
INVOICE_REUSE = dt.timedelta(hours=1)
SUPPORT_TEXT_MAX = 2000


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
        _mismatch_note(Mismatch.Kind.UNKNOWN_PAYLOAD, charge_id, telegram_amount=amount)
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
        _mismatch_note(Mismatch.Kind.REFUND_NOT_RECORDED, charge_id)
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
    import django_rq

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


# -- /paysupport --------------------------------------------------------------------------------


@transaction.atomic
def support_start(*, tg_id: int) -> list[Tip]:
    """/paysupport: the member's next message is their request; returns their last payments."""
    member = member_touch(tg_id=tg_id)
    awaiting_set(member_id=member.pk, what="tips:support")
    return selectors.recent_payments(member_id=member.pk)


@transaction.atomic
def ticket_open(*, tg_id: int, text: str) -> SupportTicket:
    member = member_touch(tg_id=tg_id)
    if member.awaiting.startswith("tips:"):
        awaiting_clear(member_id=member.pk)
    ticket = SupportTicket.objects.create(member=member, text=text.strip()[:SUPPORT_TEXT_MAX])
    ticket.tips.set(selectors.recent_payments(member_id=member.pk))
    return ticket


@transaction.atomic
def tips_awaiting_cancel(*, tg_id: int) -> bool:
    member = member_touch(tg_id=tg_id)
    if not member.awaiting.startswith("tips:"):
        return False
    awaiting_clear(member_id=member.pk)
    return True


@transaction.atomic
def ticket_answer(*, ticket_id: int, answer: str, staff_id: int | None) -> None:
    """A moderator answered: store it and have a job deliver it to the member."""
    import django_rq

    SupportTicket.objects.filter(pk=ticket_id).update(
        answer=answer.strip(),
        answered_by_id=staff_id,
        answered_at=clock.now(),
        answer_sent_at=None,
        status=SupportTicket.Status.ANSWERED,
    )
    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue("tips.tasks.ticket_answer_send", ticket_id)
    )


@transaction.atomic
def ticket_answer_delivered(*, ticket_id: int) -> None:
    SupportTicket.objects.filter(pk=ticket_id).update(answer_sent_at=clock.now())


def member_erased(member: Member) -> None:
    """Erasure hook: the member's own words in support tickets go; the tickets stay as records."""
    SupportTicket.objects.filter(member=member).update(text="", answer="")


# -- reconciliation -----------------------------------------------------------------------------


def _mismatch_note(
    kind: str, charge_id: str, *, tip: Tip | None = None, telegram_amount=None, our_amount=None
):
    now = clock.now()
    Mismatch.objects.update_or_create(
        kind=kind,
        telegram_payment_charge_id=charge_id,
        defaults={
            "tip": tip,
            "telegram_amount": telegram_amount,
            "our_amount": our_amount,
            "last_seen_at": now,
        },
        create_defaults={
            "tip": tip,
            "telegram_amount": telegram_amount,
            "our_amount": our_amount,
            "detected_at": now,
            "last_seen_at": now,
        },
    )


@dataclass
class Reconciliation:
    checked_transactions: int = 0
    checked_tips: int = 0
    mismatches: list[tuple[str, str]] = field(default_factory=list)


def _user_partner(partner: dict | None) -> bool:
    """A member paying an invoice of ours (or its refund), not paid media, gifts or transfers."""
    return (
        bool(partner)
        and partner.get("type") == "user"
        and partner.get("transaction_type", "invoice_payment") == "invoice_payment"
    )


@transaction.atomic
def tips_reconcile(*, transactions: list[dict], since: dt.datetime, grace: dt.timedelta) -> Reconciliation:
    """Compare Telegram's Stars transactions since `since` with our tips; note every difference.

    Transactions younger than `grace` are skipped: their successful_payment may be in flight.
    """
    now = clock.now()
    payments: dict[str, int] = {}
    refunds: dict[str, int] = {}
    for item in transactions:
        when = dt.datetime.fromtimestamp(int(item.get("date", 0)), tz=dt.UTC)
        if when < since or when > now - grace:
            continue
        amount = abs(int(item.get("amount", 0)))
        if _user_partner(item.get("source")):
            payments[str(item["id"])] = amount
        elif _user_partner(item.get("receiver")):
            refunds[str(item["id"])] = amount
    result = Reconciliation(checked_transactions=len(payments) + len(refunds))

    def note(kind, charge_id, **kwargs):
        _mismatch_note(kind, charge_id, **kwargs)
        result.mismatches.append((kind, charge_id))

    tips = {
        tip.telegram_payment_charge_id: tip
        for tip in Tip.objects.filter(
            Q(telegram_payment_charge_id__in=list(payments) + list(refunds))
            | Q(paid_at__gte=since, paid_at__lte=now - grace)
        ).exclude(telegram_payment_charge_id__isnull=True)
    }
    result.checked_tips = len(tips)
    for charge_id, amount in payments.items():
        tip = tips.get(charge_id)
        if tip is None:
            note(Mismatch.Kind.MISSING_TIP, charge_id, telegram_amount=amount)
        elif tip.amount != amount:
            note(Mismatch.Kind.AMOUNT, charge_id, tip=tip, telegram_amount=amount, our_amount=tip.amount)
    for charge_id, amount in refunds.items():
        tip = tips.get(charge_id)
        if tip is None or tip.status != Tip.Status.REFUNDED:
            note(Mismatch.Kind.REFUND_NOT_RECORDED, charge_id, tip=tip, telegram_amount=amount)
    for charge_id, tip in tips.items():
        if tip.paid_at is None or tip.paid_at < since or tip.paid_at > now - grace:
            continue
        if charge_id not in payments:
            note(Mismatch.Kind.MISSING_IN_TELEGRAM, charge_id, tip=tip, our_amount=tip.amount)
        elif tip.status == Tip.Status.REFUNDED and charge_id not in refunds:
            note(Mismatch.Kind.REFUND_NOT_IN_TELEGRAM, charge_id, tip=tip, our_amount=tip.amount)
    return result


@transaction.atomic
def mismatches_resolve(*, mismatch_ids: list[int], staff_id: int) -> int:
    return Mismatch.objects.filter(pk__in=mismatch_ids, resolved_at__isnull=True).update(
        resolved_at=clock.now(), resolved_by_id=staff_id
    )
