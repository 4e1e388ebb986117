import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError
from django.urls import reverse

from core import clock
from core.roles import sync_role_permissions
from tests.tips.helpers import ANNA, BORIS, conversation, paid_tip, run_jobs
from tips.models import Mismatch, SupportTicket, Tip, TipSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles():
    sync_role_permissions()


def _staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def tip():
    return paid_tip(conversation(), amount=25, charge_id="charge-admin")


def _refund(client, *tips):
    return client.post(
        reverse("admin:tips_tip_changelist"),
        {"action": "refund", "_selected_action": [t.pk for t in tips]},
        follow=True,
    )


def test_a_refund_asked_twice_refunds_once_and_tells_both_members_once(
    client, telegram, tip, django_capture_on_commit_callbacks
):
    client.force_login(_staff("mod", "Moderators"))
    with django_capture_on_commit_callbacks(execute=True):
        first = _refund(client, tip)
        _refund(client, tip)
    assert "Возврат запрошен: 1" in first.content.decode()
    run_jobs()
    tip.refresh_from_db()
    assert (tip.status, tip.refund_source, tip.refunded_by.username) == ("refunded", "admin", "mod")
    refunds = telegram.calls_for(ANNA, "refundStarPayment")
    assert [c.ok for c in refunds] == [True]
    assert refunds[0].params["telegram_payment_charge_id"] == "charge-admin"
    assert len([t for t in telegram.texts_to(ANNA) if "вернули 25 ⭐" in t]) == 1
    assert len([t for t in telegram.texts_to(BORIS) if "возвращена" in t]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = _refund(client, tip)
    assert "Пропущено" in again.content.decode()
    assert run_jobs() == 0


def test_a_charge_telegram_already_refunded_counts_as_done(client, telegram, tip):
    from tips import tasks

    telegram.refunded.add("charge-admin")  # refunded elsewhere; the refunded_payment update was lost
    assert tasks.tip_refund(tip.pk) == "refunded"
    assert len(telegram.calls_for(ANNA, "refundStarPayment")) == 1  # answered CHARGE_ALREADY_REFUNDED
    tip.refresh_from_db()
    assert tip.status == "refunded"
    assert any("вернули 25 ⭐" in t for t in telegram.texts_to(ANNA))
    assert tasks.tip_refund(tip.pk) == "nothing to do"


def test_a_refund_telegram_refuses_keeps_the_tip_paid_and_shows_why(client, telegram, tip):
    from tips import tasks

    telegram.fail_next(
        ANNA, "bad_request", method="refundStarPayment", description="Bad Request: CHARGE_NOT_FOUND"
    )
    assert tasks.tip_refund(tip.pk) == "failed"
    tip.refresh_from_db()
    assert tip.status == "paid" and "charge_not_found" in tip.refund_error.lower()
    assert telegram.texts_to(ANNA) == []
    client.force_login(_staff("mod", "Moderators"))
    page = client.get(reverse("admin:tips_tip_change", args=[tip.pk])).content.decode()
    assert "charge_not_found" in page.lower()


def test_an_analyst_sees_tips_by_ref_but_cannot_refund(
    client, telegram, tip, django_capture_on_commit_callbacks
):
    client.force_login(_staff("analyst", "Analysts"))
    page = client.get(reverse("admin:tips_tip_changelist")).content.decode()
    assert tip.payer.ref in page and tip.recipient.ref in page
    assert str(ANNA) not in page and str(BORIS) not in page
    assert 'value="refund"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        _refund(client, tip)
    assert run_jobs() == 0
    tip.refresh_from_db()
    assert tip.status == "paid"


def test_tips_are_filtered_by_status_and_paid_date_range_with_totals(client, tip):
    session = tip.session
    older = paid_tip(session, amount=50, charge_id="charge-old")
    Tip.objects.filter(pk=older.pk).update(paid_at=clock.now() - dt.timedelta(days=10))
    Tip.objects.create(
        session=session, payer=session.member_a, recipient=session.member_b, amount=5, commission_percent=10
    )
    client.force_login(_staff("mod", "Moderators"))
    url = reverse("admin:tips_tip_changelist")
    everything = client.get(url).content.decode()
    assert "оплачено 2 на 75 ⭐" in everything and "комиссия 8 ⭐" in everything
    today = clock.now().date().isoformat()
    recent = client.get(url, {"paid_from": today, "paid_to": today}).content.decode()
    assert "оплачено 1 на 25 ⭐" in recent and "получателям 22 ⭐" in recent
    pending = client.get(url, {"status__exact": "pending"}).content.decode()
    assert "оплачено 0 на 0 ⭐" in pending and "Счёт выставлен" in pending


def test_a_moderator_answers_a_ticket_and_the_answer_reaches_the_member(
    client, telegram, tip, django_capture_on_commit_callbacks
):
    ticket = SupportTicket.objects.create(member=tip.payer, text="Списалось дважды")
    ticket.tips.set([tip])
    client.force_login(_staff("mod", "Moderators"))
    page = client.get(reverse("admin:tips_supportticket_change", args=[ticket.pk])).content.decode()
    assert "Списалось дважды" in page and "25 ⭐" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:tips_supportticket_change", args=[ticket.pk]),
            {"status": "open", "answer": "Вернули одну оплату, проверьте баланс."},
        )
    run_jobs()
    assert "Вернули одну оплату" in telegram.last_to(ANNA).text
    ticket.refresh_from_db()
    assert ticket.status == "answered" and ticket.answer_sent_at is not None
    assert ticket.answered_by.username == "mod"


def test_analysts_never_see_support_tickets(client, tip):
    SupportTicket.objects.create(member=tip.payer, text="Личное")
    client.force_login(_staff("analyst", "Analysts"))
    assert client.get(reverse("admin:tips_supportticket_changelist")).status_code == 403


def test_settings_are_one_row_with_sane_limits(client):
    client.force_login(_staff("mod", "Moderators"))
    response = client.get(reverse("admin:tips_tipsettings_changelist"))
    assert response.status_code == 302
    row = TipSettings.objects.get()
    assert (row.min_amount, row.commission_percent) == (1, 10)
    client.post(
        reverse("admin:tips_tipsettings_change", args=[row.pk]),
        {"min_amount": 5, "max_amount": 500, "commission_percent": 15},
    )
    row.refresh_from_db()
    assert (row.min_amount, row.max_amount, row.commission_percent) == (5, 500, 15)
    with pytest.raises(IntegrityError):
        TipSettings.objects.filter(pk=row.pk).update(max_amount=2)


def test_mismatches_are_listed_and_resolved(client):
    Mismatch.objects.create(kind="missing_tip", telegram_payment_charge_id="tx-1", telegram_amount=10)
    client.force_login(_staff("mod", "Moderators"))
    url = reverse("admin:tips_mismatch_changelist")
    assert "tx-1" in client.get(url, {"resolved": "no"}).content.decode()
    client.post(url, {"action": "resolve", "_selected_action": [Mismatch.objects.get().pk]})
    assert "tx-1" not in client.get(url, {"resolved": "no"}).content.decode()
    assert Mismatch.objects.get().resolved_by.username == "mod"


def test_tips_are_found_by_ref_charge_id_or_conversation(client, tip):
    client.force_login(_staff("mod", "Moderators"))
    url = reverse("admin:tips_tip_changelist")
    for query in (tip.payer.ref, "charge-admin", str(tip.session_id)):
        assert "оплачено 1 на 25 ⭐" in client.get(url, {"q": query}).content.decode(), query
    nothing = client.get(url, {"q": "no-such-thing"})
    assert nothing.status_code == 200 and "оплачено 0 на 0 ⭐" in nothing.content.decode()


def test_an_answer_that_cannot_reach_the_member_is_listed_as_not_delivered(
    client, telegram, tip, django_capture_on_commit_callbacks
):
    from accounts.models import Member

    ticket = SupportTicket.objects.create(member=tip.payer, text="Где звёзды?")
    Member.objects.filter(pk=tip.payer_id).update(unreachable_since=clock.now())
    client.force_login(_staff("mod", "Moderators"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:tips_supportticket_change", args=[ticket.pk]),
            {"status": "open", "answer": "Вернули."},
        )
    run_jobs()
    assert telegram.texts_to(ANNA) == []
    listing = client.get(reverse("admin:tips_supportticket_changelist"), {"answered": "not_delivered"})
    assert "Где звёзды?" in listing.content.decode()
    waiting = client.get(reverse("admin:tips_supportticket_changelist"), {"answered": "waiting"})
    assert "Где звёзды?" not in waiting.content.decode()
