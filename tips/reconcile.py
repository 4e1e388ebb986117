"""Reconciliation: Telegram's Stars transactions against our tips; every difference is noted for
staff as a Mismatch, never corrected automatically."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from core import clock
from tips.models import Mismatch, Tip


def mismatch_note(
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
        mismatch_note(kind, charge_id, **kwargs)
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
