"""*Spara och logga en till*: the next form keeps the scene, source, category and groups;
the form's labels are in the UI's language."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from scenes.forms import ObservationForm

from .test_views import NEW, observation_post

pytestmark = pytest.mark.django_db


def test_log_another_redirects_with_what_the_next_observation_shares(
    client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    response = client.post(
        NEW, {**observation_post(sergels, source="faltassistent"), "another": "1"}
    )
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == NEW
    assert parse_qs(url.query) == {
        "scene": [str(sergels.pk)],
        "source": ["faltassistent"],
        "category": ["narkotikaforsaljning"],
        "affected_groups": ["resenarer", "boende"],
    }

    form = client.get(response["Location"]).context["form"]
    assert form.initial["scene"] == sergels.pk
    assert form.initial["source"] == "faltassistent"
    assert form.initial["category"] == "narkotikaforsaljning"
    assert form.initial["affected_groups"] == ["resenarer", "boende"]
    # What describes the one event is not carried over.
    assert "description" not in form.initial and "insecurity" not in form.initial
    html = client.get(response["Location"]).content.decode()
    assert 'value="faltassistent" selected' in html
    assert 'value="resenarer" id="id_affected_groups_' in html and "checked" in html


def test_plain_save_goes_to_the_scene_without_carrying_anything(
    client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    response = client.post(NEW, observation_post(sergels))
    assert response["Location"] == reverse("scenes:scene_detail", args=[sergels.pk])


def test_values_in_the_address_that_are_no_choice_are_left_out(
    client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    query = "source=nonsense&category=narkotikabruk&affected_groups=boende&affected_groups=x"
    form = client.get(f"{NEW}?scene={sergels.pk}&{query}").context["form"]
    assert "source" not in form.initial
    assert form.initial["category"] == "narkotikabruk"
    assert form.initial["affected_groups"] == ["boende"]


def test_the_scene_label_is_swedish_in_the_swedish_ui(stockholm_field_worker):
    with translation.override("sv"):
        assert str(ObservationForm(user=stockholm_field_worker).fields["scene"].label) == "Scen"
    with translation.override("en"):
        assert str(ObservationForm(user=stockholm_field_worker).fields["scene"].label) == "Scene"
