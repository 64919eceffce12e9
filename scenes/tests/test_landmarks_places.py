"""Landmarks on a scene's map, the sub-place page and the offline basemap URL."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from sara.models import Analysis, Method
from sara.services import open_case
from sara.tests.factories import make_action
from scenes.models import Landmark, Observation

pytestmark = pytest.mark.django_db


def _inside(scene):
    c = scene.boundary.centroid
    return c.y, c.x


def test_a_coordinator_adds_a_landmark_and_it_is_on_the_map(client, sergels, stockholm_coordinator):
    lat, lon = _inside(sergels)
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:landmark_create", args=[sergels.pk])
    response = client.post(
        url, {"name": "Entré T-Centralen", "kind": "entrance", "latitude": lat, "longitude": lon}
    )
    assert response.status_code == 302
    landmark = Landmark.objects.get(scene=sergels)
    page = client.get(reverse("scenes:scene_detail", args=[sergels.pk]))
    assert [lm["name"] for lm in page.context["map_data"]["landmarks"]] == ["Entré T-Centralen"]
    assert "Entré T-Centralen" in page.content.decode()
    # A second with the same name gets a message on the form, and nothing is stored.
    again = client.post(
        url, {"name": "Entré T-Centralen", "kind": "stop", "latitude": lat, "longitude": lon}
    )
    assert again.status_code == 200 and again.context["form"].errors
    assert Landmark.objects.filter(scene=sergels).count() == 1
    # Far outside the scene is refused with a reason, and what was typed stays.
    far = client.post(
        url, {"name": "Skolan", "kind": "school", "latitude": 59.9, "longitude": 18.9}
    )
    assert "utanför scenen" in far.content.decode()
    assert far.context["form"]["name"].value() == "Skolan"
    client.post(reverse("scenes:landmark_delete", args=[landmark.pk]))
    assert not Landmark.objects.filter(scene=sergels).exists()


def test_landmarks_follow_the_scenes_rule(
    client, sergels, stockholm_field_worker, botkyrka_coordinator
):
    lat, lon = _inside(sergels)
    landmark = Landmark.objects.create(
        scene=sergels, name="Busshållplats", kind="stop", location=Point(lon, lat, srid=4326)
    )
    edit = reverse("scenes:landmark_edit", args=[landmark.pk])
    assert client.get(edit).status_code == 302  # anonymous: to the log-in page
    client.force_login(stockholm_field_worker)  # on the team, but not a coordinator
    assert client.get(edit).status_code == 403
    assert client.get(reverse("scenes:landmark_create", args=[sergels.pk])).status_code == 403
    client.force_login(botkyrka_coordinator)  # not on the team: it does not exist for them
    assert client.get(edit).status_code == 404
    assert client.post(reverse("scenes:landmark_delete", args=[landmark.pk])).status_code == 404
    assert Landmark.objects.filter(pk=landmark.pk).exists()


def test_the_sub_place_page_has_its_own_analysis_and_sara_work(
    client, sergels, stockholm_coordinator, botkyrka_coordinator, reference_orgs, method_catalogue
):
    place = sergels.places.first()
    stockholm = reference_orgs["kommun-0180"]
    lat, lon = _inside(sergels)
    now = timezone.now()
    Observation.objects.bulk_create(
        [
            Observation(
                scene=sergels, place=place, location=Point(lon, lat, srid=4326),
                occurred_at=now - timedelta(days=1 + i % 30, hours=i % 5), category="narkotikabruk",
                source="egen", insecurity=3, reported_by=stockholm_coordinator,
                organisation=stockholm,
            )
            for i in range(40)
        ]
    )  # fmt: skip
    case = open_case(
        by=stockholm_coordinator, scene=sergels, owner=stockholm, title="Trappan kvällstid"
    )
    finding = Analysis.objects.create(
        case=case, place=place, area="place", finding="Mörkt hörn utan insyn",
        manager="Fastighetsägaren", manager_weak=True,
    )  # fmt: skip
    make_action(
        case, stockholm, title="Ny belysning", analysis=finding, method=Method.objects.first()
    )
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:place_detail", args=[place.pk])
    page = client.get(url)
    assert page.status_code == 200
    result = page.context["result"]
    here = Observation.objects.visible_to(stockholm_coordinator).filter(place=place)
    start = page.context["start"]
    assert result.total == here.filter(occurred_at__gte=start).count() >= 40
    html = page.content.decode()
    assert "Mörkt hörn utan insyn" in html and "Ny belysning" in html and "Fastighetsägaren" in html
    assert 'id="concentration"' in html and 'id="peaks"' in html
    # Linked from the scene page.
    assert url in client.get(reverse("scenes:scene_detail", args=[sergels.pk])).content.decode()
    client.force_login(botkyrka_coordinator)
    assert client.get(url).status_code == 404


def test_the_basemap_is_served_in_ranges_only_when_configured(
    client, stockholm_coordinator, settings, tmp_path
):
    url = reverse("scenes:basemap")
    archive = tmp_path / "basemap.pmtiles"
    archive.write_bytes(bytes(range(256)) * 4)
    settings.ODS_BASEMAP_PMTILES = str(archive)
    assert client.get(url).status_code == 302  # log-in first
    client.force_login(stockholm_coordinator)
    part = client.get(url, HTTP_RANGE="bytes=0-126")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 0-126/1024"
    assert part.content == (bytes(range(256)) * 4)[:127]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail.content == (bytes(range(256)) * 4)[-10:]
    assert client.get(url, HTTP_RANGE="bytes=5000-").status_code == 416
    assert client.get(url, HTTP_RANGE="lines=1-2").status_code == 416
    assert b"".join(client.get(url).streaming_content) == archive.read_bytes()
    settings.ODS_BASEMAP_PMTILES = ""
    assert client.get(url, HTTP_RANGE="bytes=0-1").status_code == 404
