"""What a field worker sees in a real browser when the database is down mid-observation.

The outage is real for the platform: its database connections go to a port where no
PostgreSQL listens (as when the server is stopped), then back; the shared server is untouched.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ods_platform.tests.test_errors import database_stopped
from scenes.demo import load_scenes
from scenes.models import Observation, Scene

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sergels(personas):
    load_scenes(per_scene=5)
    return Scene.objects.get(name="Sergels torg (demo)")


def test_with_the_database_down_the_form_says_nothing_was_saved_and_keeps_the_text(
    page, live_server, sergels, demo_password
):
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    log_in(page, live_server, "sthlm.falt", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('scenes:observation_create')}?scene={sergels.pk}")
    centre = sergels.boundary.centroid
    page.get_by_label("Latitud").fill(f"{centre.y:.6f}")
    page.get_by_label("Longitud").fill(f"{centre.x:.6f}")
    page.get_by_label("Kategori").select_option("narkotikabruk")
    page.get_by_label("Källa").select_option("egen")
    page.get_by_text("3", exact=True).click()
    text = "Tre personer vid uppgången mot Drottninggatan, lugnt."
    page.get_by_label("Beskrivning").fill(text)
    before = Observation.objects.filter(scene=sergels).count()
    page.wait_for_load_state("networkidle")  # the map has its layers before the outage

    with database_stopped():
        page.get_by_role("button", name="Spara", exact=True).click()
        # The form page's own heading is there until the answer arrives: wait for the answer.
        expect(page.get_by_role("heading", level=1)).to_have_text("Ingenting sparades")
        assert "så det du skickade sparades inte" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Det du skrev").input_value() == text
        assert "Referens för supporten" in page.content()
        assert axe_violations(page) == []
    assert Observation.objects.filter(scene=sergels).count() == before

    # The database is back: one click sends what was typed, and it is saved once.
    page.get_by_role("button", name="Skicka igen").click()
    page.wait_for_url(f"{live_server.url}{reverse('scenes:scene_detail', args=[sergels.pk])}")
    assert "Observationen loggades" in page.get_by_role("status").first.inner_text()
    assert Observation.objects.filter(scene=sergels).count() == before + 1
    assert Observation.objects.filter(scene=sergels).latest("created_at").description == text
