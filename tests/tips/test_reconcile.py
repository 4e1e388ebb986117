import datetime as dt
import io

import pytest
from django.core.management import call_command

from core import clock
from tests.tips.helpers import ANNA, conversation, paid_tip
from tips.models import Mismatch, Tip

pytestmark = pytest.mark.django_db

HOUR_AGO = dt.timedelta(hours=1)


def _payment(charge_id: str, amount: int, when: dt.datetime) -> dict:
    return {
        "id": charge_id,
        "amount": amount,
        "date": int(when.timestamp()),
        "source": {
            "type": "user",
            "transaction_type": "invoice_payment",
            "user": {"id": ANNA, "is_bot": False, "first_name": "Аня"},
            "invoice_payload": "t0.0.x",
        },
    }


def _refund(charge_id: str, amount: int, when: dt.datetime) -> dict:
    return {
        "id": charge_id,
        "amount": amount,
        "date": int(when.timestamp()),
        "receiver": {"type": "user", "user": {"id": ANNA, "is_bot": False, "first_name": "Аня"}},
    }


def _reconcile() -> str:
    out = io.StringIO()
    call_command("tips_reconcile", stdout=out)
    return out.getvalue()


def test_reconciliation_lists_each_kind_of_difference_once(telegram):
    session = conversation()
    earlier = clock.now() - HOUR_AGO
    for charge_id, amount in (("ok", 10), ("differs", 25), ("ours-only", 5), ("refunded-there", 50)):
        tip = paid_tip(session, amount=amount, charge_id=charge_id)
        Tip.objects.filter(pk=tip.pk).update(paid_at=earlier)
    for transaction in (
        _payment("ok", 10, earlier),
        _payment("differs", 20, earlier),
        _payment("planted", 15, earlier),
        _payment("refunded-there", 50, earlier),
        _refund("refunded-there", 50, earlier),
        _payment("just-now", 7, clock.now()),  # its successful_payment may still be on its way
        {**_payment("gift", 3, earlier), "source": {"type": "user", "transaction_type": "gift_purchase"}},
        {
            "id": "withdrawal",
            "amount": 500,
            "date": int(earlier.timestamp()),
            "receiver": {"type": "fragment"},
        },
    ):
        telegram.add_star_transaction(transaction)

    summary = _reconcile()
    found = {(m.kind, m.telegram_payment_charge_id) for m in Mismatch.objects.all()}
    assert found == {
        ("amount", "differs"),
        ("missing_tip", "planted"),
        ("missing_in_telegram", "ours-only"),
        ("refund_not_recorded", "refunded-there"),
    }
    assert "4 mismatches" in summary
    planted = Mismatch.objects.get(telegram_payment_charge_id="planted")
    assert planted.telegram_amount == 15 and planted.tip is None

    clock.advance(dt.timedelta(minutes=5))
    _reconcile()
    assert Mismatch.objects.count() == 4
    assert Mismatch.objects.get(telegram_payment_charge_id="planted").last_seen_at > planted.last_seen_at


def test_reconciliation_of_matching_books_finds_nothing(telegram):
    session = conversation()
    earlier = clock.now() - HOUR_AGO
    tip = paid_tip(session, amount=10, charge_id="fine")
    Tip.objects.filter(pk=tip.pk).update(paid_at=earlier)
    telegram.add_star_transaction(_payment("fine", 10, earlier))
    assert "0 mismatches" in _reconcile()
    assert not Mismatch.objects.exists()


def test_reconciliation_pages_through_every_transaction(telegram):
    earlier = clock.now() - HOUR_AGO
    for n in range(230):
        telegram.add_star_transaction(_payment(f"tx-{n}", 1, earlier))
    assert "230 transactions" in _reconcile()
    assert len(telegram.calls_for(None, "getStarTransactions")) == 3
    assert Mismatch.objects.filter(kind="missing_tip").count() == 230
