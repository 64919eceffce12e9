"""The pieces of offline capture the server gives: the service worker, the manifest, the
outbox page and the session check the outbox asks before it sends."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_at_the_root_with_its_own_static_files(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    # Workbox from the platform's own static files, never its CDN.
    assert "/static/vendor/workbox-sw/workbox-sw.js" in body
    assert "/static/vendor/workbox-strategies/workbox-strategies.prod.js" in body
    assert "googleapis" not in body
    assert reverse("scenes:observation_create") in body


def test_the_manifest_names_the_app_in_swedish_and_opens_the_form(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "ODS-plattformen – logga observation"
    assert manifest["lang"] == "sv"
    assert manifest["start_url"] == reverse("scenes:observation_create")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512", "any"}


def test_every_page_links_the_manifest_and_a_signed_in_page_loads_the_outbox(
    client, stockholm_field_worker
):
    anonymous = client.get(reverse("account_login")).content.decode()
    assert 'rel="manifest"' in anonymous
    assert "js/outbox.js" not in anonymous
    client.force_login(stockholm_field_worker)
    page = client.get(reverse("home")).content.decode()
    assert "js/outbox.js" in page
    assert f'data-user="{stockholm_field_worker.pk}"' in page
    assert "data-outbox-badge" in page


def test_the_outbox_page_is_drawn_by_the_browser(
    client, stockholm_field_worker, django_assert_max_num_queries
):
    client.force_login(stockholm_field_worker)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("scenes:observation_outbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Utkorg</h1>" in page
    assert 'id="outbox-list"' in page
    assert "Skicka nu" in page


def test_the_session_check_says_who_is_signed_in_and_sets_a_csrf_cookie(
    client, stockholm_field_worker
):
    url = reverse("scenes:outbox_session")
    assert client.get(url).json() == {"user": None}
    client.force_login(stockholm_field_worker)
    response = client.get(url)
    assert response.json() == {"user": stockholm_field_worker.pk}
    assert "csrftoken" in response.cookies
    assert "no-store" in response["Cache-Control"]


def test_the_kept_copy_of_the_form_does_not_take_the_users_messages(
    client, sergels, stockholm_field_worker
):
    from scenes.tests.test_views import observation_post

    client.force_login(stockholm_field_worker)
    client.post(reverse("scenes:observation_create"), observation_post(sergels))
    copy = client.get(reverse("scenes:observation_create"), headers={"X-ODS-Offline-Copy": "1"})
    assert "Observationen loggades" not in copy.content.decode()
    assert copy["X-ODS-User"] == str(stockholm_field_worker.pk)
    # The message waits for the page the user sees.
    assert "Observationen loggades" in client.get(reverse("home")).content.decode()
