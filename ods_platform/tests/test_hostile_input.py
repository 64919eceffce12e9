"""Hostile input never breaks a page: each finding of the attack on the running demo, as a test.

Bad input gets a clear error and changes nothing (forms, API); what an older version stored
still renders everywhere (pages, exports, API); the database itself refuses a time that no
page could read back.
"""

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from ods_platform.testing import follow_export
from sara import services as sara
from sara.models import ActionUpdate
from sara.tests.factories import make_action
from scenes.models import Observation, Scene
from scenes.tests.test_api import payload
from scenes.tests.test_views import observation_post

pytestmark = pytest.mark.django_db

NEW = reverse("scenes:observation_create")
ESC = "Grupp vid trappan \x1b[31m röd text"
RLO = "Grupp vid trappan \u202egnilgnal"


@pytest.fixture
def api(stockholm_field_worker):
    client = APIClient()
    client.force_login(stockholm_field_worker)
    return client


def test_a_time_in_year_1_is_refused_by_the_form_the_api_and_the_database(
    client, api, sergels, stockholm_field_worker
):
    before = Observation.objects.count()
    client.force_login(stockholm_field_worker)
    page = client.post(NEW, observation_post(sergels, occurred_at="0001-01-01T00:00"))
    assert page.status_code == 200
    assert "Ange ett datum mellan 2000-01-01 och 2100-12-31." in page.text
    answer = api.post(
        "/api/v1/observations/", payload(sergels, occurred_at="0001-01-01T00:00:00Z"), "json"
    )
    assert answer.status_code == 400 and "occurred_at" in answer.json()
    assert Observation.objects.count() == before
    row = Observation.objects.filter(scene=sergels).first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scenes_observation SET occurred_at = '0001-01-01 00:00+01' WHERE id = %s",
            [row.pk],
        )


@pytest.mark.parametrize("text", [ESC, RLO, "NUL\x00byte", "x" * 4001])
def test_control_and_direction_characters_and_overlong_text_are_refused(
    client, api, sergels, stockholm_field_worker, text
):
    before = Observation.objects.count()
    client.force_login(stockholm_field_worker)
    page = client.post(NEW, observation_post(sergels, description=text))
    assert page.status_code in (200, 400)
    answer = api.post("/api/v1/observations/", payload(sergels, description=text), "json")
    assert answer.status_code == 400
    assert Observation.objects.count() == before


def test_text_stored_before_the_rules_never_breaks_a_page_or_an_export(
    client, sergels, stockholm_field_worker
):
    row = Observation.objects.filter(scene=sergels, restricted=False).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scenes_observation SET description = %s WHERE id = %s", [ESC + RLO, row.pk]
        )
    client.force_login(stockholm_field_worker)
    observations = reverse("scenes:observation_list", args=[sergels.pk])
    for url in (
        observations,
        observations + "?format=xlsx&start=2020-01-01",
        observations + "?format=csv&start=2020-01-01",
        reverse("scenes:observation_detail", args=[row.pk]),
        reverse("scenes:scene_detail", args=[sergels.pk]),
        f"/api/v1/observations/{row.pk}/",
    ):
        # An XLSX export is built by a worker: followed to its download.
        assert follow_export(client, client.get(url)).status_code == 200, url
    detail = client.get(reverse("scenes:observation_detail", args=[row.pk])).text
    assert "<bdi>" in detail  # the text cannot turn the page around it


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/scenes/",
        "/api/v1/observations/",
        "/api/v1/cases/",
        "/api/v1/actions/",
        "/api/v1/reports/",
    ],
)
def test_a_huge_page_size_or_offset_is_bounded_or_refused(api, sergels, path):
    huge = api.get(path, {"limit": "9223372036854775809"})
    assert huge.status_code == 200 and len(huge.json()["results"]) <= 500
    assert api.get(path, {"offset": "9223372036854775809"}).status_code == 400


@pytest.mark.parametrize(
    "value",
    ["1775-06-03T16:14:38+16:44", "2026-06-03T16:14:38+16:44", "0001-01-01T00:00:00Z", "x"],
)
def test_an_impossible_time_in_a_filter_is_a_400(api, sergels, value):
    answer = api.get("/api/v1/observations/", {"occurred_after": value})
    assert answer.status_code == 400 and "occurred_after" in answer.json()


def test_the_scene_page_ignores_an_impossible_period(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    url = reverse("scenes:scene_detail", args=[sergels.pk])
    assert client.get(url, {"start": "0001-01-01", "end": "9999-12-31"}).status_code == 200


def test_a_nul_byte_anywhere_in_a_request_is_a_400(client, api, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    page = client.get("/actors/organisations/", {"q": "\x00"})
    assert page.status_code == 400 and "NUL" in page.text
    assert api.get("/api/v1/scenes/", {"status": "\x00"}).status_code == 400


def test_json_nested_too_deeply_is_a_400(api, sergels):
    body = "[" * 5000 + "]" * 5000
    answer = api.post("/api/v1/observations/", body, content_type="application/json")
    assert answer.status_code == 400
    assert "för djupt" in answer.json()["detail"]


@pytest.mark.parametrize(
    "corners, message",
    [
        ("59.33, 18.06\n59.33, 18.06\n59.33, 18.06", "minst tre olika hörn"),
        ("59.33, 18.06\n59.33, 18.06", "minst tre olika hörn"),
        ("40.0, 18.06\n40.1, 18.06\n40.1, 18.2", "utanför Sverige"),
    ],
)
def test_a_boundary_typed_wrong_gets_a_message(
    client, regional_coordinator, reference_orgs, corners, message
):
    client.force_login(regional_coordinator)
    page = client.post(
        reverse("scenes:scene_create"),
        {
            "name": "Prov",
            "municipality": reference_orgs["kommun-0180"].pk,
            "area_type": "city",
            "place_type": "torgyta",
            "status": "kartlagd",
            "boundary_coordinates": corners,
            "identified_on": "2025-01-01",
        },
    )
    assert page.status_code == 200 and message in page.text
    assert not Scene.objects.filter(name="Prov").exists()


def test_an_action_update_has_a_length_limit_and_dates_are_plausible(
    client, sergels, stockholm, stockholm_coordinator, transit, transit_officer
):
    case = sara.open_case(by=stockholm_coordinator, scene=sergels, owner=stockholm, title="Prov")
    action = make_action(case, transit, title="Belysning")
    api = APIClient()
    api.force_login(transit_officer)
    answer = api.post(f"/api/v1/actions/{action.pk}/updates/", {"text": "x" * 2_000_000}, "json")
    assert answer.status_code == 400
    assert not ActionUpdate.objects.filter(action=action).exists()
    client.force_login(stockholm_coordinator)
    for due in ("1000-01-01", "1970-01-01"):
        page = client.post(
            reverse("sara:action_edit", args=[action.pk]),
            {"title": "Belysning", "responsible": transit.pk, "status": "planerad",
             "due_on": due},
        )  # fmt: skip
        assert page.status_code == 200 and "Ange ett datum mellan" in page.text
    action.refresh_from_db()
    assert action.due_on is None


def test_json_with_control_characters_in_a_key_is_not_a_500(api, sergels):
    body = json.dumps({**payload(sergels), "descr\u0000iption": "x"})
    assert (
        api.post("/api/v1/observations/", body, content_type="application/json").status_code < 500
    )
