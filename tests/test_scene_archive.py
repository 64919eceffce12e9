"""Archiving a scene and removing one created by mistake: who may, what the lists, maps and
forms show afterwards, what goes with a removed scene and what keeps it, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import Entry
from ods_platform import scene_removal
from scenes import services
from scenes.models import Observation, Place, Scene, StatusChange
from situation_reports import services as reports
from situation_reports.models import Report

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mistake(regional_coordinator, stockholm, stockholm_field_worker, sergels):
    """A scene created by mistake (a copy of Sergels torg), with a sub-place, two observations
    and a lägesbild of its own."""
    scene = services.create_scene(
        by=regional_coordinator, name="Felregistrerad scen", municipality=stockholm,
        area_type="city", place_type="torgyta", boundary=sergels.boundary,
        identified_on=timezone.localdate(),
    )  # fmt: skip
    centre = scene.boundary.centroid
    Place.objects.create(scene=scene, name="Trappan", geometry=centre.clone())
    for hours in (2, 3):
        services.log_observation(
            by=stockholm_field_worker, scene=scene, location=centre.clone(),
            occurred_at=timezone.now() - timedelta(hours=hours), category="narkotikabruk",
            source="egen", insecurity=2,
        )  # fmt: skip
    today = timezone.localdate()
    report = reports.request_report(
        regional_coordinator, scope="scene", scene=scene, start=today - timedelta(days=7), end=today
    )
    report.file.save("lagesbild.pdf", ContentFile(b"%PDF-1.7 mistake"), save=False)
    report.status, report.finished_at = "done", timezone.now()
    report.save()
    return scene


def listed(client, **query) -> set[str]:
    return {s.name for s in client.get(reverse("scenes:scene_list"), query).context["scenes"]}


def test_an_archived_scene_leaves_the_lists_maps_and_form_and_keeps_its_history(
    demo_scenes, stockholm_coordinator, stockholm_field_worker, sergels
):
    kept = Observation.objects.filter(scene=sergels).count()
    client = as_user(stockholm_coordinator)
    assert client.get(reverse("scenes:scene_archive", args=[sergels.pk])).status_code == 200
    response = client.post(
        reverse("scenes:scene_archive", args=[sergels.pk]), {"comment": "Ingen handel sedan maj."}
    )
    assert response.status_code == 302
    sergels.refresh_from_db()
    assert sergels.status == "avvecklad" and sergels.closed_on == timezone.localdate()
    latest = StatusChange.objects.filter(scene=sergels).first()
    assert latest.status == "avvecklad" and latest.comment == "Ingen handel sedan maj."
    assert Entry.objects.filter(action="scene_archived", object_id=str(sergels.pk)).exists()

    assert sergels.name not in listed(client)
    assert sergels.name in listed(client, archived="on")
    assert sergels.name in listed(client, status="avvecklad")
    features = client.get(reverse("scenes:scene_map_data")).json()["features"]
    map_ids = {f["properties"]["id"] for f in features}
    assert sergels.pk not in map_ids
    page = client.get(reverse("scenes:scene_detail", args=[sergels.pk]))
    assert page.status_code == 200 and "Scenen är arkiverad" in page.content.decode()
    assert Observation.objects.filter(scene=sergels).count() == kept
    form = as_user(stockholm_field_worker).get(reverse("scenes:observation_create"))
    assert sergels not in form.context["form"].fields["scene"].queryset
    api = APIClient()
    api.force_login(stockholm_coordinator)
    ids = {s["id"] for s in api.get("/api/v1/scenes/").json()["results"]}
    assert sergels.pk not in ids
    archived = api.get("/api/v1/scenes/", {"archived": "true"}).json()["results"]
    assert sergels.pk in {s["id"] for s in archived}

    # ...and it can be made active again.
    assert client.post(reverse("scenes:scene_restore", args=[sergels.pk])).status_code == 302
    sergels.refresh_from_db()
    assert sergels.status == "aktiv" and sergels.closed_on is None
    assert sergels.name in listed(client)
    assert Entry.objects.filter(action="scene_restored", object_id=str(sergels.pk)).exists()


def test_only_the_scenes_coordinators_archive_it(
    demo_scenes, police_officer, botkyrka_coordinator, stad_evaluator, sergels
):
    url = reverse("scenes:scene_archive", args=[sergels.pk])
    assert as_user(police_officer).post(url).status_code == 403
    assert as_user(stad_evaluator).post(url).status_code == 403
    assert as_user(botkyrka_coordinator).post(url).status_code == 404
    sergels.refresh_from_db()
    assert sergels.status != "avvecklad"


def test_the_confirmation_says_what_goes_and_the_removal_is_logged(regional_coordinator, mistake):
    client = as_user(regional_coordinator)
    url = reverse("scenes:scene_delete", args=[mistake.pk])
    page = client.get(url).content.decode()
    assert "2 observationer" in page and "1 delplatser" in page
    assert "1 lägesbilder över scenen" in page and "Detta hindrar" not in page
    report = Report.objects.get(scene=mistake)
    stored = report.file.name
    assert report.file.storage.exists(stored)

    wrong = client.post(url, {"confirm": "Fel namn"})
    assert wrong.status_code == 400 and Scene.objects.filter(pk=mistake.pk).exists()

    with_commit = client.post(url, {"confirm": mistake.name})
    assert with_commit.status_code == 302
    assert not Scene.objects.filter(pk=mistake.pk).exists()
    assert not Observation.objects.filter(scene_id=mistake.pk).exists()
    assert not Report.objects.filter(pk=report.pk).exists()
    event = Entry.objects.get(action="scene_deleted", object_id=str(mistake.pk))
    assert event.data["name"] == "Felregistrerad scen"
    assert event.data["removed"]["observations"] == 2
    assert event.username == "lan.samordnare"
    assert Entry.objects.filter(
        kind="change", action="delete", object_type="scenes_scene", object_id=str(mistake.pk)
    ).exists()
    removed = Entry.objects.filter(kind="change", action="delete", object_type="scenes_observation")
    assert removed.count() == 2


def test_the_file_of_a_removed_scenes_report_is_removed_too(
    regional_coordinator, mistake, django_capture_on_commit_callbacks
):
    report = Report.objects.get(scene=mistake)
    stored, storage = report.file.name, report.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        scene_removal.delete_scene(mistake, by=regional_coordinator)
    assert not storage.exists(stored)


def test_a_scene_with_sara_work_or_in_a_wider_report_is_kept(
    cases, regional_coordinator, sergels, mistake, stockholm
):
    client = as_user(regional_coordinator)
    url = reverse("scenes:scene_delete", args=[sergels.pk])
    page = client.get(url).content.decode()
    assert "Detta hindrar borttagningen" in page and "SARA-ärenden" in page
    refused = client.post(url, {"confirm": sergels.name})
    assert refused.status_code == 409 and "Scenen togs inte bort" in refused.content.decode()
    assert Scene.objects.filter(pk=sergels.pk).exists()

    # A municipality's report that covers the mistaken scene keeps it as well.
    today = timezone.localdate()
    reports.request_report(
        regional_coordinator, scope="municipality", municipality=stockholm,
        start=today - timedelta(days=7), end=today,
    )  # fmt: skip
    assert not scene_removal.removal_of(mistake).allowed
    with pytest.raises(scene_removal.RemovalRefused):
        scene_removal.delete_scene(mistake, by=regional_coordinator)
    assert Scene.objects.filter(pk=mistake.pk).exists()
    assert not Entry.objects.filter(action="scene_deleted").exists()


def test_only_regional_coordinators_remove_scenes(
    stockholm_coordinator, stad_evaluator, botkyrka_coordinator, stockholm_field_worker, mistake
):
    url = reverse("scenes:scene_delete", args=[mistake.pk])
    for user in (stockholm_coordinator, stad_evaluator, stockholm_field_worker):
        assert as_user(user).get(url).status_code == 403
        assert as_user(user).post(url, {"confirm": mistake.name}).status_code == 403
    assert as_user(botkyrka_coordinator).post(url, {"confirm": mistake.name}).status_code == 404
    assert Scene.objects.filter(pk=mistake.pk).exists()


def test_superusers_archive_and_remove_in_the_admin(staff_admin, mistake, sergels, cases):
    client = as_user(staff_admin)
    changelist = reverse("admin:scenes_scene_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "archive_scenes", "_selected_action": [sergels.pk]})
    sergels.refresh_from_db()
    assert sergels.status == "avvecklad"
    assert Entry.objects.filter(action="scene_archived", username="admin").exists()

    delete = reverse("admin:scenes_scene_delete", args=[mistake.pk])
    confirm = client.get(delete).content.decode()
    assert "Observationer: 2" in confirm
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Scene.objects.filter(pk=mistake.pk).exists()
    assert Entry.objects.filter(action="scene_deleted", username="admin").exists()
    # A scene with SARA work is protected in the admin as well.
    refused = client.get(reverse("admin:scenes_scene_delete", args=[sergels.pk])).content.decode()
    assert "SARA-ärenden" in refused


def test_the_admin_is_for_superusers_only(staff_admin, demo_scenes):
    staff_admin.is_superuser = False
    staff_admin.save()
    response = as_user(staff_admin).get(reverse("admin:scenes_scene_changelist"))
    assert response.status_code == 403
