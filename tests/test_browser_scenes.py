"""Scenes in a real browser: logging from a phone, the maps, and WCAG checks with axe-core."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from scenes.demo import load_scenes
from scenes.models import Indicator, IndicatorValue, Observation, Scene

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def scenes(personas):
    load_scenes(per_scene=30)
    return {s.name.removesuffix(" (demo)"): s for s in Scene.objects.all()}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    # No network here: the maps must work without their tiles.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    yield context.new_page()
    context.close()


def test_field_worker_logs_an_observation_by_clicking_the_map_on_a_phone(
    phone, live_server, scenes, demo_password
):
    sergels = scenes["Sergels torg"]
    before = Observation.objects.filter(scene=sergels).count()
    log_in(phone, live_server, "sthlm.falt", demo_password)
    phone.wait_for_url(f"{live_server.url}/")
    phone.get_by_role("button", name="Meny").click()  # the menu is folded on a phone
    phone.get_by_role("link", name="Logga observation").click()
    phone.get_by_label("Scen").select_option(str(sergels.pk))
    map_box = phone.locator("#observation-map")
    map_box.scroll_into_view_if_needed()
    box = map_box.bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "Platsen är vald" in phone.locator("#position-status").inner_text()
    assert phone.get_by_label("Latitud").input_value() != ""
    phone.get_by_label("Kategori").select_option("narkotikaforsaljning")
    phone.get_by_label("Källa").select_option("faltassistent")
    phone.get_by_text("4", exact=True).click()
    phone.get_by_text("Resenärer").click()
    phone.get_by_label("Beskrivning").fill("Grupp vid uppgången, tydlig langning.")
    phone.get_by_role("button", name="Spara", exact=True).click()
    phone.wait_for_url(f"{live_server.url}{reverse('scenes:scene_detail', args=[sergels.pk])}")
    assert "Observationen loggades" in phone.get_by_role("status").first.inner_text()
    assert Observation.objects.filter(scene=sergels).count() == before + 1
    logged = Observation.objects.filter(scene=sergels).latest("created_at")
    assert logged.category == "narkotikaforsaljning"
    assert logged.affected_groups == ["resenarer"]
    assert sergels.distance_m(logged.location) == 0  # the click landed inside the boundary


def test_keyboard_user_types_coordinates_and_sees_why_a_bad_point_is_refused(
    page, live_server, scenes, demo_password
):
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    sergels = scenes["Sergels torg"]
    log_in(page, live_server, "sthlm.falt", demo_password)
    page.goto(f"{live_server.url}{reverse('scenes:observation_create')}?scene={sergels.pk}")
    centre = sergels.boundary.centroid
    page.get_by_label("Latitud").fill(f"{centre.y + 0.05:.6f}")  # about 5 km north
    page.get_by_label("Longitud").fill(f"{centre.x:.6f}")
    page.get_by_label("Kategori").select_option("narkotikabruk")
    page.get_by_label("Källa").select_option("egen")
    page.get_by_text("3", exact=True).click()
    page.get_by_label("Beskrivning").fill("Såg en grupp.")
    page.get_by_role("button", name="Spara", exact=True).click()
    summary = page.locator("#error-summary")
    assert "utanför scenens gräns" in summary.inner_text()
    # The summary takes focus so a screen reader reads it, and nothing typed is lost.
    # (maps.js moves the focus once it has run: wait for it rather than race it.)
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.get_by_label("Beskrivning").input_value() == "Såg en grupp."
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["list", "detail", "observations", "new", "indicator"])
def test_scene_pages_have_no_wcag_violations(page, live_server, scenes, demo_password, path):
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    sergels = scenes["Sergels torg"]
    indicator = Indicator.objects.create(scene=sergels, name="SL-händelser", unit="per månad")
    IndicatorValue.objects.create(
        indicator=indicator, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30), value=41
    )
    urls = {
        "indicator": reverse("scenes:indicator_detail", args=[indicator.pk]),
        "list": reverse("scenes:scene_list"),
        "detail": reverse("scenes:scene_detail", args=[sergels.pk]),
        "observations": reverse("scenes:observation_list", args=[sergels.pk]),
        "new": reverse("scenes:observation_create"),
    }
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + urls[path])
    if path in ("list", "detail"):
        page.wait_for_selector(".leaflet-interactive")
    assert axe_violations(page) == []


def test_scene_page_map_shows_boundary_hotspots_and_observations(
    page, live_server, scenes, demo_password
):
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    sergels = scenes["Sergels torg"]
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.goto(
        f"{live_server.url}{reverse('scenes:scene_detail', args=[sergels.pk])}?start=2020-01-01"
    )
    page.wait_for_selector("#scene-map[data-loaded='points']")
    assert page.locator("#scene-map path.leaflet-interactive").count() > 3  # boundary and cells
    # Observations, heat map, hotspot cells, sub-places, landmarks and the boundary.
    assert page.locator(".leaflet-control-layers-overlays label").count() == 6
    assert "Hotspots" in page.get_by_role("main").inner_text()
