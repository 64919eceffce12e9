"""The team of a scene: who leads it, and who may change that."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def lead_of(scene):
    return scene.team.get(is_lead=True).organisation.slug


def test_the_lead_coordinator_hands_the_lead_to_another_team_organisation(
    client, sergels, stockholm_coordinator, police_officer, botkyrka_coordinator, reference_orgs
):
    police = reference_orgs["lpo-city"]
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
    # An organisation that is not on the team cannot be made lead.
    outside = reference_orgs["kommun-0127"]
    assert client.post(reverse("scenes:team_lead", args=[sergels.pk, outside.pk])).status_code == (
        404
    )
    assert lead_of(sergels) == "lpo-city"
