"""Who sees what: the policy in scenes/permissions.py, through every page and export."""

import pytest
from django.urls import reverse

from scenes import services
from scenes.models import Observation, Place, Scene, SceneGroupObjectPermission

pytestmark = pytest.mark.django_db

STOCKHOLM = {"Sergels torg", "Medborgarplatsen"}
ALL = {
    "Sergels torg", "Medborgarplatsen", "Fittja centrum", "Flemingsbergs station",
    "Ronna centrum", "Solna station", "Jakobsbergs centrum", "Sundbybergs torg",
}  # fmt: skip


def visible_names(user):
    return {s.name.removesuffix(" (demo)") for s in Scene.objects.visible_to(user)}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("lan.samordnare", ALL),
        ("stad.utvarderare", ALL),
        ("sthlm.samordnare", STOCKHOLM),
        ("sthlm.falt", STOCKHOLM),
        ("polis.city", STOCKHOLM | {"Fittja centrum"}),
        ("sl.trygghet", {"Sergels torg"}),
        ("kv.handlaggare", {"Sergels torg"}),
        ("botkyrka.samordnare", {"Fittja centrum"}),
        ("admin", set()),
    ],
)
def test_scene_visibility_by_persona(demo_scenes, personas, username, expected):
    assert visible_names(personas[username]) == expected


def test_everything_on_a_scene_is_visible_exactly_when_the_scene_is(
    demo_scenes, botkyrka_coordinator, fittja
):
    for model in (Observation, Place):
        visible = model.objects.visible_to(botkyrka_coordinator)
        assert visible.exists()
        assert set(visible.values_list("scene_id", flat=True)) == {fittja.pk}
    assert not Scene.objects.visible_to(None).exists()


def test_joining_the_team_grants_and_leaving_revokes_at_once(
    demo_scenes, sergels, botkyrka_coordinator, reference_orgs, client
):
    botkyrka = reference_orgs["kommun-0127"]
    client.force_login(botkyrka_coordinator)
    url = reverse("scenes:scene_detail", args=[sergels.pk])
    assert client.get(url).status_code == 404

    services.join_team(sergels, botkyrka, by=None, basis="osl_10_28")
    assert (
        SceneGroupObjectPermission.objects.filter(
            group=botkyrka.group, content_object=sergels
        ).count()
        == 2
    )
    assert client.get(url).status_code == 200

    services.leave_team(sergels, botkyrka)
    assert not SceneGroupObjectPermission.objects.filter(
        group=botkyrka.group, content_object=sergels
    ).exists()
    assert client.get(url).status_code == 404


def test_deleting_a_scene_leaves_no_orphaned_grants(demo_scenes, sergels):
    assert SceneGroupObjectPermission.objects.filter(content_object=sergels).exists()
    sergels.delete()
    assert not SceneGroupObjectPermission.objects.filter(content_object_id=sergels.pk).exists()


def _urls(scene):
    place = scene.places.first()
    observation = scene.observations.first()
    return {
        "detail": reverse("scenes:scene_detail", args=[scene.pk]),
        "map": reverse("scenes:scene_observation_map", args=[scene.pk]),
        "observations": reverse("scenes:observation_list", args=[scene.pk]),
        "export": reverse("scenes:observation_list", args=[scene.pk]) + "?format=csv",
        "observation": reverse("scenes:observation_detail", args=[observation.pk]),
        "edit": reverse("scenes:scene_edit", args=[scene.pk]),
        "symptoms": reverse("scenes:assessment_create", args=[scene.pk]),
        "new_place": reverse("scenes:place_create", args=[scene.pk]),
        "edit_place": reverse("scenes:place_edit", args=[place.pk]),
    }


READ = ["detail", "map", "observations", "export", "observation"]
EDIT = ["edit", "symptoms", "new_place", "edit_place"]


def test_anonymous_visitors_are_sent_to_log_in(client, sergels):
    for name, url in _urls(sergels).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.parametrize("name", READ + EDIT)
def test_another_organisations_scene_is_404_everywhere(client, sergels, botkyrka_coordinator, name):
    client.force_login(botkyrka_coordinator)
    assert client.get(_urls(sergels)[name]).status_code == 404


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("sthlm.samordnare", READ + EDIT),
        ("lan.samordnare", READ + EDIT),
        ("sthlm.falt", READ),
        ("polis.city", READ),
        ("stad.utvarderare", READ),
    ],
)
def test_read_and_edit_by_role(client, sergels, personas, username, allowed):
    client.force_login(personas[username])
    for name, url in _urls(sergels).items():
        expected = 200 if name in allowed else 403
        assert client.get(url).status_code == expected, (username, name)


@pytest.mark.parametrize("username", ["stad.utvarderare", "sthlm.falt", "botkyrka.samordnare"])
def test_team_changes_need_a_coordinator_of_the_team(
    client, sergels, personas, reference_orgs, username
):
    client.force_login(personas[username])
    url = reverse("scenes:team_add", args=[sergels.pk])
    response = client.post(url, {"organisation": reference_orgs["kommun-0127"].pk})
    assert response.status_code == (404 if username == "botkyrka.samordnare" else 403)
    assert not sergels.team.filter(organisation__slug="kommun-0127").exists()


def test_coordinator_adds_and_removes_a_team_organisation(
    client, sergels, stockholm_coordinator, reference_orgs
):
    client.force_login(stockholm_coordinator)
    huddinge = reference_orgs["kommun-0126"]
    client.post(
        reverse("scenes:team_add", args=[sergels.pk]),
        {
            "organisation": huddinge.pk,
            "basis": "agreement",
            "basis_reference": "KS 2025/117",
            "basis_date": "2025-02-01",
            "reads": "today",
        },
    )
    assert sergels.team.filter(organisation=huddinge).exists()
    client.post(reverse("scenes:team_remove", args=[sergels.pk, huddinge.pk]))
    assert not sergels.team.filter(organisation=huddinge).exists()
    # The lead cannot be removed until another organisation leads.
    stockholm = reference_orgs["kommun-0180"]
    client.post(reverse("scenes:team_remove", args=[sergels.pk, stockholm.pk]))
    assert sergels.team.filter(organisation=stockholm, is_lead=True).exists()


def test_logging_needs_a_logging_role_on_the_team(client, sergels, personas):
    url = reverse("scenes:observation_create")
    for username, status in [
        ("sthlm.falt", 200),
        ("sl.trygghet", 200),
        ("stad.utvarderare", 403),
        ("botkyrka.samordnare", 200),  # logs at Fittja, offered nothing else
    ]:
        client.force_login(personas[username])
        assert client.get(url).status_code == status, username


def test_scene_list_map_and_export_hold_only_visible_scenes(
    client, demo_scenes, botkyrka_coordinator
):
    client.force_login(botkyrka_coordinator)
    page = client.get(reverse("scenes:scene_list")).content.decode()
    assert "Fittja centrum" in page
    assert "Sergels torg" not in page
    data = client.get(reverse("scenes:scene_map_data")).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Fittja centrum (demo)"]
    csv = client.get(reverse("scenes:scene_list") + "?format=csv").content.decode("utf-8-sig")
    assert "Fittja centrum" in csv
    assert "Sergels" not in csv and "Medborgarplatsen" not in csv


def test_filter_choices_offer_only_what_the_user_may_see(client, fittja, botkyrka_coordinator):
    client.force_login(botkyrka_coordinator)
    form = client.get(reverse("scenes:observation_create")).context["form"]
    assert list(form.fields["scene"].queryset) == [fittja]
    assert set(form.fields["place"].queryset.values_list("scene_id", flat=True)) == {fittja.pk}
