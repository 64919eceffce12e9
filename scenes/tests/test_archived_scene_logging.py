"""An archived scene (Avvecklad) keeps its history but takes no new observations: not from
the form (nor the outbox's fetch of it), not from the API, not from an import. Each way in
is refused with the same Swedish message and stores nothing; a repeat of an observation
stored before the scene was archived is still answered with the stored row."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scenes import services
from scenes.models import ImportJob, Observation, Scene

from .test_import import confirm, csv_file, upload, valid_rows

pytestmark = pytest.mark.django_db

ARCHIVED = "Scenen är arkiverad (avvecklad): inga nya observationer kan loggas där. Inget sparades."


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def archived(sergels, stockholm_coordinator) -> Scene:
    return services.archive_scene(sergels, by=stockholm_coordinator, comment="Ingen handel.")


def payload(scene, **overrides):
    lon, lat = scene.boundary.centroid.coords
    data = {
        "scene": scene.pk,
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "category": "narkotikaforsaljning",
        "source": "egen",
        "insecurity": 4,
        "description": "Grupp vid trappan efter avvecklingen.",
    }
    data.update(overrides)
    return data


def form_data(scene, **overrides):
    lon, lat = scene.boundary.centroid.coords
    data = {
        "scene": str(scene.pk),
        "occurred_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "category": "narkotikabruk",
        "source": "egen",
        "insecurity": "3",
        "description": "Grupp vid trappan efter avvecklingen.",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


# --- The API --------------------------------------------------------------------------------


def test_the_api_refuses_an_observation_at_an_archived_scene(archived, stockholm_field_worker):
    before = Observation.objects.count()
    api = APIClient()
    api.force_login(stockholm_field_worker)
    response = api.post(
        "/api/v1/observations/", payload(archived, client_uuid=str(uuid.uuid4())), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"scene": [ARCHIVED]}
    assert Observation.objects.count() == before


def test_the_api_still_answers_a_repeat_of_a_row_stored_before_the_archiving(
    sergels, stockholm_coordinator, stockholm_field_worker
):
    """The outbox sent it, the answer was lost, the scene was archived, the outbox sends it
    again: the stored row is the answer, not a refusal that would keep it in the outbox."""
    api = APIClient()
    api.force_login(stockholm_field_worker)
    key = str(uuid.uuid4())
    first = api.post("/api/v1/observations/", payload(sergels, client_uuid=key), format="json")
    assert first.status_code == 201, first.content
    services.archive_scene(sergels, by=stockholm_coordinator)
    before = Observation.objects.count()
    again = api.post("/api/v1/observations/", payload(sergels, client_uuid=key), format="json")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Observation.objects.count() == before


def test_observations_at_an_archived_scene_cannot_be_changed_through_the_api(
    archived, stockholm_field_worker
):
    observation = Observation.objects.filter(scene=archived, restricted=False).first()
    insecurity = observation.insecurity
    api = APIClient()
    api.force_login(stockholm_field_worker)
    url = f"/api/v1/observations/{observation.pk}/"
    assert api.put(url, payload(archived), format="json").status_code == 405
    assert api.patch(url, {"insecurity": insecurity % 5 + 1}, format="json").status_code == 405
    observation.refresh_from_db()
    assert observation.insecurity == insecurity


def test_the_regional_coordinator_cannot_log_there_either(archived, regional_coordinator):
    api = APIClient()
    api.force_login(regional_coordinator)
    before = Observation.objects.count()
    response = api.post("/api/v1/observations/", payload(archived), format="json")
    assert response.status_code == 400
    assert "arkiverad" in response.json()["scene"][0]
    assert Observation.objects.count() == before


# --- The form -------------------------------------------------------------------------------


def test_the_form_does_not_offer_an_archived_scene(archived, stockholm_field_worker):
    client = as_user(stockholm_field_worker)
    response = client.get(reverse("scenes:observation_create"), {"scene": archived.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert archived not in form.fields["scene"].queryset
    assert form.fields["scene"].queryset.exists()  # the worker's other scenes are offered
    assert form.initial.get("scene") != archived.pk
    # The scene list only: a sub-place's option elsewhere on the form may share the number.
    html = response.content.decode()
    scene_select = html[html.index('name="scene"') :]
    scene_select = scene_select[: scene_select.index("</select>")]
    assert f'<option value="{archived.pk}"' not in scene_select
    # Nor does the scene's page offer to log there.
    page = client.get(reverse("scenes:scene_detail", args=[archived.pk])).content.decode()
    assert f"{reverse('scenes:observation_create')}?scene={archived.pk}" not in page


def test_the_form_refuses_an_archived_scene_and_keeps_what_was_typed(
    archived, stockholm_field_worker
):
    before = Observation.objects.count()
    client = as_user(stockholm_field_worker)
    response = client.post(reverse("scenes:observation_create"), form_data(archived))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["scene"] == [ARCHIVED]
    page = response.content.decode()
    assert "inga nya observationer kan loggas där" in page
    assert "Grupp vid trappan efter avvecklingen." in page
    assert form["category"].value() == "narkotikabruk"
    assert form["latitude"].value() == form_data(archived)["latitude"]
    assert Observation.objects.count() == before


def test_the_outbox_sending_the_form_gets_the_form_with_the_refusal(
    archived, stockholm_field_worker
):
    """outbox.js posts the form with X-ODS-Form: fetch; a refusal is the form with its
    errors (HTML, not the JSON of a stored one), which the page then shows."""
    before = Observation.objects.count()
    client = as_user(stockholm_field_worker)
    response = client.post(
        reverse("scenes:observation_create"), form_data(archived), headers={"X-ODS-Form": "fetch"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "inga nya observationer kan loggas där" in response.content.decode()
    assert Observation.objects.count() == before


def test_a_scene_archived_while_the_form_was_open_is_refused_by_the_logging_verb(
    sergels, stockholm_coordinator, stockholm_field_worker
):
    with pytest.raises(services.ValidationError) as refused:
        services.log_observation(
            by=stockholm_field_worker,
            scene=services.archive_scene(sergels, by=stockholm_coordinator),
            location=sergels.boundary.centroid,
            occurred_at=timezone.now() - timedelta(hours=1),
            category="narkotikabruk",
            source="egen",
            insecurity=2,
        )
    assert refused.value.message_dict["scene"] == [ARCHIVED]


# --- The import -----------------------------------------------------------------------------


def test_an_import_at_an_archived_scene_gets_a_row_error_for_every_row(
    client, archived, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    response = upload(client, archived, csv_file(valid_rows(archived)))
    assert response.status_code == 200
    assert response.context["ok_count"] == 0
    assert response.context["error_count"] == 3
    assert response.context["token"] is None
    for row in response.context["results"]:
        assert any("arkiverad" in message for _label, message in row["errors"]), row
    assert "inga nya observationer kan loggas där" in response.content.decode()
    assert Observation.objects.count() == before


def test_an_import_confirmed_after_the_scene_was_archived_imports_nothing(
    client, sergels, stockholm_field_worker, stockholm_coordinator
):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    preview = upload(client, sergels, csv_file(valid_rows(sergels)))
    token = preview.context["token"]
    assert token is not None
    services.archive_scene(sergels, by=stockholm_coordinator)
    response = confirm(client, sergels, token)
    assert response.status_code == 200
    assert Observation.objects.count() == before
    assert ImportJob.objects.get(pk=token).status == "spent"
    for row in response.context["results"]:
        assert any("arkiverad" in message for _label, message in row["errors"]), row
