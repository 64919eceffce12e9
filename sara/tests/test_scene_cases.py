"""The scene page lists a scene's SARA cases a page at a time, the most recently updated first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sara import services as sara_services
from sara.models import Case
from sara.templatetags.sara import SCENE_CASES_SHOWN

pytestmark = pytest.mark.django_db


def test_the_scene_page_shows_the_latest_cases_and_the_older_on_the_next_page(
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
    assert f"Ärenden 1–{SCENE_CASES_SHOWN} av {total}" in page
    older = client.get(url, {"cases_page": 2}).content.decode()
    assert older.count('href="/sara/cases/') == total - SCENE_CASES_SHOWN
    assert newest[total - 1].title in older and newest[0].title not in older
    assert "?cases_page=1#cases" in older  # back to the newer ones
