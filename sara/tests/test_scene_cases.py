"""The scene page lists a scene's most recent SARA cases, and all of them when asked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sara import services as sara_services
from sara.models import Case
from sara.templatetags.sara import SCENE_CASES_SHOWN

pytestmark = pytest.mark.django_db


def test_the_scene_page_shows_the_latest_cases_and_all_on_request(
    client, sergels, stockholm_coordinator, reference_orgs
):
    stockholm = reference_orgs["kommun-0180"]
    for i in range(SCENE_CASES_SHOWN + 5):
        sara_services.open_case(
            by=stockholm_coordinator, scene=sergels, owner=stockholm, title=f"Ärende {i:02d}",
            problem_statement="Öppen försäljning kvällstid.",
        )  # fmt: skip
    total = Case.objects.filter(scene=sergels).count()
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:scene_detail", args=[sergels.pk])
    page = client.get(url).content.decode()
    newest = Case.objects.filter(scene=sergels).order_by("-updated_at", "-pk")
    assert newest[0].title in page
    assert page.count('href="/sara/cases/') == SCENE_CASES_SHOWN
    more = total - SCENE_CASES_SHOWN
    assert f"Visa {more} ärenden till" in page or f"Show {more} more cases" in page
    everything = client.get(url + "?cases=all").content.decode()
    assert everything.count('href="/sara/cases/') == total
