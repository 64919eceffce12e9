"""Duplicates: the same event logged twice is offered as such (same scene and category, within
50 m and 30 minutes, only what the user sees), can be linked by those who may change the
observation, stays listed and marked, and is counted nowhere."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scenes import duplicates
from scenes.models import Observation
from scenes.tests.test_api import FITTJA, SERGELS_TORG, make_scene, payload
from scenes.tests.test_import import HEADINGS, csv_file, upload
from scenes.tests.test_views import observation_post
from situation_reports import services as reports
from situation_reports.snapshot import build_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(stockholm_coordinator, stockholm, police):
    """A small square at Sergels torg; team Stockholms stad (lead) and LPO City."""
    return make_scene(
        stockholm_coordinator, stockholm, "Plattan (test)", SERGELS_TORG, team=[police]
    )


@pytest.fixture
def other_scene(stockholm_coordinator, stockholm, police):
    return make_scene(stockholm_coordinator, stockholm, "Fittja (test)", FITTJA, team=[police])


def at(scene, east_m=0.0):
    """A point `east_m` metres east of the scene's centre (in SWEREF 99 TM)."""
    centre = scene.boundary.centroid.transform(3006, clone=True)
    moved = Point(centre.x + east_m, centre.y, srid=3006)
    return moved.transform(4326, clone=True)


def log(scene, org, *, minutes_ago=60, east_m=0.0, category="narkotikaforsaljning", **fields):
    return Observation.objects.create(
        scene=scene,
        location=at(scene, east_m),
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        category=category,
        source="egen",
        insecurity=3,
        organisation=org,
        **fields,
    )


def new(scene, org, *, minutes_ago=60, east_m=0.0, category="narkotikaforsaljning", **fields):
    """An unsaved observation, as the form or the import would check it."""
    return Observation(
        scene=scene,
        location=at(scene, east_m),
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        category=category,
        source="egen",
        insecurity=3,
        organisation=org,
        **fields,
    )


def offered(observation, user):
    return [c.id for c in duplicates.possible_duplicates(observation, user)]


# --- The rule ---------------------------------------------------------------------------


def test_the_rule_same_scene_same_category_within_50_m_and_30_minutes(
    scene, other_scene, stockholm, police, stockholm_field_worker
):
    near = log(scene, police, minutes_ago=70, east_m=40)  # 10 min before, 40 m away
    later = log(scene, stockholm, minutes_ago=35)  # 25 min after
    log(scene, stockholm, minutes_ago=60, east_m=60)  # 60 m: too far
    log(scene, stockholm, minutes_ago=95)  # 35 min before: outside the window
    log(scene, stockholm, minutes_ago=25)  # 35 min after: outside the window
    log(scene, stockholm, minutes_ago=60, category="vald_hot")  # another category
    elsewhere = log(other_scene, stockholm, minutes_ago=60)
    elsewhere.location = at(scene)  # the very same point, but another scene
    elsewhere.save()
    linked = log(scene, stockholm, minutes_ago=61, duplicate_of=near)  # already a duplicate

    candidates = duplicates.possible_duplicates(new(scene, stockholm), stockholm_field_worker)

    assert [c.id for c in candidates] == [near.pk, later.pk]  # nearest in time first
    assert candidates[0].distance_m == pytest.approx(40, abs=0.5)
    assert round(candidates[0].minutes) == -10 and round(candidates[1].minutes) == 25
    assert linked.pk not in offered(new(scene, stockholm), stockholm_field_worker)


def test_a_saved_observation_is_not_its_own_duplicate(scene, stockholm, stockholm_field_worker):
    first = log(scene, stockholm)
    second = log(scene, stockholm, minutes_ago=55)
    assert offered(first, stockholm_field_worker) == [second.pk]
    assert offered(second, stockholm_field_worker) == [first.pk]


def test_the_limits_are_settings(settings, scene, stockholm, stockholm_field_worker):
    far = log(scene, stockholm, east_m=80, minutes_ago=100)
    assert offered(new(scene, stockholm), stockholm_field_worker) == []
    settings.ODS_DUPLICATE_DISTANCE_M = 100
    settings.ODS_DUPLICATE_WINDOW_MINUTES = 45
    assert offered(new(scene, stockholm), stockholm_field_worker) == [far.pk]


def test_a_kept_observation_of_another_organisation_is_never_offered_nor_counted(
    scene, stockholm, police, police_officer, stockholm_field_worker
):
    kept = log(scene, stockholm, restricted=True, description="Socialtjänstens anteckning.")
    assert offered(new(scene, police), police_officer) == []
    # Its own organisation is offered it only for a row kept the same way (the one kind of
    # row that may be linked to it).
    assert offered(new(scene, stockholm), stockholm_field_worker) == []
    assert offered(new(scene, stockholm, restricted=True), stockholm_field_worker) == [kept.pk]

    # Through the API and on the new observation's page: nothing of the hidden row, not
    # even that there is one.
    client = APIClient()
    client.force_login(police_officer)
    answer = client.post("/api/v1/observations/", payload(scene), format="json")
    assert answer.status_code == 201, answer.content
    first = answer.json()
    assert first["possible_duplicates"] == []
    page = client.get(reverse("scenes:observation_detail", args=[first["id"]]))
    assert page.status_code == 200 and page.context["candidates"] == []
    assert "Möjligen samma händelse" not in page.content.decode()
    # The same answer shape once there is a visible one: ids, time, distance, minutes.
    again = client.post("/api/v1/observations/", payload(scene), format="json").json()
    assert [(d["id"], d["distance_m"]) for d in again["possible_duplicates"]] == [(first["id"], 0)]
    assert set(again["possible_duplicates"][0]) == {"id", "occurred_at", "distance_m", "minutes"}


# --- Linking and who may ------------------------------------------------------------------


def link(client, observation, original):
    url = reverse("scenes:observation_duplicate", args=[observation.pk])
    return client.post(url, {"original": original.pk if original else ""})


def test_the_organisation_that_logged_it_links_and_unlinks(
    client, scene, stockholm, police, stockholm_field_worker
):
    original = log(scene, police, minutes_ago=70)
    repeat = log(scene, stockholm, minutes_ago=60)
    client.force_login(stockholm_field_worker)

    assert link(client, repeat, original).status_code == 302
    repeat.refresh_from_db()
    assert repeat.duplicate_of == original
    assert repeat.duplicate_marked_by == stockholm_field_worker
    assert repeat.duplicate_marked_at is not None

    page = client.get(reverse("scenes:observation_detail", args=[repeat.pk]))
    assert "Dubblett av" in page.content.decode()
    assert page.context["original"] == original

    assert link(client, repeat, None).status_code == 302
    repeat.refresh_from_db()
    assert repeat.duplicate_of is None


def test_linking_needs_the_right_to_change_the_observation(
    client, scene, stockholm, police, police_officer, stockholm_coordinator, botkyrka_coordinator
):
    original = log(scene, police, minutes_ago=70)
    repeat = log(scene, stockholm, minutes_ago=60)
    police_own = log(scene, police, minutes_ago=65)
    kept = log(scene, stockholm, minutes_ago=62, restricted=True)

    client.force_login(botkyrka_coordinator)  # does not see the scene
    assert link(client, repeat, original).status_code == 404
    client.force_login(police_officer)  # sees it, but another organisation logged it
    assert link(client, repeat, original).status_code == 403
    assert link(client, police_own, kept).status_code == 404  # the original is not visible
    assert not Observation.objects.filter(duplicate_of__isnull=False).exists()
    client.force_login(stockholm_coordinator)  # a coordinator of the scene's team
    assert link(client, police_own, original).status_code == 302
    assert Observation.objects.get(pk=police_own.pk).duplicate_of == original
    # The verb holds the same rule.
    with pytest.raises(PermissionDenied):
        duplicates.link_duplicate(repeat, original, by=police_officer)


def test_no_chains_no_self_no_other_scene_no_kept_original(
    scene, other_scene, stockholm, stockholm_coordinator
):
    a = log(scene, stockholm, minutes_ago=70)
    b = log(scene, stockholm, minutes_ago=65)
    c = log(scene, stockholm, minutes_ago=60)
    elsewhere = log(other_scene, stockholm)
    kept = log(scene, stockholm, minutes_ago=62, restricted=True)
    duplicates.link_duplicate(b, a, by=stockholm_coordinator)

    for observation, original, says in [
        (c, b, "själv en dubblett"),  # b is a duplicate: link to a instead
        (a, c, "länkade som dubbletter av den här"),  # a has duplicates
        (c, c, "av sig själv"),
        (c, elsewhere, "samma scen"),
        (c, kept, "hålls inom sin organisation"),
    ]:
        with pytest.raises(ValidationError) as refused:
            duplicates.link_duplicate(observation, original, by=stockholm_coordinator)
        assert says in " ".join(refused.value.messages)
    assert set(
        Observation.objects.filter(duplicate_of__isnull=False).values_list("pk", flat=True)
    ) == {b.pk}


def test_the_form_shows_possible_duplicates_after_saving(
    client, scene, police, stockholm_field_worker, django_assert_max_num_queries
):
    earlier = log(scene, police, minutes_ago=10)
    client.force_login(stockholm_field_worker)
    response = client.post(reverse("scenes:observation_create"), observation_post(scene))
    logged = Observation.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("scenes:observation_detail", args=[logged.pk])
    with django_assert_max_num_queries(25):
        page = client.get(response.url)
    html = page.content.decode()
    assert "Möjligen samma händelse" in html and "Markera som dubblett av denna" in html
    assert [c.id for c in page.context["candidates"]] == [earlier.pk]
    # Without a possible duplicate the form goes on as before.
    earlier.delete()
    logged.delete()
    response = client.post(reverse("scenes:observation_create"), observation_post(scene))
    assert response.url == reverse("scenes:scene_detail", args=[scene.pk])


# --- Counted nowhere ------------------------------------------------------------------------


def test_a_linked_duplicate_leaves_the_scene_page_the_grid_the_map_and_the_lagesbild(
    client, settings, scene, stockholm, police, stockholm_coordinator
):
    settings.ODS_MIN_OBSERVATIONS = 1  # a handful of rows, with every figure stated
    # Three events on three days, and the first one logged again by the police.
    events = [log(scene, stockholm, minutes_ago=60 * 24 * d) for d in (1, 2, 3)]
    repeat = log(scene, police, minutes_ago=60 * 24 + 5, east_m=10)
    today = timezone.localdate()
    period = {"start": today - timedelta(days=29), "end": today}

    def figures():
        page = client.get(reverse("scenes:scene_detail", args=[scene.pk]), period).context
        points = client.get(reverse("scenes:scene_observation_map", args=[scene.pk]), period)
        report = reports.request_report(
            stockholm_coordinator, scope="scene", scene=scene, start=period["start"], end=today
        )
        snapshot = build_snapshot(report)
        return (
            page["observation_count"],
            sum(c.count for c in page["result"].cells),
            len(points.json()["points"]),
            snapshot["what"]["total"],
            sum(h["count"] for h in snapshot["where"]["hotspots"]),
            next(
                s.observation_count
                for s in client.get(reverse("scenes:scene_list")).context["scenes"]
                if s.pk == scene.pk
            ),
        )

    client.force_login(stockholm_coordinator)
    assert figures() == (4, 4, 4, 4, 4, 4)
    duplicates.link_duplicate(repeat, events[0], by=stockholm_coordinator)
    assert figures() == (3, 3, 3, 3, 3, 3)
    # Still listed, marked.
    listed = client.get(reverse("scenes:observation_list", args=[scene.pk]), period)
    assert repeat in listed.context["observations"]
    assert "Dubblett" in listed.content.decode()


# --- Suspected duplicates on the list -------------------------------------------------------


def test_coordinators_resolve_suspected_duplicates_on_the_list(
    client, scene, stockholm, police, stockholm_coordinator, police_officer,
    django_assert_max_num_queries,
):  # fmt: skip
    a = log(scene, police, minutes_ago=70)
    b = log(scene, stockholm, minutes_ago=60)
    c = log(scene, stockholm, minutes_ago=300)
    d = log(scene, police, minutes_ago=290, east_m=20)
    log(scene, stockholm, minutes_ago=600)  # alone
    url = reverse("scenes:observation_list", args=[scene.pk])

    client.force_login(stockholm_coordinator)
    with django_assert_max_num_queries(25):
        page = client.get(url, {"suspected": "1"})
    assert [(o.pk, o.suspected_of) for o in page.context["observations"]] == [
        (b.pk, a.pk),
        (d.pk, c.pk),
    ]
    html = page.content.decode()
    assert "Misstänkta dubbletter" in html and "Inte dubblett" in html

    dismiss = reverse("scenes:duplicate_dismiss", args=[scene.pk])
    assert client.post(dismiss, {"first": c.pk, "second": d.pk}).status_code == 302
    link(client, b, a)
    assert list(client.get(url, {"suspected": "1"}).context["observations"]) == []

    # A case officer of another organisation sees the list but may not dismiss.
    client.force_login(police_officer)
    assert client.post(dismiss, {"first": a.pk, "second": b.pk}).status_code == 403


# --- The import preview -------------------------------------------------------------------


def test_the_import_preview_names_copies_in_the_file_and_stored_observations(
    client, scene, police, stockholm_field_worker
):
    stored = log(scene, police, minutes_ago=180)
    point = at(scene)
    when = timezone.localtime(timezone.now() - timedelta(minutes=175)).strftime("%Y-%m-%d %H:%M")
    other = timezone.localtime(timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    row = [when, "Narkotikaförsäljning", "Polis", "", "6", "", "4",
           f"{point.y:.6f}", f"{point.x:.6f}", "Grupp vid trappan."]  # fmt: skip
    alone = [other, "Våld/hot", "Polis", "", "", "", "2", f"{point.y:.6f}", f"{point.x:.6f}", ""]
    client.force_login(stockholm_field_worker)
    # The file is checked by the worker (the task, called here as the worker would).
    response = upload(client, scene, csv_file([row, list(row), alone], headings=HEADINGS))

    results = response.context["results"]
    assert [r["errors"] for r in results] == [[], [], []]
    (note,) = results[0]["duplicate_notes"]
    assert note.startswith(f"möjlig dubblett av observation {stored.pk} (") and "0 m)" in note
    assert results[1]["duplicate_notes"][0] == f"exakt kopia av rad {results[0]['number']}"
    assert f"observation {stored.pk}" in results[1]["duplicate_notes"][1]
    assert results[2]["duplicate_notes"] == []
    assert response.context["duplicate_count"] == 2
    assert "Möjlig dubblett" in response.content.decode()
    # A warning only: the rows can be imported.
    assert response.context["token"]


def test_the_api_links_and_unlinks_under_the_same_rules(
    scene, stockholm, police, stockholm_field_worker, police_officer, botkyrka_coordinator
):
    original = log(scene, police, minutes_ago=70)
    repeat = log(scene, stockholm, minutes_ago=60)
    kept = log(scene, stockholm, minutes_ago=65, restricted=True)
    url = f"/api/v1/observations/{repeat.pk}/duplicate/"
    client = APIClient()

    client.force_login(botkyrka_coordinator)
    assert client.post(url, {"duplicate_of": original.pk}, format="json").status_code == 404
    client.force_login(police_officer)
    assert client.post(url, {"duplicate_of": original.pk}, format="json").status_code == 403
    police_own = f"/api/v1/observations/{original.pk}/duplicate/"
    assert client.post(police_own, {"duplicate_of": kept.pk}, format="json").status_code == 404

    client.force_login(stockholm_field_worker)
    answer = client.post(url, {"duplicate_of": original.pk}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["duplicate_of"] == original.pk
    listed = client.get("/api/v1/observations/", {"scene": scene.pk}).json()["results"]
    assert {row["id"]: row["duplicate_of"] for row in listed}[repeat.pk] == original.pk
    # A chain is refused with the model's message, by field.
    chain = client.post(
        f"/api/v1/observations/{kept.pk}/duplicate/", {"duplicate_of": repeat.pk}, format="json"
    )
    assert chain.status_code == 400 and "duplicate_of" in chain.json()
    answer = client.post(url, {"duplicate_of": None}, format="json")
    assert answer.status_code == 200 and answer.json()["duplicate_of"] is None
