import pytest

from tests import updates

pytestmark = pytest.mark.django_db(transaction=True)


async def test_metrics_count_updates_by_type_and_outcome_and_show_state(webhook, telegram):
    await webhook.send(updates.command(5570001, "help"))
    response = await webhook.client.get("/metrics")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'tno_updates_total{outcome="ok",type="message"}' in body
    assert "tno_update_handler_seconds_bucket" in body
    assert "tno_dead_letters_open 0.0" in body
    assert 'tno_rq_queue_depth{queue="default"}' in body


def _value(body: str, prefix: str) -> float:
    lines = [line for line in body.splitlines() if line.startswith(prefix)]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


async def test_business_metrics_follow_a_proposal_and_a_relayed_message(webhook, telegram):
    from tests.accounts.journeys import MemberJourney
    from tests.matching.test_matching import make, run_round

    before = (await webhook.client.get("/metrics")).content.decode()
    await make(5570011, pseudonym="Анна")
    await make(5570012, pseudonym="Борис")
    anna, boris = MemberJourney(webhook, telegram, 5570011), MemberJourney(webhook, telegram, 5570012)
    await anna.command("find")
    await boris.command("find")
    await run_round()
    await anna.tap("Принять")
    await boris.tap("Принять")
    await webhook.text(5570011, "Привет!")
    after = (await webhook.client.get("/metrics")).content.decode()
    for series, grew_by in (
        ('tno_proposals_total{outcome="created"}', 1),
        ('tno_proposals_total{outcome="confirmed"}', 1),
        ('tno_messages_relayed_total{kind="text"}', 1),
        ("tno_time_to_proposal_seconds_count", 2),
        ("tno_matching_round_seconds_count", 1),
    ):
        assert _value(after, series) - _value(before, series) >= grew_by, series


async def test_admin_pages_carry_a_content_security_policy_and_the_webhook_does_not(webhook):
    admin = await webhook.client.get("/admin/login/")
    assert "default-src 'self'" in admin["Content-Security-Policy"]
    hook = await webhook.post({"update_id": 1})
    assert "Content-Security-Policy" not in hook.headers
