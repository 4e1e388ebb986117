import pytest

pytestmark = pytest.mark.django_db(transaction=True)


async def test_load_balancer_sees_a_live_process(webhook):
    response = await webhook.http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_database_and_redis_reachable(webhook):
    response = await webhook.http.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.parametrize(
    ("path", "body"), [("/health/db", {"database": "ok"}), ("/health/redis", {"redis": "ok"})]
)
async def test_each_dependency_has_its_own_probe(webhook, path, body):
    response = await webhook.http.get(path)
    assert response.status_code == 200
    assert response.json() == body


@pytest.mark.parametrize("path", ["/health", "/health/ready", "/health/db", "/health/redis"])
async def test_probes_answer_only_get_and_say_so(webhook, path):
    response = await webhook.http.post(path)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
