"""The team of a scene: who leads it, who may change it, and on what basis one joins."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import Entry
from scenes.models import Observation, SceneTeam, TeamChange

pytestmark = pytest.mark.django_db


def lead_of(scene):
    return scene.team.get(is_lead=True).organisation.slug


def test_the_lead_coordinator_hands_the_lead_to_another_team_organisation(
    client, sergels, stockholm_coordinator, police_officer, botkyrka_coordinator, police, botkyrka
):
    url = reverse("scenes:team_lead", args=[sergels.pk, police.pk])
    client.force_login(botkyrka_coordinator)  # not on the team: the scene is not there
    assert client.post(url).status_code == 404
    client.force_login(police_officer)  # on the team, not a coordinator
    assert client.post(url).status_code == 403
    assert lead_of(sergels) == "kommun-0180"

    client.force_login(stockholm_coordinator)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/scenes/{sergels.pk}/#team")
    assert lead_of(sergels) == "lpo-city"
    assert sergels.team.filter(is_lead=True).count() == 1
    # Stockholm no longer leads: changing the team is now the police's to do.
    back = reverse("scenes:team_lead", args=[sergels.pk, sergels.municipality_id])
    assert client.post(back).status_code == 403
    assert lead_of(sergels) == "lpo-city"
    history = list(sergels.team_changes.values_list("organisation__slug", "kind"))
    assert history[0] == ("lpo-city", "lead")


def test_an_invited_organisation_cannot_take_over_the_team(
    client, sergels, stockholm, police, reference_orgs, personas
):
    """A coordinator of an organisation on the team that does not lead it can neither make
    itself lead nor remove the organisation that invited it: refused, with a clear message."""
    from actors.tests.factories import MembershipFactory

    police_coordinator = MembershipFactory(organisation=police, role="coordinator").user
    client.force_login(police_coordinator)

    take_lead = client.post(reverse("scenes:team_lead", args=[sergels.pk, police.pk]))
    remove_lead = client.post(reverse("scenes:team_remove", args=[sergels.pk, stockholm.pk]))
    add = client.post(reverse("scenes:team_add", args=[sergels.pk]), {"organisation": 1})

    for refused in (take_lead, remove_lead, add):
        assert refused.status_code == 403
        assert "Endast den ledande organisationens samordnare" in refused.text
    assert lead_of(sergels) == "kommun-0180"
    assert sergels.team.filter(organisation=stockholm).exists()
    # The scene page offers the police coordinator no team changes at all.
    page = client.get(reverse("scenes:scene_detail", args=[sergels.pk])).text
    assert "/team/add/" not in page and "/lead/" not in page


def test_joining_needs_a_basis_and_keeps_what_was_typed(
    client, sergels, stockholm_coordinator, reference_orgs
):
    huddinge = reference_orgs["kommun-0126"]
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:team_add", args=[sergels.pk])

    response = client.post(
        url, {"organisation": huddinge.pk, "basis": "agreement", "reads": "today"}
    )
    assert response.status_code == 200
    assert "Ange överenskommelsens diarienummer." in response.text
    assert f'value="{huddinge.pk}" selected' in response.text
    other = client.post(url, {"organisation": huddinge.pk, "basis": "annan", "reads": "today"})
    assert "Skriv ut bestämmelsen." in other.text
    assert not SceneTeam.objects.filter(scene=sergels, organisation=huddinge).exists()


def test_a_new_organisation_reads_free_text_from_the_day_it_joins(
    client, sergels, stockholm_coordinator, stockholm_field_worker, reference_orgs
):
    """By default only what is logged from the join day on; earlier rows need an explicit
    choice, which the team's history records."""
    from actors.tests.factories import MembershipFactory

    huddinge = reference_orgs["kommun-0126"]
    reader = MembershipFactory(organisation=huddinge, role="case_officer").user
    old = Observation.objects.filter(scene=sergels, restricted=False).order_by("pk").first()
    Observation.objects.filter(pk=old.pk).update(
        description="Gammal anteckning.", created_at="2025-01-10T12:00:00+01:00"
    )
    client.force_login(stockholm_coordinator)
    client.post(
        reverse("scenes:team_add", args=[sergels.pk]),
        {
            "organisation": huddinge.pk,
            "basis": "osl_10_28",
            "reads": "today",
        },
    )
    member = SceneTeam.objects.get(scene=sergels, organisation=huddinge)
    assert member.reads_from == date(2026, 9, 16)  # the test clock's day
    seen = Observation.objects.visible_to(reader).get(pk=old.pk)
    assert seen.text_hidden and seen.description is None

    # Reading the whole history is a recorded choice.
    client.post(reverse("scenes:team_remove", args=[sergels.pk, huddinge.pk]))
    client.post(
        reverse("scenes:team_add", args=[sergels.pk]),
        {
            "organisation": huddinge.pk,
            "basis": "agreement",
            "basis_reference": "KS 2025/117",
            "basis_date": "2025-02-01",
            "reads": "all",
        },
    )
    assert Observation.objects.visible_to(reader).get(pk=old.pk).description == "Gammal anteckning."
    joined = TeamChange.objects.filter(scene=sergels, organisation=huddinge, kind="joined")
    assert joined.count() == 2
    assert joined.first().reads_from is None and "KS 2025/117" in joined.first().basis
    events = Entry.objects.filter(
        action="team_joined", object_id=str(sergels.pk), data__organisation=huddinge.pk
    )
    assert events.count() == 2 and events.first().username == "sthlm.samordnare"
    page = client.get(reverse("scenes:scene_detail", args=[sergels.pk])).text
    assert "KS 2025/117" in page and "läser hela historiken" in page
