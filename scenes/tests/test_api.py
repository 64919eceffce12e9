"""The REST API at /api/v1/: who sees what, logging observations, GeoJSON, query counts."""

import json
import re
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from actors.tests.factories import MembershipFactory, UserFactory
from scenes.models import PERSONAL_DATA_MESSAGE, Observation, Place
from scenes.services import create_scene, join_team

pytestmark = pytest.mark.django_db

SERGELS_TORG = (18.0649, 59.3326)
MEDBORGARPLATSEN = (18.0735, 59.3143)
FITTJA = (17.8609, 59.2463)
# A Luhn-valid personnummer (a well-known test number).
PERSONNUMMER = "811228-9874"


def square(lon, lat, half=0.001):
    """A small square scene boundary around (lon, lat): about 110 m by 220 m."""
    ring = (
        (lon - half, lat - half / 2),
        (lon + half, lat - half / 2),
        (lon + half, lat + half / 2),
        (lon - half, lat + half / 2),
        (lon - half, lat - half / 2),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


def make_scene(by, municipality, name, centre, *, team=(), status="aktiv", place_type="torgyta"):
    scene = create_scene(
        by=by,
        lead=municipality,
        name=name,
        municipality=municipality,
        area_type="city",
        place_type=place_type,
        status=status,
        boundary=square(*centre),
        identified_on=date(2025, 3, 1),
    )
    for org in team:
        join_team(
            scene,
            org,
            by=by,
            basis="agreement",
            basis_reference="SÖ-1",
            basis_date=date(2025, 1, 1),
        )
    return scene


def make_observation(scene, user, org, *, minutes_ago=60, **fields):
    lon, lat = scene.boundary.centroid.coords
    return Observation.objects.create(
        scene=scene,
        location=Point(lon, lat, srid=4326),
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        category=fields.pop("category", "narkotikabruk"),
        source=fields.pop("source", "egen"),
        insecurity=3,
        reported_by=user,
        organisation=org,
        **fields,
    )


@pytest.fixture
def stockholm_scene(stockholm_coordinator, stockholm, reference_orgs):
    return make_scene(
        stockholm_coordinator,
        stockholm,
        "Sergels torg (test)",
        SERGELS_TORG,
        team=[reference_orgs["lpo-city"]],
    )


@pytest.fixture
def other_stockholm_scene(stockholm_coordinator, stockholm):
    return make_scene(stockholm_coordinator, stockholm, "Medborgarplatsen (test)", MEDBORGARPLATSEN)


@pytest.fixture
def botkyrka_scene(botkyrka_coordinator, botkyrka):
    return make_scene(
        botkyrka_coordinator,
        botkyrka,
        "Fittja centrum (test)",
        FITTJA,
        status="kartlagd",
        place_type="stationsomrade",
    )


@pytest.fixture
def stockholm_place(stockholm_scene):
    return Place.objects.create(
        scene=stockholm_scene, name="Plattan", geometry=Point(*SERGELS_TORG, srid=4326)
    )


@pytest.fixture
def botkyrka_place(botkyrka_scene):
    return Place.objects.create(
        scene=botkyrka_scene, name="Väntsalen", geometry=Point(*FITTJA, srid=4326)
    )


@pytest.fixture
def stockholm_observation(stockholm_scene, stockholm_field_worker, stockholm):
    return make_observation(stockholm_scene, stockholm_field_worker, stockholm)


@pytest.fixture
def botkyrka_observation(botkyrka_scene, botkyrka_coordinator, botkyrka):
    return make_observation(botkyrka_scene, botkyrka_coordinator, botkyrka)


@pytest.fixture
def api():
    """An API client; `api(user)` signs the user in with a session."""
    client = APIClient()

    def as_user(user=None):
        if user is not None:
            client.force_login(user)
        return client

    return as_user


def payload(scene, **overrides):
    lon, lat = scene.boundary.centroid.coords
    data = {
        "scene": scene.pk,
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "category": "narkotikaforsaljning",
        "people_count": 12,
        "affected_groups": ["boende", "forbipasserande"],
        "source": "egen",
        "insecurity": 4,
        "description": "Många personer samlade vid trappan.",
    }
    data.update(overrides)
    return data


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- Signing in -----------------------------------------------------------------------------


def test_anonymous_is_refused_everywhere(
    api, stockholm_scene, stockholm_place, stockholm_observation
):
    client = api()
    for url in [
        "/api/v1/",
        "/api/v1/scenes/",
        f"/api/v1/scenes/{stockholm_scene.pk}/",
        f"/api/v1/scenes/{stockholm_scene.pk}/places/",
        "/api/v1/observations/",
        f"/api/v1/observations/{stockholm_observation.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
    response = client.post("/api/v1/observations/", payload(stockholm_scene), format="json")
    assert response.status_code == 401
    assert Observation.objects.count() == 1


def test_token_authentication(api, stockholm_field_worker, stockholm_scene, botkyrka_scene):
    token = Token.objects.create(user=stockholm_field_worker)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get("/api/v1/scenes/")) == {stockholm_scene.pk}
    response = client.post("/api/v1/observations/", payload(stockholm_scene), format="json")
    assert response.status_code == 201, response.content
    assert Observation.objects.get().reported_by == stockholm_field_worker

    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/scenes/").status_code == 401


# --- Who sees what ----------------------------------------------------------------------------


def test_scene_list_and_detail(api, stockholm_field_worker, stockholm_scene, reference_orgs):
    response = api(stockholm_field_worker).get("/api/v1/scenes/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    scene = body["results"][0]
    assert scene["id"] == stockholm_scene.pk
    assert scene["name"] == "Sergels torg (test)"
    assert scene["municipality"] == {
        "id": reference_orgs["kommun-0180"].pk,
        "name": reference_orgs["kommun-0180"].name,
    }
    assert scene["area_type"] == "city"
    assert scene["place_type"] == "torgyta"
    assert scene["status"]["value"] == "aktiv"
    assert scene["status"]["label"]
    assert scene["identified_on"] == "2025-03-01"
    assert scene["closed_on"] is None
    assert scene["boundary"]["type"] == "MultiPolygon"
    ring = scene["boundary"]["coordinates"][0][0]
    assert ring[0] == ring[-1]
    assert ring[0] == pytest.approx([SERGELS_TORG[0] - 0.001, SERGELS_TORG[1] - 0.0005])
    team = {(m["organisation"]["id"], m["is_lead"]) for m in scene["team"]}
    assert team == {
        (reference_orgs["kommun-0180"].pk, True),
        (reference_orgs["lpo-city"].pk, False),
    }
    detail = api(stockholm_field_worker).get(f"/api/v1/scenes/{stockholm_scene.pk}/")
    assert detail.status_code == 200
    assert detail.json() == scene


def test_scene_places(api, stockholm_field_worker, stockholm_scene, stockholm_place):
    Place.objects.create(
        scene=stockholm_scene,
        name="Trappan",
        geometry=MultiPolygon(Polygon.from_bbox((18.064, 59.3324, 18.065, 59.3328)), srid=4326),
    )
    response = api(stockholm_field_worker).get(f"/api/v1/scenes/{stockholm_scene.pk}/places/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [p["name"] for p in rows] == ["Plattan", "Trappan"]
    assert rows[0] == {
        "id": stockholm_place.pk,
        "name": "Plattan",
        "description": "",
        "geometry": {"type": "Point", "coordinates": list(SERGELS_TORG)},
    }
    assert rows[1]["geometry"]["type"] == "MultiPolygon"


def test_scene_filters(
    api, stad_evaluator, stockholm_scene, other_stockholm_scene, botkyrka_scene, botkyrka
):
    client = api(stad_evaluator)
    assert ids(client.get("/api/v1/scenes/", {"municipality": botkyrka.pk})) == {botkyrka_scene.pk}
    assert ids(client.get("/api/v1/scenes/", {"status": "kartlagd"})) == {botkyrka_scene.pk}
    assert ids(client.get("/api/v1/scenes/", {"place_type": "torgyta"})) == {
        stockholm_scene.pk,
        other_stockholm_scene.pk,
    }
    assert client.get("/api/v1/scenes/", {"status": "nonsense"}).status_code == 400


def test_botkyrka_sees_only_botkyrka(
    api,
    botkyrka_coordinator,
    stockholm_scene,
    stockholm_place,
    stockholm_observation,
    botkyrka_scene,
    botkyrka_place,
    botkyrka_observation,
):
    client = api(botkyrka_coordinator)
    assert ids(client.get("/api/v1/scenes/")) == {botkyrka_scene.pk}
    assert client.get(f"/api/v1/scenes/{stockholm_scene.pk}/").status_code == 404
    assert client.get(f"/api/v1/scenes/{stockholm_scene.pk}/places/").status_code == 404
    assert client.get(f"/api/v1/scenes/{botkyrka_scene.pk}/").status_code == 200
    places = client.get(f"/api/v1/scenes/{botkyrka_scene.pk}/places/")
    assert ids(places) == {botkyrka_place.pk}

    assert ids(client.get("/api/v1/observations/")) == {botkyrka_observation.pk}
    url = f"/api/v1/observations/{stockholm_observation.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/observations/{botkyrka_observation.pk}/").status_code == 200

    # Filtering by a scene or sub-place one cannot see never brings its rows.
    for params in [{"scene": stockholm_scene.pk}, {"place": stockholm_place.pk}]:
        response = client.get("/api/v1/observations/", params)
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert response.json()["results"] == []


def test_outsider_sees_nothing_and_cannot_log(
    api, outsider, stockholm_scene, stockholm_observation
):
    client = api(outsider)
    assert ids(client.get("/api/v1/scenes/")) == set()
    assert ids(client.get("/api/v1/observations/")) == set()
    assert client.get(f"/api/v1/scenes/{stockholm_scene.pk}/").status_code == 404
    response = client.post("/api/v1/observations/", payload(stockholm_scene), format="json")
    assert response.status_code == 403
    assert Observation.objects.count() == 1


def test_evaluator_reads_everything_but_cannot_log(
    api, stad_evaluator, stockholm_scene, botkyrka_scene, stockholm_observation
):
    client = api(stad_evaluator)
    assert ids(client.get("/api/v1/scenes/")) == {stockholm_scene.pk, botkyrka_scene.pk}
    assert ids(client.get("/api/v1/observations/")) == {stockholm_observation.pk}
    response = client.post("/api/v1/observations/", payload(stockholm_scene), format="json")
    assert response.status_code == 403
    assert Observation.objects.count() == 1


def test_observation_filters(
    api, stad_evaluator, stockholm_scene, stockholm_place, botkyrka_scene, stockholm, botkyrka
):
    user = stad_evaluator
    old = make_observation(stockholm_scene, user, stockholm, minutes_ago=60 * 24 * 10)
    sale = make_observation(
        stockholm_scene, user, stockholm, category="narkotikaforsaljning", source="polis"
    )
    at_place = make_observation(stockholm_scene, user, stockholm, place=stockholm_place)
    fittja = make_observation(botkyrka_scene, user, botkyrka)
    client = api(user)
    get = lambda **params: ids(client.get("/api/v1/observations/", params))  # noqa: E731
    assert get() == {old.pk, sale.pk, at_place.pk, fittja.pk}
    assert get(scene=botkyrka_scene.pk) == {fittja.pk}
    assert get(category="narkotikaforsaljning") == {sale.pk}
    assert get(source="polis") == {sale.pk}
    assert get(place=stockholm_place.pk) == {at_place.pk}
    week_ago = (timezone.now() - timedelta(days=7)).isoformat()
    assert get(occurred_after=week_ago) == {sale.pk, at_place.pk, fittja.pk}
    assert get(occurred_before=week_ago) == {old.pk}
    for params in [{"occurred_after": "yesterday"}, {"scene": "x"}, {"category": "nope"}]:
        assert client.get("/api/v1/observations/", params).status_code == 400


# --- Logging observations ---------------------------------------------------------------------


def test_field_worker_logs_an_observation(
    api, stockholm_field_worker, stockholm_scene, stockholm_place, stockholm
):
    data = payload(stockholm_scene, place=stockholm_place.pk)
    response = api(stockholm_field_worker).post("/api/v1/observations/", data, format="json")
    assert response.status_code == 201, response.content
    observation = Observation.objects.get()
    assert observation.organisation == stockholm
    assert observation.reported_by == stockholm_field_worker
    assert observation.scene == stockholm_scene
    assert observation.place == stockholm_place
    assert observation.category == "narkotikaforsaljning"
    assert observation.people_count == 12
    assert observation.affected_groups == ["boende", "forbipasserande"]
    assert observation.insecurity == 4
    assert observation.location.coords == pytest.approx(stockholm_scene.boundary.centroid.coords)

    body = response.json()
    assert body["id"] == observation.pk
    assert body["organisation"] == {"id": stockholm.pk, "name": stockholm.name}
    assert body["reported_by"] == "sthlm.falt"
    assert body["location"]["type"] == "Point"
    assert body["location"]["coordinates"] == pytest.approx(data["location"]["coordinates"])
    assert body["scene"] == stockholm_scene.pk
    assert body["place"] == stockholm_place.pk
    assert body["created_at"]
    assert body["duplicate_of"] is None
    # The answer to a POST also offers possible duplicates (none here); a GET has no such key.
    assert body.pop("possible_duplicates") == []

    detail = api(stockholm_field_worker).get(f"/api/v1/observations/{observation.pk}/")
    assert detail.status_code == 200
    assert detail.json() == body


def test_client_cannot_set_reporter_or_log_for_another_organisation(
    api, stockholm_field_worker, stockholm_scene, botkyrka, stockholm, botkyrka_coordinator
):
    client = api(stockholm_field_worker)
    data = payload(stockholm_scene, organisation=botkyrka.pk, reported_by="botkyrka.samordnare")
    response = client.post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"organisation"}
    assert not Observation.objects.exists()

    data = payload(stockholm_scene, organisation=stockholm.pk, reported_by="botkyrka.samordnare")
    response = client.post("/api/v1/observations/", data, format="json")
    assert response.status_code == 201, response.content
    assert Observation.objects.get().reported_by == stockholm_field_worker


def test_personnummer_in_description_is_refused(api, stockholm_field_worker, stockholm_scene):
    data = payload(stockholm_scene, description=f"Personen med nummer {PERSONNUMMER} sålde.")
    response = api(stockholm_field_worker).post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    with translation.override("sv"):
        expected = str(PERSONAL_DATA_MESSAGE)
    assert response.json() == {"description": [expected]}
    assert not Observation.objects.exists()


def test_point_far_from_scene_is_refused(api, stockholm_field_worker, stockholm_scene):
    lon, lat = SERGELS_TORG
    # About 2.2 km north of the boundary.
    location = {"type": "Point", "coordinates": [lon, lat + 0.02]}
    data = payload(stockholm_scene, location=location)
    response = api(stockholm_field_worker).post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"location"}
    assert "200" in errors["location"][0]
    assert not Observation.objects.exists()


def test_time_in_the_future_is_refused(api, stockholm_field_worker, stockholm_scene):
    data = payload(stockholm_scene, occurred_at=(timezone.now() + timedelta(hours=2)).isoformat())
    response = api(stockholm_field_worker).post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"occurred_at"}
    assert not Observation.objects.exists()


def test_all_model_errors_are_reported_together(api, stockholm_field_worker, stockholm_scene):
    lon, lat = SERGELS_TORG
    data = payload(
        stockholm_scene,
        description=PERSONNUMMER,
        occurred_at=(timezone.now() + timedelta(days=1)).isoformat(),
        location={"type": "Point", "coordinates": [lon, lat + 0.02]},
    )
    response = api(stockholm_field_worker).post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"description", "occurred_at", "location"}
    assert not Observation.objects.exists()


def test_forged_scene_of_another_municipality_is_refused(
    api, stockholm_field_worker, stockholm_scene, botkyrka_scene
):
    client = api(stockholm_field_worker)
    client.cookies["django_language"] = "en"
    data = payload(botkyrka_scene)
    response = client.post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "scene": [f'Invalid pk "{botkyrka_scene.pk}" - object does not exist.']
    }
    assert not Observation.objects.exists()
    # The answer is the same as for a scene that does not exist at all.
    missing = botkyrka_scene.pk + 1000
    response = client.post("/api/v1/observations/", {**data, "scene": missing}, format="json")
    assert response.json() == {"scene": [f'Invalid pk "{missing}" - object does not exist.']}


def test_place_must_be_visible_and_in_the_scene(
    api, stockholm_field_worker, stockholm_scene, other_stockholm_scene, botkyrka_place
):
    other_place = Place.objects.create(
        scene=other_stockholm_scene, name="Parken", geometry=Point(*MEDBORGARPLATSEN, srid=4326)
    )
    client = api(stockholm_field_worker)
    client.cookies["django_language"] = "en"
    data = payload(stockholm_scene, place=botkyrka_place.pk)
    response = client.post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "place": [f'Invalid pk "{botkyrka_place.pk}" - object does not exist.']
    }
    # A visible sub-place of another scene: the model's own rule.
    data = payload(stockholm_scene, place=other_place.pk)
    response = client.post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {"place": ["The sub-place belongs to another scene."]}
    assert not Observation.objects.exists()


def test_visible_scene_without_logging_right_is_forbidden(
    api, stockholm_scene, botkyrka_scene, reference_orgs
):
    # An evaluator who is also a case officer in Botkyrka sees every scene, but logs only
    # at Botkyrka's.
    user = UserFactory(username="dubbel.roll")
    MembershipFactory(user=user, organisation=reference_orgs["stad"], role="evaluator")
    MembershipFactory(user=user, organisation=reference_orgs["kommun-0127"], role="case_officer")
    client = api(user)
    response = client.post("/api/v1/observations/", payload(stockholm_scene), format="json")
    assert response.status_code == 403
    assert not Observation.objects.exists()
    response = client.post("/api/v1/observations/", payload(botkyrka_scene), format="json")
    assert response.status_code == 201, response.content
    assert Observation.objects.get().organisation == reference_orgs["kommun-0127"]


@pytest.mark.parametrize(
    "location",
    [
        "18.0649,59.3326",
        "POINT(18.0649 59.3326)",
        [18.0649, 59.3326],
        None,
        {"type": "Polygon", "coordinates": [[[18, 59], [18.1, 59], [18.1, 59.1], [18, 59]]]},
        {"type": "point", "coordinates": [18.0649, 59.3326]},
        {"type": "Point", "coordinates": ["18.0649", "59.3326"]},
        {"type": "Point", "coordinates": [18.0649]},
        {"type": "Point", "coordinates": [18.0649, 59.3326, 12.0]},
        {"type": "Point", "coordinates": [True, 59.3326]},
        {"type": "Point", "coordinates": [218.0649, 59.3326]},
        {"type": "Point", "coordinates": [18.0649, -91]},
        {"type": "Point", "coordinates": [10**400, 59.3326]},
        {"type": "Point", "coordinates": "18.0649 59.3326"},
        {"type": "Point"},
        {
            "type": "Point",
            "coordinates": [674000, 6580000],
            "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
        },
    ],
)
def test_malformed_location_is_refused(api, stockholm_field_worker, stockholm_scene, location):
    data = payload(stockholm_scene, location=location)
    response = api(stockholm_field_worker).post("/api/v1/observations/", data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"location"}
    assert not Observation.objects.exists()


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_coordinates_are_refused(api, stockholm_field_worker, stockholm_scene, number):
    body = json.dumps(payload(stockholm_scene, location="LOCATION")).replace(
        '"LOCATION"', f'{{"type": "Point", "coordinates": [{number}, 59.3326]}}'
    )
    client = api(stockholm_field_worker)
    response = client.post("/api/v1/observations/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_form_encoded_body_is_refused(api, stockholm_field_worker, stockholm_scene):
    data = payload(stockholm_scene, location="18.0649,59.3326", affected_groups=[])
    response = api(stockholm_field_worker).post("/api/v1/observations/", data)
    assert response.status_code == 415
    assert not Observation.objects.exists()


def test_observations_cannot_be_changed_or_deleted(
    api, stockholm_field_worker, stockholm_observation
):
    client = api(stockholm_field_worker)
    url = f"/api/v1/observations/{stockholm_observation.pk}/"
    assert client.put(url, {}, format="json").status_code == 405
    assert client.patch(url, {"insecurity": 1}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    stockholm_observation.refresh_from_db()
    assert stockholm_observation.insecurity == 3


# --- Query counts ---------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_scene_list_queries_do_not_grow_with_rows(
    api, regional_coordinator, reference_orgs, django_assert_max_num_queries
):
    stockholm = reference_orgs["kommun-0180"]
    partners = [reference_orgs["lpo-city"], reference_orgs["kriminalvarden"]]
    make_scene(regional_coordinator, stockholm, "Scen 0", SERGELS_TORG, team=partners)
    client = api(regional_coordinator)
    small, count = count_queries(client, "/api/v1/scenes/")
    assert count == 1
    for i in range(1, 8):
        centre = (SERGELS_TORG[0] + i * 0.01, SERGELS_TORG[1])
        make_scene(regional_coordinator, stockholm, f"Scen {i}", centre, team=partners)
    with django_assert_max_num_queries(small):
        response = client.get("/api/v1/scenes/")
    assert response.json()["count"] == 8
    assert all(len(s["team"]) == 3 for s in response.json()["results"])


def test_observation_list_queries_do_not_grow_with_rows(
    api,
    stockholm_field_worker,
    stockholm_scene,
    stockholm_place,
    stockholm,
    police_officer,
    reference_orgs,
    django_assert_max_num_queries,
):
    make_observation(stockholm_scene, stockholm_field_worker, stockholm, place=stockholm_place)
    client = api(stockholm_field_worker)
    small, count = count_queries(client, "/api/v1/observations/")
    assert count == 1
    for i in range(20):
        user, org = (
            (police_officer, reference_orgs["lpo-city"])
            if i % 2
            else (stockholm_field_worker, stockholm)
        )
        make_observation(stockholm_scene, user, org, minutes_ago=i + 1, place=stockholm_place)
    with django_assert_max_num_queries(small):
        response = client.get("/api/v1/observations/")
    assert response.json()["count"] == 21
    assert {o["reported_by"] for o in response.json()["results"]} == {"sthlm.falt", "polis.city"}


# --- The schema -----------------------------------------------------------------------------


def test_openapi_schema_describes_the_api(api, stockholm_field_worker):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    assert "/api/v1/scenes/{scene_pk}/places/" in paths
    assert set(paths["/api/v1/observations/"]) == {"get", "post"}
    assert set(paths["/api/v1/observations/{id}/"]) == {"get"}
    observation = schema["components"]["schemas"]["Observation"]["properties"]
    assert observation["location"]["properties"]["type"]["enum"] == ["Point"]


def test_browsable_api_uses_only_own_assets(api, stockholm_field_worker, stockholm_scene):
    """DRF's browsable API is the documentation page: it must work under the CSP."""
    client = api(stockholm_field_worker)
    for url in ["/api/v1/", "/api/v1/scenes/", "/api/v1/observations/"]:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script src=" in html
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", html):
            assert "//" not in tag, tag
