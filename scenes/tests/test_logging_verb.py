"""One verb logs every observation: the form, the API and the import all go through
`scenes.services.log_observations`, which takes the reporter and organisation from the request,
checks the model's rules, and saves all rows or none. And the "who may log / edit where"
querysets agree with the single-object rules they stand beside."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from scenes import services
from scenes.models import Observation, Scene
from scenes.permissions import can_edit_scene, can_log_observation
from scenes.tests.test_api import payload
from scenes.tests.test_import import HEADINGS, confirm, csv_file, upload, valid_rows
from scenes.tests.test_views import observation_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    """Every call of the logging verb, recorded; the verb itself still runs."""
    recorded = []
    real = services.log_observations

    def spy(**kwargs):
        kwargs["rows"] = list(kwargs["rows"])
        recorded.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "log_observations", spy)
    return recorded


def fields(scene, **overrides):
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    centre = scene.boundary.centroid
    values = {
        "location": Point(centre.x, centre.y, srid=4326),
        "occurred_at": timezone.now() - timedelta(hours=1),
        "category": "narkotikabruk",
        "source": "egen",
        "insecurity": 3,
    }
    values.update(overrides)
    return values


def test_the_form_the_api_and_the_import_log_through_the_one_verb(
    client, calls, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    assert client.post(reverse("scenes:observation_create"), observation_post(sergels)).status_code
    api = APIClient()
    api.force_login(stockholm_field_worker)
    assert api.post("/api/v1/observations/", payload(sergels), format="json").status_code == 201
    # The import's check runs in the worker (its task, called here) and the confirm on the
    # request: both through the verb.
    preview = upload(client, sergels, csv_file(valid_rows(sergels), headings=HEADINGS))
    confirm(client, sergels, preview.context["token"])

    assert [(c["by"], c["scene"], c.get("dry_run", False)) for c in calls] == [
        (stockholm_field_worker, sergels, False),  # the form
        (stockholm_field_worker, sergels, False),  # the API
        (stockholm_field_worker, sergels, True),  # the import's preview
        (stockholm_field_worker, sergels, False),  # the import's confirm
    ]
    assert [len(c["rows"]) for c in calls] == [1, 1, 3, 3]
    logged = Observation.objects.filter(reported_by=stockholm_field_worker)
    assert logged.count() == 1 + 1 + 3
    assert set(logged.values_list("organisation__slug", flat=True)) == {"kommun-0180"}


def test_the_reporter_and_organisation_come_from_the_request(
    sergels, police_officer, reference_orgs
):
    logged = services.log_observation(by=police_officer, scene=sergels, **fields(sergels))
    assert (logged.reported_by, logged.organisation.slug) == (police_officer, "lpo-city")

    # Not an organisation the officer may log for here: refused, nothing saved.
    with pytest.raises(ValidationError) as refused:
        services.log_observation(
            by=police_officer,
            scene=sergels,
            organisation=reference_orgs["kommun-0180"],
            **fields(sergels),
        )
    assert "organisation" in refused.value.message_dict
    assert Observation.objects.filter(scene=sergels).count() == 13  # 12 demo + the one above


def test_a_user_who_may_not_log_at_the_scene_is_refused(
    sergels, stad_evaluator, botkyrka_coordinator
):
    before = Observation.objects.count()
    for user, scene in ((stad_evaluator, sergels), (botkyrka_coordinator, sergels)):
        with pytest.raises(PermissionDenied):
            services.log_observation(by=user, scene=scene, **fields(scene))
    assert Observation.objects.count() == before


def test_all_rows_or_none_and_a_dry_run_saves_nothing(sergels, stockholm_field_worker):
    before = Observation.objects.count()
    rows = [
        services.ObservationRow(fields(sergels)),
        services.ObservationRow(fields(sergels, insecurity=9)),
        services.ObservationRow(fields(sergels), refused={"place": ["Ingen sådan delplats."]}),
    ]
    checked = services.log_observations(by=stockholm_field_worker, scene=sergels, rows=rows)

    assert [sorted(c.errors) for c in checked] == [[], ["insecurity"], ["place"]]
    assert checked[2].errors["place"] == ["Ingen sådan delplats."]
    assert Observation.objects.count() == before

    good = [services.ObservationRow(fields(sergels)) for _i in range(2)]
    services.log_observations(by=stockholm_field_worker, scene=sergels, rows=good, dry_run=True)
    assert Observation.objects.count() == before
    services.log_observations(by=stockholm_field_worker, scene=sergels, rows=good)
    assert Observation.objects.count() == before + 2


def test_the_verb_queries_do_not_grow_with_the_rows(sergels, stockholm_field_worker):
    scene = Scene.objects.prefetch_related("team").get(pk=sergels.pk)

    def queries(n):
        rows = [services.ObservationRow(fields(scene)) for _i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            services.log_observations(by=stockholm_field_worker, scene=scene, rows=rows)
        return len(ctx)

    queries(1)  # the user's memberships are read once and kept
    assert queries(5) == queries(50)


def test_the_querysets_agree_with_the_single_object_rules(personas, demo_scenes):
    for user in personas.values():
        visible = list(Scene.objects.visible_to(user).prefetch_related("team"))
        assert set(Scene.objects.loggable_by(user)) == {
            s for s in visible if can_log_observation(user, s)
        }, user.username
        assert set(Scene.objects.editable_by(user)) == {
            s for s in visible if can_edit_scene(user, s)
        }, user.username


def test_the_observation_form_offers_the_scenes_where_one_may_log(client, personas, demo_scenes):
    # Sthlm's field worker logs at Stockholm's two scenes; the police officer at three.
    for username, expected in (
        ("sthlm.falt", {"Sergels torg", "Medborgarplatsen"}),
        ("polis.city", {"Sergels torg", "Medborgarplatsen", "Fittja centrum"}),
    ):
        client.force_login(personas[username])
        form = client.get(reverse("scenes:observation_create")).context["form"]
        offered = {s.name.removesuffix(" (demo)") for s in form.fields["scene"].queryset}
        assert offered == expected, username
