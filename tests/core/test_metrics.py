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
