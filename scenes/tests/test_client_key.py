"""One observation however often it is sent: the client's key (`client_uuid`).

The form carries a new key per rendered form, the offline outbox and integrations send one
with the API; the logging verb stores a key once (a unique constraint decides a race) and
answers a repeat with the stored row. A key stored with someone else's row is refused
without telling anything about that row."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scenes import services
from scenes.forms import ObservationForm
from scenes.models import Observation
from scenes.tests.test_api import payload
from scenes.tests.test_logging_verb import fields
from scenes.tests.test_views import observation_post

pytestmark = pytest.mark.django_db

NEW = reverse("scenes:observation_create")
API = "/api/v1/observations/"


def api(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def medborgarplatsen(demo_scenes):
    return demo_scenes["Medborgarplatsen"]


# --- The verb -----------------------------------------------------------------------------


def test_a_repeat_of_a_key_answers_the_stored_row_and_stores_nothing(
    sergels, stockholm_field_worker
):
    key = uuid.uuid4()
    first = services.log_observation(
        by=stockholm_field_worker, scene=sergels, client_uuid=key, **fields(sergels)
    )
    before = Observation.objects.count()
    again = services.log_observation(
        by=stockholm_field_worker, scene=sergels, client_uuid=key, **fields(sergels)
    )
    assert (first.replayed, again.replayed) == (False, True)
    assert again.pk == first.pk
    assert Observation.objects.count() == before
    assert Observation.objects.get(pk=first.pk).client_uuid == key


def test_without_a_key_every_call_stores_a_row(sergels, stockholm_field_worker):
    before = Observation.objects.count()
    for _ in range(2):
        services.log_observation(by=stockholm_field_worker, scene=sergels, **fields(sergels))
    assert Observation.objects.count() == before + 2
    assert Observation.objects.filter(client_uuid__isnull=True).count() == before + 2


def test_a_race_on_one_key_stores_one_row_and_the_loser_gets_the_winners(
    sergels, stockholm_field_worker, monkeypatch
):
    """Two requests both find the key free; the database's constraint lets one insert,
    and the other is answered with that row instead of an error."""
    key = uuid.uuid4()
    winner = services.log_observation(
        by=stockholm_field_worker, scene=sergels, client_uuid=key, **fields(sergels)
    )
    looked_up = []
    real = services._stored_with_key

    def first_lookup_misses(k):
        looked_up.append(k)
        return None if len(looked_up) == 1 else real(k)

    monkeypatch.setattr(services, "_stored_with_key", first_lookup_misses)
    loser = services.log_observation(
        by=stockholm_field_worker, scene=sergels, client_uuid=key, **fields(sergels)
    )
    assert len(looked_up) == 2  # the insert failed on the constraint, then it looked again
    assert loser.pk == winner.pk and loser.replayed
    assert Observation.objects.filter(client_uuid=key).count() == 1


def test_a_key_of_another_users_or_scenes_row_is_refused_without_the_row(
    sergels, medborgarplatsen, stockholm_field_worker, stockholm_coordinator
):
    key = uuid.uuid4()
    services.log_observation(
        by=stockholm_field_worker,
        scene=sergels,
        client_uuid=key,
        **fields(sergels, description="Hemlig text"),
    )
    before = Observation.objects.count()
    with pytest.raises(services.ClientKeyUsed):
        services.log_observation(
            by=stockholm_coordinator, scene=sergels, client_uuid=key, **fields(sergels)
        )
    with pytest.raises(services.ClientKeyUsed):
        services.log_observation(
            by=stockholm_field_worker,
            scene=medborgarplatsen,
            client_uuid=key,
            **fields(medborgarplatsen),
        )
    assert Observation.objects.count() == before


def test_an_invalid_observation_with_a_key_stores_nothing_and_leaves_the_key_free(
    sergels, stockholm_field_worker
):
    from django.core.exceptions import ValidationError

    key = uuid.uuid4()
    with pytest.raises(ValidationError):
        services.log_observation(
            by=stockholm_field_worker,
            scene=sergels,
            client_uuid=key,
            **fields(sergels, insecurity=9),
        )
    assert not Observation.objects.filter(client_uuid=key).exists()
    corrected = services.log_observation(
        by=stockholm_field_worker, scene=sergels, client_uuid=key, **fields(sergels)
    )
    assert not corrected.replayed


# --- The form -----------------------------------------------------------------------------


def test_every_rendered_form_has_a_new_key(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    keys = {client.get(NEW).context["form"]["client_uuid"].value() for _ in range(2)}
    assert len(keys) == 2
    assert all(uuid.UUID(str(k)) for k in keys)


def test_the_same_filled_in_form_posted_twice_stores_one_row(
    client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    data = observation_post(sergels, client_uuid=str(uuid.uuid4()))
    first = client.post(NEW, data)
    second = client.post(NEW, data, follow=True)
    assert first.status_code == 302
    assert Observation.objects.count() == before + 1
    stored = Observation.objects.get(client_uuid=data["client_uuid"])
    # The repeat answers as a success and leads to the stored row.
    assert second.redirect_chain[-1][0] == stored.get_absolute_url()
    assert "redan loggad" in second.content.decode()


def test_the_form_sent_by_the_page_script_answers_where_to_go(
    client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    data = observation_post(sergels, client_uuid=str(uuid.uuid4()), another="1")
    response = client.post(NEW, data, headers={"X-ODS-Form": "fetch"})
    assert response.status_code == 200
    # "Spara och logga en till": back to a new form that keeps the scene (and what else it keeps).
    assert response.json()["location"].startswith(f"{NEW}?scene={sergels.pk}&")
    # The message waits for the page itself.
    assert "Observationen loggades" in client.get(response.json()["location"]).content.decode()


def test_a_form_posted_with_someone_elses_key_is_refused_with_a_message(
    client, sergels, stockholm_field_worker, stockholm_coordinator
):
    key = uuid.uuid4()
    services.log_observation(
        by=stockholm_coordinator, scene=sergels, client_uuid=key, **fields(sergels)
    )
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    response = client.post(NEW, observation_post(sergels, client_uuid=str(key)))
    assert response.status_code == 200
    assert "nyckel har redan använts" in response.content.decode()
    assert Observation.objects.count() == before


def test_the_form_without_a_key_still_logs(sergels, stockholm_field_worker):
    """A page kept from before the key existed still works (no key: no replay check)."""
    form = ObservationForm(observation_post(sergels), user=stockholm_field_worker)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["client_uuid"] is None


# --- The API ------------------------------------------------------------------------------


def test_the_api_answers_a_repeat_with_the_stored_row(stockholm_field_worker, sergels):
    data = payload(sergels, client_uuid=str(uuid.uuid4()))
    client = api(stockholm_field_worker)
    first = client.post(API, data, format="json")
    second = client.post(API, data, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert first.json()["client_uuid"] == data["client_uuid"]
    assert Observation.objects.filter(client_uuid=data["client_uuid"]).count() == 1


def test_the_api_refuses_a_key_of_a_row_the_caller_did_not_log_without_its_content(
    stockholm_field_worker, stockholm_coordinator, sergels
):
    key = str(uuid.uuid4())
    stored = api(stockholm_field_worker).post(
        API, payload(sergels, client_uuid=key, description="Bara vi"), format="json"
    )
    assert stored.status_code == 201
    other = api(stockholm_coordinator).post(API, payload(sergels, client_uuid=key), format="json")
    assert other.status_code == 409
    body = other.json()
    assert body["code"] == "client_uuid_used"
    assert "Bara vi" not in other.content.decode()
    assert str(stored.json()["id"]) not in body["detail"]
    assert Observation.objects.filter(client_uuid=key).count() == 1


def test_the_api_refuses_a_key_that_is_not_a_uuid(stockholm_field_worker, sergels):
    response = api(stockholm_field_worker).post(
        API, payload(sergels, client_uuid="inte-en-nyckel"), format="json"
    )
    assert response.status_code == 400
    assert "client_uuid" in response.json()
