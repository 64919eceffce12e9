"""Errors that say what happened: error pages, JSON errors under /api/, request ids, and what
a user sees while the database is down.

The outage is real: the test points the platform's database connection at a port where no
PostgreSQL listens (as when the server is stopped) and then back; the shared server is never
touched.
"""

import logging
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from ods_platform.testing import free_port
from scenes.models import Observation
from scenes.tests.test_views import NEW, observation_post


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "ods_platform.tests.urls_failing"


@pytest.fixture
def anyone():
    """A client that gets the error response instead of the exception."""
    return Client(raise_request_exception=False)


@contextmanager
def database_stopped():
    """The platform's connection goes to a port with no PostgreSQL behind it.

    Every thread's connection shares these settings; connections other threads hold open (a
    live server's request threads keep theirs for CONN_MAX_AGE) are ended by the server, so
    their next health check opens a new one, to the dead port."""
    real_port = connection.settings_dict["PORT"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port


@pytest.mark.django_db
def test_a_bug_gives_the_500_page_in_swedish_with_a_request_id_that_is_logged(
    anyone, failing_urls, caplog
):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = anyone.get("/broken/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    page = response.content.decode()
    assert "Något gick fel" in page and request_id in page
    assert "ODS-plattformen" in page  # the platform's layout
    assert "a bug in a view" not in page  # no traceback for the user
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged and logged[0].request_id == request_id
    assert "a bug in a view" in caplog.text


@pytest.mark.django_db
def test_the_api_answers_json_errors_with_the_request_id(anyone, failing_urls):
    response = anyone.get("/api/v1/broken/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["request_id"] == response["X-Request-ID"]

    missing = anyone.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json()["request_id"] == missing["X-Request-ID"]

    refused = anyone.get("/api/v1/scenes/")  # DRF's own error, with the id added
    assert refused.status_code == 401
    assert refused.json()["request_id"] == refused["X-Request-ID"]


@pytest.mark.django_db
def test_404_and_403_pages_are_swedish_in_the_layout(
    anyone, failing_urls, stockholm_coordinator, caplog
):
    anyone.force_login(stockholm_coordinator)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        missing = anyone.get("/no-such-page/")
    assert missing.status_code == 404
    # Django logs it after the middleware has returned: the id is still on the line.
    [logged] = [r for r in caplog.records if r.name == "django.request"]
    assert logged.request_id == missing["X-Request-ID"]
    assert "Sidan finns inte" in missing.text and "Gå till startsidan" in missing.text
    assert missing["X-Request-ID"] in missing.text
    forbidden = anyone.get("/forbidden/")
    assert forbidden.status_code == 403 and "Du får inte göra det här" in forbidden.text
    english = Client(raise_request_exception=False)
    english.cookies["django_language"] = "en"
    assert "Page not found" in english.get("/no-such-page/").text


@pytest.mark.django_db
def test_a_proxy_s_request_id_is_kept_and_a_malformed_one_replaced(anyone):
    kept = anyone.get("/healthz", headers={"X-Request-ID": "lb-0123456789abcdef"})
    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    replaced = anyone.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert replaced["X-Request-ID"] != "<script>" and len(replaced["X-Request-ID"]) == 32


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_the_observation_form_says_nothing_was_saved_and_keeps_it(
    anyone, sergels, stockholm_field_worker
):
    anyone.force_login(stockholm_field_worker)
    data = observation_post(sergels, description="Fem personer vid trappan mot Drottninggatan.")
    before = Observation.objects.count()

    with database_stopped():
        response = anyone.post(NEW, data)

    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "Ingenting sparades" in page
    assert "så det du skickade sparades inte" in page
    assert "Fem personer vid trappan mot Drottninggatan." in page  # what was typed is kept
    assert response["X-Request-ID"] in page
    assert Observation.objects.count() == before

    # The database is back: "Skicka igen" sends the same fields once more, and it is saved.
    import re

    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    assert ("description", "Fem personer vid trappan mot Drottninggatan.") in fields
    resent: dict[str, list[str]] = {}
    for name, value in fields:
        resent.setdefault(name, []).append(value)
    again = anyone.post(NEW, resent)
    assert again.status_code == 302
    assert Observation.objects.count() == before + 1
    saved = Observation.objects.latest("created_at")
    assert saved.description == "Fem personer vid trappan mot Drottninggatan."
    assert sorted(saved.affected_groups) == sorted(data["affected_groups"])


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_pages_say_so_and_the_api_answers_json_503(
    anyone, stockholm_field_worker
):
    token = Token.objects.create(user=stockholm_field_worker)
    anyone.force_login(stockholm_field_worker)
    with database_stopped():
        page = anyone.get("/scenes/")
        api = anyone.get("/api/v1/scenes/", headers={"Authorization": f"Token {token.key}"})
        health = anyone.get("/healthz")
        balancer = Client().get("/healthz")  # no session: the checks themselves run
    assert page.status_code == 503
    assert "Plattformen är inte tillgänglig just nu" in page.text
    assert api.status_code == 503
    assert api.json() == {
        "detail": "Databasen svarar inte. Ingenting sparades; försök igen om en minut.",
        "code": "database_unavailable",
        "request_id": api["X-Request-ID"],
    }
    assert health.status_code == 503 and "database" in health.json()["down"]
    assert balancer.status_code == 503 and "database" in balancer.json()["down"]
    assert balancer.json()["checks"]["redis"] == "up"
    assert anyone.get("/scenes/").status_code == 200  # back by itself
