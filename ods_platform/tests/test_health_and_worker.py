"""/healthz and Celery, against a real worker subprocess and the session's own Redis."""

import pytest

from actors.models import Organisation
from actors.reference import load_organisations
from ods_platform.tasks import count_organisations

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_against_the_database(celery_worker):
    load_organisations()
    result = count_organisations.delay()
    assert result.get(timeout=30) == Organisation.objects.count() > 40


def test_healthz_is_200_with_everything_up_and_503_naming_the_stopped_worker(client, celery_worker):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "up",
            "redis": "up",
            "celery": "up",
            "reports_storage": "up",
            "report_files": "up",
        },
    }

    celery_worker.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["celery"]
    assert response.json()["checks"]["database"] == "up"


def test_healthz_names_redis_when_it_is_down(client, redis_server):
    redis_server.stop()
    try:
        response = client.get("/healthz")
    finally:
        redis_server.start()
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["celery", "redis"]
    # Up or down only: no addresses, versions or error text.
    assert set(body) == {"status", "checks", "down"}
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_needs_no_log_in_and_only_answers_get(client):
    assert client.get("/healthz").status_code in (200, 503)
    assert client.post("/healthz").status_code == 405
