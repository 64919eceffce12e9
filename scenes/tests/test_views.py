"""Logging observations, creating and editing scenes, lists, exports and query counts."""

import io
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from ods_platform.testing import content_of, follow_export
from scenes.models import Observation, Scene, StatusChange

pytestmark = pytest.mark.django_db

NEW = reverse("scenes:observation_create")


def _centre(scene):
    c = scene.boundary.centroid
    return c.y, c.x


def observation_post(at_scene, **overrides):
    lat, lon = _centre(at_scene)
    data = {
        "scene": at_scene.pk,
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": "narkotikaforsaljning",
        "source": "egen",
        "insecurity": "4",
        "people_count": "6",
        "affected_groups": ["resenarer", "boende"],
        "description": "Grupp vid trappan, tydlig langning.",
    }
    data.update(overrides)
    return data


def test_field_worker_logs_an_observation(client, sergels, stockholm_field_worker, reference_orgs):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    response = client.post(NEW, observation_post(sergels))
    assert response.status_code == 302
    assert Observation.objects.count() == before + 1
    obs = Observation.objects.latest("created_at")
    assert obs.scene == sergels
    assert obs.organisation == reference_orgs["kommun-0180"]
    assert obs.reported_by == stockholm_field_worker
    assert obs.affected_groups == ["resenarer", "boende"] or set(obs.affected_groups) == {
        "resenarer",
        "boende",
    }
    # The next form starts at the same scene.
    assert client.get(NEW).context["form"].initial["scene"] == sergels.pk


def test_form_defaults_to_now_and_the_only_scene(client, fittja, botkyrka_coordinator):
    client.force_login(botkyrka_coordinator)
    # The clock stands still, so the page and the assertion read the same minute.
    with time_machine.travel(timezone.now(), tick=False):
        form = client.get(NEW).context["form"]
        assert form.initial["occurred_at"] == timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    assert form.initial["scene"] == fittja.pk


@pytest.mark.parametrize(
    "number", ["811228-9874", "198112289874", "8112289874", "811228+9874", "701063-2391"]
)
def test_personal_identity_number_is_refused_and_the_typed_text_kept(
    client, sergels, stockholm_field_worker, number
):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    text = f"Person med pnr {number} vid porten"
    response = client.post(NEW, observation_post(sergels, description=text))
    assert response.status_code == 200
    assert Observation.objects.count() == before
    page = response.content.decode()
    assert "personnummer" in page
    assert text in page  # nothing typed is lost
    assert 'value="6"' in page


def test_a_number_that_is_not_luhn_valid_is_accepted(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    response = client.post(NEW, observation_post(sergels, description="Ärende 811228-9875"))
    assert response.status_code == 302


def test_a_point_far_outside_the_scene_is_refused(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    lat, _lon = _centre(sergels)
    response = client.post(NEW, observation_post(sergels, latitude=f"{lat + 0.02:.6f}"))
    assert response.status_code == 200
    assert Observation.objects.count() == before
    errors = response.context["form"].errors["latitude"][0]
    assert "utanför scenens gräns" in errors


def test_a_time_in_the_future_is_refused(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    later = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    before = Observation.objects.count()
    response = client.post(NEW, observation_post(sergels, occurred_at=later))
    assert response.status_code == 200
    assert Observation.objects.count() == before
    assert "framtiden" in response.context["form"].errors["occurred_at"][0]


def test_forged_scene_and_place_ids_change_nothing(client, sergels, fittja, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    response = client.post(NEW, observation_post(fittja))
    assert response.status_code == 200
    assert "scene" in response.context["form"].errors
    other_place = fittja.places.first()
    response = client.post(NEW, observation_post(sergels, place=other_place.pk))
    assert "place" in response.context["form"].errors
    assert Observation.objects.count() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"latitude": "abc"},
        {"latitude": "nan"},
        {"insecurity": "9"},
        {"category": "nonsense"},
        {"occurred_at": "igår"},
        {"people_count": "-3"},
        {"scene": "999999"},
    ],
)
def test_bad_input_gets_an_error_and_saves_nothing(
    client, sergels, stockholm_field_worker, overrides
):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    response = client.post(NEW, observation_post(sergels, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert Observation.objects.count() == before


def test_coordinator_creates_a_scene_from_typed_corners(
    client, stockholm_coordinator, reference_orgs, demo_scenes
):
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("scenes:scene_create"),
        {
            "name": "Ny testscen",
            "municipality": reference_orgs["kommun-0180"].pk,
            "area_type": "city",
            "place_type": "park",
            "status": "kartlagd",
            "boundary_coordinates": (
                "59.3400, 18.0600\n59.3400, 18.0650\n59.3380, 18.0650\n59.3380, 18.0600"
            ),
            "identified_on": "2026-10-01",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    scene = Scene.objects.get(name="Ny testscen")
    assert scene.team.get(is_lead=True).organisation.slug == "kommun-0180"
    assert StatusChange.objects.filter(scene=scene, status="kartlagd").count() == 1
    assert client.get(reverse("scenes:scene_detail", args=[scene.pk])).status_code == 200


def test_coordinator_cannot_create_in_another_municipality(
    client, botkyrka_coordinator, reference_orgs, demo_scenes
):
    client.force_login(botkyrka_coordinator)
    response = client.post(
        reverse("scenes:scene_create"),
        {
            "name": "Fel kommun",
            "municipality": reference_orgs["kommun-0180"].pk,
            "area_type": "city",
            "place_type": "park",
            "status": "kartlagd",
            "boundary_coordinates": "59.34, 18.06\n59.34, 18.07\n59.33, 18.07",
            "identified_on": "2026-10-01",
        },
    )
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert response.context["form"]["name"].value() == "Fel kommun"
    assert not Scene.objects.filter(name="Fel kommun").exists()


def test_case_officers_cannot_create_scenes(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    assert client.get(reverse("scenes:scene_create")).status_code == 403


def test_a_status_change_is_recorded_with_who_and_when(client, sergels, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    form = client.get(reverse("scenes:scene_edit", args=[sergels.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "boundary"}
    data.update(
        municipality=sergels.municipality_id,
        boundary=sergels.boundary.geojson,
        status="minskad",
        status_comment="Färre händelser efter insatserna.",
        identified_on=sergels.identified_on.isoformat(),
    )
    response = client.post(reverse("scenes:scene_edit", args=[sergels.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    change = sergels.status_changes.first()
    assert (change.status, change.changed_by, change.comment) == (
        "minskad",
        stockholm_coordinator,
        "Färre händelser efter insatserna.",
    )
    page = client.get(reverse("scenes:scene_detail", args=[sergels.pk])).content.decode()
    assert "Färre händelser efter insatserna." in page


def test_observation_list_filters_and_exports(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    url = reverse("scenes:observation_list", args=[sergels.pk])
    start = (timezone.localdate() - timedelta(days=600)).isoformat()
    end = timezone.localdate().isoformat()
    total = sergels.observations.count()
    response = client.get(url, {"start": start, "end": end})
    assert response.context["total"] == total
    response = client.get(url, {"start": start, "end": end, "category": "narkotikaforsaljning"})
    assert (
        response.context["total"]
        == sergels.observations.filter(category="narkotikaforsaljning").count()
    )
    csv = b"".join(
        client.get(url, {"start": start, "end": end, "format": "csv"}).streaming_content
    ).decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == total + 1
    xlsx = follow_export(client, client.get(url, {"start": start, "end": end, "format": "xlsx"}))
    sheet = openpyxl.load_workbook(io.BytesIO(content_of(xlsx))).active
    assert sheet.max_row == total + 1


def test_map_sends_grid_aggregates_past_the_point_limit(
    client, sergels, stockholm_field_worker, settings
):
    client.force_login(stockholm_field_worker)
    url = reverse("scenes:scene_observation_map", args=[sergels.pk]) + "?start=2020-01-01"
    assert client.get(url).json()["mode"] == "points"
    settings.ODS_MAP_POINT_LIMIT = 3
    data = client.get(url).json()
    assert data["mode"] == "grid"
    assert sum(c["count"] for c in data["cells"]) == sergels.observations.count()


def _add_observations(scene, n):
    lat, lon = _centre(scene)
    member = scene.observations.first()
    Observation.objects.bulk_create(
        Observation(
            scene=scene,
            location=Point(lon + i * 1e-5, lat, srid=4326),
            occurred_at=timezone.now() - timedelta(hours=i + 1),
            category="narkotikabruk",
            source="polis",
            insecurity=3,
            organisation=member.organisation,
        )
        for i in range(n)
    )


@pytest.mark.parametrize(
    "url_name", ["scene_detail", "observation_list", "scene_observation_map", "scene_list"]
)
def test_query_counts_do_not_grow_with_rows(
    client, sergels, stockholm_field_worker, django_assert_max_num_queries, url_name
):
    client.force_login(stockholm_field_worker)
    url = (
        reverse("scenes:scene_list")
        if url_name == "scene_list"
        else reverse(f"scenes:{url_name}", args=[sergels.pk])
    )
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_observations(sergels, 300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_second_sub_place_with_the_same_name_gets_a_message(
    client, sergels, stockholm_coordinator
):
    client.force_login(stockholm_coordinator)
    existing = sergels.places.first()
    centre = sergels.boundary.centroid
    response = client.post(
        reverse("scenes:place_create", args=[sergels.pk]),
        {"name": existing.name, "latitude": centre.y, "longitude": centre.x},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert sergels.places.filter(name=existing.name).count() == 1


@pytest.mark.parametrize(
    "now, expected_utc",
    [
        # The second 02:10 of the October night (01:10 UTC): the form's own default time.
        ("2027-10-31T01:10:00+00:00", "2027-10-31T01:10:00+00:00"),
        # The first 02:10 of that night (00:10 UTC).
        ("2027-10-31T00:10:00+00:00", "2027-10-31T00:10:00+00:00"),
    ],
)
def test_the_form_logs_at_the_default_time_on_the_night_the_clocks_go_back(
    client, sergels, stockholm_field_worker, now, expected_utc
):
    from datetime import datetime

    import time_machine

    with time_machine.travel(datetime.fromisoformat(now)):
        client.force_login(stockholm_field_worker)
        default = client.get(NEW).context["form"].initial["occurred_at"]
        assert default == "2027-10-31T02:10"
        response = client.post(NEW, observation_post(sergels, occurred_at=default))
    assert response.status_code == 302
    assert response.url == reverse("scenes:scene_detail", args=[sergels.pk])
    logged = Observation.objects.latest("created_at")
    assert logged.occurred_at == datetime.fromisoformat(expected_utc)


def test_a_time_in_the_hour_skipped_in_march_is_read_as_before_the_change(
    client, sergels, stockholm_field_worker
):
    from datetime import datetime

    import time_machine

    with time_machine.travel(datetime.fromisoformat("2027-03-28T06:00:00+00:00")):
        client.force_login(stockholm_field_worker)
        response = client.post(NEW, observation_post(sergels, occurred_at="2027-03-28T02:30"))
    assert response.status_code == 302
    assert response.url == reverse("scenes:scene_detail", args=[sergels.pk])
    logged = Observation.objects.latest("created_at")
    assert logged.occurred_at == datetime.fromisoformat("2027-03-28T01:30:00+00:00")
