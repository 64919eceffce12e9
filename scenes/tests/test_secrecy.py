"""Secrecy that holds: a row kept to one organisation reaches no one else by any page, API
call, export, map, count or report until it is shared on a recorded legal basis, and again
not once the share ends; free text is read only by its writer and the scene's team.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import Entry
from scenes.models import Observation, Share
from scenes.tests.test_views import observation_post
from situation_reports import services as reports
from situation_reports.snapshot import build_snapshot

pytestmark = pytest.mark.django_db

NOTE = "Socialtjänstens anteckning X7Q: oro för gruppen vid trappan."


def log_kept_note(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    post = observation_post(sergels, description=NOTE, restricted="on")
    assert client.post(reverse("scenes:observation_create"), post).status_code == 302
    client.logout()
    row = Observation.objects.get(description=NOTE)
    assert row.restricted and row.organisation.slug == "kommun-0180"
    return row


@pytest.fixture
def kept(client, sergels, stockholm_field_worker):
    """A note Stockholms stad's field worker keeps to Stockholms stad, logged by the form."""
    return log_kept_note(client, sergels, stockholm_field_worker)


def reaches(client, user, row) -> dict[str, bool]:
    """Every way the user could come upon the row, and whether it does."""
    client.force_login(user)
    api = APIClient()
    api.force_login(user)
    scene = row.scene
    listing = client.get(reverse("scenes:observation_list", args=[scene.pk]))
    export = client.get(reverse("scenes:observation_list", args=[scene.pk]), {"format": "csv"})
    points = client.get(
        reverse("scenes:scene_observation_map", args=[scene.pk]) + "?start=2020-01-01"
    ).json()["points"]
    api_list = api.get("/api/v1/observations/", {"scene": scene.pk, "limit": 1000}).json()
    return {
        "page": client.get(reverse("scenes:observation_detail", args=[row.pk])).status_code == 200,
        "list": row.pk in {o.pk for o in listing.context["observations"]},
        "export": NOTE in b"".join(export.streaming_content).decode("utf-8-sig"),
        "map": row.pk in {p[2] for p in points},
        "api": row.pk in {o["id"] for o in api_list["results"]},
        "api_detail": api.get(f"/api/v1/observations/{row.pk}/").status_code == 200,
    }


def counts(client, user, scene) -> dict[str, int]:
    client.force_login(user)
    scene_list = client.get(reverse("scenes:scene_list")).context["scenes"]
    page = client.get(reverse("scenes:scene_detail", args=[scene.pk]))
    return {
        "scene_list": next(s.observation_count for s in scene_list if s.pk == scene.pk),
        "scene_page": page.context["observation_count"],
    }


def test_a_kept_row_reaches_no_one_else_until_shared_and_not_after(
    client, sergels, police_officer, stockholm_coordinator, stockholm_field_worker, police
):
    before = {u: counts(client, u, sergels) for u in (police_officer, stockholm_field_worker)}
    kept = log_kept_note(client, sergels, stockholm_field_worker)

    nowhere = dict.fromkeys(["page", "list", "export", "map", "api", "api_detail"], False)
    assert reaches(client, police_officer, kept) == nowhere
    assert reaches(client, stockholm_field_worker, kept) == dict.fromkeys(nowhere, True)
    # Counts shown to the police leave it out; the field worker's own include it.
    assert counts(client, police_officer, sergels) == before[police_officer]
    assert counts(client, stockholm_field_worker, sergels) == {
        k: v + 1 for k, v in before[stockholm_field_worker].items()
    }

    # Shared with the police on a recorded basis: now it reaches them.
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:share_create", args=["observation", kept.pk])
    response = client.post(
        url,
        {
            "organisations": [police.pk],
            "basis": "osl_10_18a",
            "purpose": "Gemensam bild inför SSPF-mötet.",
            "decided_by": "Enhetschef, fältgruppen",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    share = Share.objects.get(object_id=kept.pk)
    assert share.basis == "osl_10_18a" and share.recorded_by == stockholm_coordinator
    assert reaches(client, police_officer, kept) == dict.fromkeys(nowhere, True)
    detail = client.get(reverse("scenes:observation_detail", args=[kept.pk]))
    assert NOTE in detail.text

    # The share ends: hidden again at once.
    client.force_login(stockholm_coordinator)
    page = client.get(reverse("scenes:observation_detail", args=[kept.pk])).text
    assert "Radens delningshistorik" in page and "OSL 10 kap. 18 a §" in page
    assert client.post(reverse("scenes:share_end", args=[share.pk])).status_code == 302
    assert reaches(client, police_officer, kept) == nowhere

    # The share, the police's reads of the row and the end are in the audit trail.
    events = Entry.objects.filter(kind="event", object_id=str(kept.pk))
    assert list(events.order_by("id").values_list("action", "username")) == [
        ("share_created", "sthlm.samordnare"),
        ("share_ended", "sthlm.samordnare"),
    ]
    police_reads = Entry.objects.filter(
        kind="read", username="polis.city", object_type="scenes.observation",
        object_ids__contains=[kept.pk],
    )  # fmt: skip
    assert {"view", "api", "list", "map"} <= set(police_reads.values_list("action", flat=True))


def test_a_share_needs_a_basis_and_is_decided_by_the_keeping_organisation(
    client, kept, stockholm_coordinator, stockholm_field_worker, police_officer, police
):
    url = reverse("scenes:share_create", args=["observation", kept.pk])
    client.force_login(police_officer)  # cannot even see the row
    assert client.get(url).status_code == 404
    client.force_login(stockholm_field_worker)  # sees it, but does not decide on sharing
    assert client.get(url).status_code == 403

    client.force_login(stockholm_coordinator)
    response = client.post(url, {"organisations": [police.pk], "purpose": "Utan grund"})
    assert response.status_code == 200
    assert "Detta fält måste fyllas i." in response.text
    assert "Utan grund" in response.text  # what was typed is kept
    other = client.post(
        url,
        {
            "organisations": [police.pk],
            "basis": "annan",
            "purpose": "Samverkan",
            "decided_by": "Chef",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert "Skriv ut bestämmelsen." in other.text
    assert not Share.objects.filter(object_id=kept.pk).exists()
    # STAD is never a recipient.
    offered = response.context["form"].fields["organisations"].queryset
    assert not offered.filter(kind="stad").exists()
    assert offered.filter(pk=police.pk).exists()


def test_a_share_past_its_end_date_hides_the_row(client, kept, police_officer, police):
    share = Share.objects.create(
        row=kept,
        basis="samtycke",
        purpose="Samtycke från vårdnadshavare.",
        decided_by="Enhetschef",
        decided_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    share.organisations.set([police])
    assert not Observation.objects.visible_to(police_officer).filter(pk=kept.pk).exists()
    Share.objects.filter(pk=share.pk).update(ends_on=timezone.localdate())
    assert Observation.objects.visible_to(police_officer).filter(pk=kept.pk).exists()


def test_county_wide_roles_see_neither_kept_rows_nor_free_text_unless_on_the_team(
    client, kept, sergels, regional_coordinator, stad_evaluator, police_officer
):
    open_row = (
        Observation.objects.filter(scene=sergels, restricted=False).exclude(description="").first()
    )
    for user in (regional_coordinator, stad_evaluator):
        assert not Observation.objects.visible_to(user).filter(pk=kept.pk).exists()
        seen = Observation.objects.visible_to(user).get(pk=open_row.pk)
        assert seen.text_hidden and seen.description is None
        api = APIClient()
        api.force_login(user)
        answer = api.get(f"/api/v1/observations/{open_row.pk}/").json()
        assert answer["description"] is None and answer["category"] == open_row.category
    # A team organisation reads the text of its partners.
    assert Observation.objects.visible_to(police_officer).get(pk=open_row.pk).description


def test_a_lagesbild_leaves_kept_rows_out_even_for_their_own_organisation(
    kept, sergels, stockholm_field_worker, police_officer
):
    today = timezone.localdate()
    totals = {}
    for user in (stockholm_field_worker, police_officer):
        report = reports.request_report(
            user, scope="scene", scene=sergels, start=today - timedelta(days=89), end=today
        )
        totals[user.username] = build_snapshot(report)["what"]["total"]
    # Everyone who sees Sergels torg may read either report: the kept note is in neither.
    assert totals["sthlm.falt"] == totals["polis.city"]


def test_an_instance_read_with_hidden_text_cannot_be_saved(kept, regional_coordinator):
    seen = Observation.objects.visible_to(regional_coordinator).filter(scene=kept.scene).first()
    with pytest.raises(RuntimeError, match="read for display"):
        seen.save()
