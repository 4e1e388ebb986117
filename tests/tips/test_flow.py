import asyncio
import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from chats.models import ChatSession
from core import clock
from core.models import DeadLetterUpdate
from moderation.models import Block, Report
from tests import updates
from tests.accounts.journeys import MemberJourney
from tests.tips.helpers import ANNA, BORIS, conversation, paid_tip, signed
from tips.models import Mismatch, SupportTicket, Tip, TipSettings

pytestmark = pytest.mark.django_db(transaction=True)


def precheckout_answers(telegram):
    return [call.params for call in telegram.calls_for(None, "answerPreCheckoutQuery")]


async def ask_invoice(webhook, telegram, amount_label="10 ⭐"):
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("tips")
    await anna.tap(amount_label)
    invoice = telegram.last_to(ANNA, "sendInvoice")
    return invoice.params


async def test_a_member_thanks_the_partner_with_stars_from_invoice_to_both_histories(webhook, telegram):
    await sync_to_async(conversation)()
    anna = MemberJourney(webhook, telegram, ANNA)
    offer = await anna.command("tips")
    assert offer.button_texts() == ["5 ⭐", "10 ⭐", "25 ⭐", "50 ⭐", "Другая сумма"]
    assert "10%" in offer.text

    await anna.tap("10 ⭐")
    invoice = telegram.last_to(ANNA, "sendInvoice").params
    assert invoice["currency"] == "XTR"
    assert invoice["prices"] == [{"label": "Благодарность", "amount": 10}]
    assert len(invoice["payload"].encode()) <= 128
    shown = invoice["title"] + invoice["description"]
    assert "Борис" not in shown and str(BORIS) not in shown and str(BORIS) not in invoice["payload"]
    assert len(invoice["title"]) <= 32 and len(invoice["description"]) <= 255

    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 10))
    assert precheckout_answers(telegram)[-1]["ok"] is True

    await webhook.send(updates.successful_payment(ANNA, invoice["payload"], 10, "charge-ok-1"))
    tip = await Tip.objects.aget()
    assert (tip.status, tip.amount, tip.commission, tip.net) == ("paid", 10, 1, 9)
    assert tip.telegram_payment_charge_id == "charge-ok-1"
    # Truthful receipts for both: gross, the service's commission, and what the partner gets.
    receipt = telegram.last_to(ANNA).text
    assert "Спасибо" in receipt
    assert "вы заплатили: 10 ⭐" in receipt and "комиссия сервиса: 1 ⭐" in receipt
    assert "собеседник получит: 9 ⭐" in receipt and "получит: 10" not in receipt
    received = telegram.last_to(BORIS).text
    assert "от вашего собеседника" in received
    assert (
        "отправлено: 10 ⭐" in received and "комиссия сервиса: 1 ⭐" in received and "вам: 9 ⭐" in received
    )
    assert "Анна" not in received

    assert "Отправлено: 1 на 10 ⭐" in (await anna.command("tips")).text
    boris = MemberJourney(webhook, telegram, BORIS)
    received = (await boris.command("tips")).text
    assert "Получено: 1 на 10 ⭐" in received and "9 ⭐" in received


async def test_a_custom_amount_is_typed_checked_against_the_limits_and_never_reaches_the_partner(
    webhook, telegram
):
    await sync_to_async(conversation)()
    await TipSettings.objects.aupdate_or_create(pk=1, defaults={"min_amount": 3, "max_amount": 40})
    anna = MemberJourney(webhook, telegram, ANNA)
    offer = await anna.command("tips")
    assert offer.button_texts() == ["5 ⭐", "10 ⭐", "25 ⭐", "Другая сумма"]
    asked = await anna.tap("Другая сумма")
    assert "от 3 до 40" in asked.text
    assert "Не получилось прочитать" in (await anna.say("сто")).text
    await anna.say("41")
    assert "от 3 до 40" in telegram.last_to(ANNA).text
    await anna.say("15")
    assert telegram.last_to(ANNA, "sendInvoice").params["prices"][0]["amount"] == 15
    assert telegram.calls_for(BORIS, "copyMessage") == [] and telegram.calls_for(BORIS, "sendMessage") == []
    await anna.say("как ты?")  # the wait is over: an ordinary message goes to the partner again
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 1


async def test_cancel_ends_the_wait_for_an_amount(webhook, telegram):
    await sync_to_async(conversation)()
    anna = MemberJourney(webhook, telegram, ANNA)
    await anna.command("tips")
    await anna.tap("Другая сумма")
    assert "ничего не отправляем" in (await anna.tap("Отмена")).text
    await anna.say("15")
    assert telegram.calls_for(ANNA, "sendInvoice") == []
    assert len(telegram.calls_for(BORIS, "copyMessage")) == 1


async def test_the_offer_follows_a_kind_rating_but_not_a_poor_one(webhook, telegram):
    session = await sync_to_async(conversation)(ended_hours_ago=0.1)
    await webhook.tap(BORIS, f"chats:rate:{session.pk}:2")
    assert "звёздами" not in telegram.last_to(BORIS).text
    await webhook.tap(ANNA, f"chats:rate:{session.pk}:5")
    offer = telegram.last_to(ANNA)
    assert "поблагодарить собеседника звёздами" in offer.text
    assert "25 ⭐" in offer.button_texts()


async def test_tips_during_a_chat_and_up_to_24_hours_after_it(webhook, telegram):
    await sync_to_async(conversation)(ended_hours_ago=23)
    anna = MemberJourney(webhook, telegram, ANNA)
    assert "10 ⭐" in (await anna.command("tips")).button_texts()
    clock.advance(dt.timedelta(hours=1, minutes=1))
    late = await anna.command("tips")
    assert "24 часов" in late.text and late.button_texts() == []


async def test_no_offer_after_a_block_or_a_report_between_the_pair(webhook, telegram):
    session = await sync_to_async(conversation)()
    await Block.objects.acreate(blocker=session.member_b, blocked=session.member_a, session=session)
    anna = MemberJourney(webhook, telegram, ANNA)
    refused = await anna.command("tips")
    assert "нельзя" in refused.text and refused.button_texts() == []
    await Block.objects.all().adelete()
    await Report.objects.acreate(
        reporter=session.member_a, reported=session.member_b, session=session, reason="spam"
    )
    assert (await anna.command("tips")).button_texts() == []


async def test_without_a_conversation_tips_shows_why_and_the_history(webhook, telegram):
    await sync_to_async(conversation)(ended_hours_ago=30)
    await sync_to_async(lambda: paid_tip(ChatSession.objects.get(), amount=25))()
    text = (await MemberJourney(webhook, telegram, ANNA).command("tips")).text
    assert "24 часов" in text and "Отправлено: 1 на 25 ⭐" in text


async def test_a_tampered_payload_is_refused_at_pre_checkout(webhook, telegram):
    await sync_to_async(conversation)()
    invoice = await ask_invoice(webhook, telegram)
    body, _, signature = invoice["payload"].rpartition(".")
    forged_amount = body.rsplit(".", 1)[0] + ".1." + signature
    forged_signature = body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for payload, amount in ((forged_amount, 1), (forged_signature, 10), ("t1.10", 10)):
        await webhook.send(updates.pre_checkout_query(ANNA, payload, amount))
        answer = precheckout_answers(telegram)[-1]
        assert answer["ok"] is False and "не удалось проверить" in answer["error_message"]
    assert await Tip.objects.filter(status="paid").acount() == 0


async def test_a_changed_amount_is_refused_at_pre_checkout(webhook, telegram):
    await sync_to_async(conversation)()
    invoice = await ask_invoice(webhook, telegram)
    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 11))
    answer = precheckout_answers(telegram)[-1]
    assert answer["ok"] is False and "не совпадает" in answer["error_message"]


async def test_someone_else_cannot_pay_a_members_invoice(webhook, telegram):
    await sync_to_async(conversation)()
    invoice = await ask_invoice(webhook, telegram)
    await webhook.send(updates.pre_checkout_query(BORIS, invoice["payload"], 10))
    assert precheckout_answers(telegram)[-1]["ok"] is False


async def test_pre_checkout_refuses_a_tip_that_became_ineligible_or_was_paid(webhook, telegram):
    session = await sync_to_async(conversation)(ended_hours_ago=20)
    invoice = await ask_invoice(webhook, telegram)
    clock.advance(dt.timedelta(hours=5))
    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 10))
    answer = precheckout_answers(telegram)[-1]
    assert answer["ok"] is False and "24 часов" in answer["error_message"]

    clock.reset()
    await Block.objects.acreate(blocker=session.member_b, blocked=session.member_a, session=session)
    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 10))
    assert precheckout_answers(telegram)[-1]["ok"] is False
    await Block.objects.all().adelete()

    await webhook.send(updates.successful_payment(ANNA, invoice["payload"], 10, "charge-paid"))
    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 10))
    answer = precheckout_answers(telegram)[-1]
    assert answer["ok"] is False and "уже оплачен" in answer["error_message"]


async def test_the_same_payment_delivered_twice_at_once_is_credited_once(webhook, telegram):
    await sync_to_async(conversation)()
    invoice = await ask_invoice(webhook, telegram)
    first = updates.successful_payment(ANNA, invoice["payload"], 10, "charge-dup")
    second = updates.successful_payment(ANNA, invoice["payload"], 10, "charge-dup")
    assert first["update_id"] != second["update_id"]
    responses = await asyncio.gather(webhook.post(first), webhook.post(second))
    assert [r.status_code for r in responses] == [200, 200]
    assert await Tip.objects.filter(status="paid").acount() == 1
    assert await DeadLetterUpdate.objects.acount() == 0
    assert len([t for t in telegram.texts_to(BORIS) if "от вашего собеседника" in t]) == 1
    assert len([t for t in telegram.texts_to(ANNA) if t.startswith("Спасибо!")]) == 1


async def test_an_invoice_paid_twice_records_both_charges(webhook, telegram):
    await sync_to_async(conversation)()
    invoice = await ask_invoice(webhook, telegram)
    await webhook.send(updates.successful_payment(ANNA, invoice["payload"], 10, "charge-a"))
    await webhook.send(updates.successful_payment(ANNA, invoice["payload"], 10, "charge-b"))
    charges = {t.telegram_payment_charge_id async for t in Tip.objects.filter(status="paid")}
    assert charges == {"charge-a", "charge-b"}


async def test_a_payment_for_no_invoice_of_ours_is_listed_for_staff(webhook, telegram):
    await sync_to_async(conversation)()
    await webhook.send(updates.successful_payment(ANNA, "garbage", 7, "charge-orphan"))
    assert "/paysupport" in telegram.last_to(ANNA).text
    mismatch = await Mismatch.objects.aget()
    assert (mismatch.kind, mismatch.telegram_amount) == ("unknown_payload", 7)


async def test_a_refund_telegram_reports_is_recorded_and_both_are_told_once(webhook, telegram):
    session = await sync_to_async(conversation)()
    tip = await sync_to_async(paid_tip)(session, amount=25, charge_id="charge-r")
    for _ in range(2):
        await webhook.send(updates.refunded_payment(ANNA, signed(tip), 25, "charge-r"))
    tip = await Tip.objects.aget()
    assert (tip.status, tip.refund_source) == ("refunded", "telegram")
    assert len([t for t in telegram.texts_to(ANNA) if "вернули 25 ⭐" in t]) == 1
    assert len([t for t in telegram.texts_to(BORIS) if "возвращена" in t]) == 1


async def test_paysupport_opens_a_ticket_with_the_last_payments(webhook, telegram):
    session = await sync_to_async(conversation)()
    await sync_to_async(paid_tip)(session, amount=50, charge_id="charge-s")
    anna = MemberJourney(webhook, telegram, ANNA)
    asked = await anna.command("paysupport")
    assert "50 ⭐" in asked.text and "Отмена" in asked.button_texts()
    opened = await anna.say("Звёзды списались дважды")
    ticket = await SupportTicket.objects.aget()
    assert f"№{ticket.pk}" in opened.text
    assert ticket.text == "Звёзды списались дважды"
    assert [t.amount async for t in ticket.tips.all()] == [50]
    assert telegram.calls_for(BORIS, "copyMessage") == []


async def test_paysupport_with_the_question_inline_opens_the_ticket_at_once(webhook, telegram):
    await sync_to_async(conversation)()
    await webhook.command(ANNA, "paysupport", "не пришёл чек")
    assert "принято" in telegram.last_to(ANNA).text
    assert (await SupportTicket.objects.aget()).text == "не пришёл чек"


def _metric(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_payments_are_counted_for_prometheus(webhook, telegram):
    await sync_to_async(conversation)()
    before = (await webhook.client.get("/metrics")).content.decode()
    invoice = await ask_invoice(webhook, telegram, "25 ⭐")
    await webhook.send(updates.successful_payment(ANNA, invoice["payload"], 25, "charge-metrics"))
    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 25))
    after = (await webhook.client.get("/metrics")).content.decode()
    assert _metric(after, "tno_stars_total") - _metric(before, "tno_stars_total") == 25
    for status in ("invoiced", "paid", "refused"):
        name = f'tno_tips_total{{status="{status}"}}'
        assert _metric(after, name) - _metric(before, name) == 1, status
    await webhook.command(ANNA, "paysupport", "вопрос")
    from core import collectors

    collectors._state._cached_at = 0.0  # the state gauges are cached for 5 s between scrapes
    state = (await webhook.client.get("/metrics")).content.decode()
    assert _metric(state, "tno_open_payment_tickets") == 1
    assert _metric(state, "tno_open_tip_mismatches") == 0


async def test_a_tips_journey_logs_no_telegram_id_or_support_text(webhook, telegram, caplog, capfd):
    import logging

    await sync_to_async(conversation)()
    capfd.readouterr()
    caplog.set_level(logging.DEBUG)
    invoice = await ask_invoice(webhook, telegram)
    await webhook.send(updates.pre_checkout_query(ANNA, invoice["payload"], 11))
    await webhook.send(updates.successful_payment(ANNA, invoice["payload"], 10, "charge-log"))
    await webhook.send(updates.successful_payment(ANNA, "forged", 3, "charge-log-2"))
    await webhook.command(ANNA, "paysupport", "моя-личная-жалоба")
    logged = caplog.text + "".join(capfd.readouterr())
    assert "tips.payment_unknown_payload" in logged  # the logs are really captured
    for secret in (str(ANNA), str(BORIS), "Анна", "Борис", "моя-личная-жалоба"):
        assert secret not in logged, secret


async def test_a_double_tap_sends_one_invoice_and_asking_again_reuses_the_unpaid_one(webhook, telegram):
    await sync_to_async(conversation)()
    anna = MemberJourney(webhook, telegram, ANNA)
    offer = await anna.command("tips")
    await anna.tap("10 ⭐", on=offer)
    await anna.tap("10 ⭐", on=offer)
    invoices = telegram.calls_for(ANNA, "sendInvoice")
    assert len(invoices) == 1
    await anna.tap("Другая сумма", on=offer)
    await anna.say("10")
    invoices = telegram.calls_for(ANNA, "sendInvoice")
    assert len(invoices) == 2 and invoices[0].params["payload"] == invoices[1].params["payload"]
    assert await Tip.objects.acount() == 1
