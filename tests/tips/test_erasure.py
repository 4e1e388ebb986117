import pytest

from accounts.services import member_erase
from tests.tips.helpers import conversation, paid_tip
from tips.models import SupportTicket, Tip

pytestmark = pytest.mark.django_db


def test_erasure_removes_the_members_words_from_tickets_and_keeps_tips_by_ref():
    tip = paid_tip(conversation(), amount=10)
    ticket = SupportTicket.objects.create(member=tip.payer, text="Меня зовут Анна, звёзды пропали")
    ref = member_erase(member_id=tip.payer_id)
    ticket.refresh_from_db()
    assert ticket.text == ""
    kept = Tip.objects.select_related("payer").get()
    assert kept.amount == 10 and kept.payer.ref == ref and kept.payer.tg_id is None
