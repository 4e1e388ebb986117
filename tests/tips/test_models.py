import pytest
from django.db import IntegrityError, transaction

from tests.tips.helpers import conversation
from tips.models import Tip, TipSettings

pytestmark = pytest.mark.django_db


def _tip(session, **fields):
    values = {
        "session": session,
        "payer": session.member_a,
        "recipient": session.member_b,
        "amount": 10,
        "commission_percent": 10,
    }
    values.update(fields)
    with transaction.atomic():
        return Tip.objects.create(**values)


def test_the_database_refuses_a_tip_to_oneself_a_paid_tip_without_a_charge_and_wrong_sums():
    session = conversation()
    with pytest.raises(IntegrityError):
        _tip(session, recipient=session.member_a)
    with pytest.raises(IntegrityError):
        _tip(session, status="paid", commission=1, net=9)
    with pytest.raises(IntegrityError):
        _tip(session, status="paid", telegram_payment_charge_id="c1", commission=1, net=10)
    _tip(session, status="paid", telegram_payment_charge_id="c1", commission=1, net=9)
    with pytest.raises(IntegrityError):
        _tip(session, status="paid", telegram_payment_charge_id="c1", commission=1, net=9)


def test_there_is_only_one_settings_row():
    TipSettings.load()
    with pytest.raises(IntegrityError), transaction.atomic():
        TipSettings.objects.create(pk=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        TipSettings.objects.filter(pk=1).update(commission_percent=101)
