"""The platform on a phone (390 × 844 in Chromium): the folded menu, touch targets, the
observation form's first screen and keyboard path, and axe on every main page per persona."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from scenes.models import Observation

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 390, 844
PHONE = {
    "viewport": {"width": WIDTH, "height": HEIGHT},
    "is_mobile": True,
    "has_touch": True,
    "locale": "sv-SE",
}
TARGET = 44  # px, WCAG 2.5.5


def _context(browser, **extra):
    context = browser.new_context(**PHONE, **extra)
    # No network here: the maps must work without their tiles.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    return context


@pytest.fixture
def phone(browser):
    context = _context(browser)
    yield context.new_page()
    context.close()


def _signed_in(page, live_server, username, password):
    log_in(page, live_server, username, password)
    page.wait_for_url(f"{live_server.url}/")
    return page


def _too_small(locator, what):
    """Every visible element of the locator whose box is under 44 × 44 px."""
    small = []
    for i in range(locator.count()):
        element = locator.nth(i)
        if not element.is_visible():
            continue
        box = element.bounding_box()
        if box and (box["width"] < TARGET - 0.5 or box["height"] < TARGET - 0.5):
            small.append((what, element.evaluate("e => e.outerHTML.slice(0, 120)"), box))
    return small


def _choice_targets_too_small(page):
    """Radios and checkboxes: the input or the label that wraps it is at least 44 × 44 px,
    and the input itself is no longer a 13 px dot."""
    small = []
    inputs = page.locator("main input[type=radio], main input[type=checkbox]")
    for i in range(inputs.count()):
        field = inputs.nth(i)
        if not field.is_visible():
            continue
        own = field.bounding_box()
        label = field.locator("xpath=ancestor::label[1]")
        if label.count() == 0:
            field_id = field.get_attribute("id")
            label = page.locator(f"label[for='{field_id}']") if field_id else label
        boxes = [own] + ([label.first.bounding_box()] if label.count() else [])
        hit = any(b and b["width"] >= TARGET - 0.5 and b["height"] >= TARGET - 0.5 for b in boxes)
        if not hit or own["width"] < 20 or own["height"] < 20:
            small.append(("choice", field.evaluate("e => e.outerHTML"), boxes))
    return small


def test_the_header_is_one_short_row_and_the_menu_folds_behind_a_button(
    phone, live_server, demo_scenes, demo_password
):
    page = _signed_in(phone, live_server, "sthlm.samordnare", demo_password)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 60
    button = page.get_by_role("button", name="Meny")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert button.get_attribute("aria-controls") == "site-menu"
    menu = page.get_by_role("navigation", name="Huvudmeny")
    expect(menu).to_be_hidden()
    expect(page.get_by_role("button", name="Logga ut")).to_be_hidden()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    page.get_by_role("link", name="Scener", exact=True).click()
    page.wait_for_url(f"{live_server.url}{reverse('scenes:scene_list')}")
    expect(page.get_by_role("button", name="Meny")).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_menu_button_works_from_the_keyboard(phone, live_server, demo_scenes, demo_password):
    page = _signed_in(phone, live_server, "sthlm.falt", demo_password)
    button = page.get_by_role("button", name="Meny")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "menu-button":
            break
    assert page.evaluate("document.activeElement.id") == "menu-button"
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")  # into the menu: its first link
    assert page.evaluate("document.activeElement.textContent.trim()") == "Start"
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.id") == "menu-button"
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Space")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_hidden()


def test_without_javascript_the_menu_stays_open(browser, live_server, demo_scenes, demo_password):
    context = _context(browser, java_script_enabled=False)
    try:
        page = _signed_in(context.new_page(), live_server, "sthlm.falt", demo_password)
        expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
        expect(page.get_by_role("button", name="Meny")).to_be_hidden()
        expect(page.get_by_role("link", name="Logga observation")).to_be_visible()
    finally:
        context.close()


def test_on_a_wide_screen_the_menu_is_a_row_without_the_button(
    page, live_server, demo_scenes, demo_password
):
    page.set_viewport_size({"width": 1280, "height": 800})
    _signed_in(page, live_server, "sthlm.falt", demo_password)
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()


def test_touch_targets_are_at_least_44_px(phone, live_server, cases, demo_password):
    sergels = cases.get(scene__name__startswith="Sergels").scene
    page = _signed_in(phone, live_server, "sthlm.samordnare", demo_password)
    small = _too_small(page.get_by_role("button", name="Meny"), "menu button")
    page.get_by_role("button", name="Meny").click()
    small += _too_small(page.locator(".site-nav a"), "menu link")
    small += _too_small(page.locator(".site-tools button"), "header button")
    pages = [
        reverse("scenes:observation_create") + f"?scene={sergels.pk}",
        reverse("scenes:scene_list"),
        reverse("scenes:scene_detail", args=[sergels.pk]),
        reverse("scenes:observation_list", args=[sergels.pk]),
        reverse("sara:my_actions"),
        reverse("sara:case_detail", args=[cases.get(scene=sergels).pk]),
        reverse("situation_reports:report_list"),
    ]
    for path in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        small += _too_small(
            page.locator("main button, main .button, main input[type=submit]"), path
        )
        small += _too_small(page.locator("main nav a"), path)
        small += _too_small(page.locator("main .leaflet-control-zoom a"), path)
        small += _choice_targets_too_small(page)
    assert small == []


def test_the_observation_form_is_five_tab_stops_away_and_its_first_screen_has_when_and_where(
    phone, live_server, demo_scenes, demo_password
):
    sergels = demo_scenes["Sergels torg"]
    page = _signed_in(phone, live_server, "sthlm.falt", demo_password)
    page.goto(f"{live_server.url}{reverse('scenes:observation_create')}?scene={sergels.pk}")
    page.wait_for_selector("#observation-map path.leaflet-interactive")
    assert page.evaluate("window.scrollY") == 0
    for selector in ("#id_scene", "#id_occurred_at", "#observation-map", "#id_latitude"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, selector
    assert page.locator("#id_longitude").bounding_box()["y"] + 44 <= HEIGHT
    assert page.locator("label[for=id_scene]").inner_text() == "Scen:"

    in_form = "!!document.activeElement.closest('form.observation-form')"
    stops = 0
    while stops < 5 and not page.evaluate(in_form):
        page.keyboard.press("Tab")
        stops += 1
    assert page.evaluate(in_form), "the form is more than 5 Tab stops from the top"
    assert page.evaluate("document.activeElement.id") == "id_scene"

    # The skip link goes there too: Tab, Enter, Tab.
    page.reload()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_scene"


def test_typed_coordinates_move_the_marker_while_typing(
    phone, live_server, demo_scenes, demo_password
):
    sergels = demo_scenes["Sergels torg"]
    centre = sergels.boundary.centroid
    page = _signed_in(phone, live_server, "sthlm.falt", demo_password)
    page.goto(f"{live_server.url}{reverse('scenes:observation_create')}?scene={sergels.pk}")
    page.wait_for_selector("#observation-map path.leaflet-interactive")
    page.get_by_label("Latitud").press_sequentially(f"{centre.y:.5f}")
    page.get_by_label("Longitud").press_sequentially(f"{centre.x:.4f}")
    # Still typing in the longitude (no change event yet): the marker is already there.
    assert page.evaluate("document.activeElement.id") == "id_longitude"
    marker = page.locator("#observation-map .leaflet-marker-icon")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("alt", "Markör")
    map_box = page.locator("#observation-map")
    expect(map_box).to_have_attribute("data-marker", f"{centre.y:.5f},{centre.x:.4f}")
    page.keyboard.type("9")
    expect(map_box).to_have_attribute("data-marker", f"{centre.y:.5f},{centre.x:.4f}9")


def test_save_and_log_another_keeps_scene_source_category_and_groups(
    phone, live_server, demo_scenes, demo_password
):
    sergels = demo_scenes["Sergels torg"]
    centre = sergels.boundary.centroid
    before = Observation.objects.filter(scene=sergels).count()
    page = _signed_in(phone, live_server, "sthlm.falt", demo_password)
    page.goto(f"{live_server.url}{reverse('scenes:observation_create')}?scene={sergels.pk}")
    page.get_by_label("Latitud").fill(f"{centre.y:.6f}")
    page.get_by_label("Longitud").fill(f"{centre.x:.6f}")
    page.get_by_label("Kategori").select_option("narkotikaforsaljning")
    page.get_by_label("Källa").select_option("faltassistent")
    page.get_by_text("3", exact=True).click()
    page.get_by_text("Resenärer").click()
    page.get_by_text("Boende").click()
    page.get_by_label("Beskrivning").fill("Grupp vid uppgången.")
    page.get_by_role("button", name="Spara och logga en till").click()
    # The next form has the same address as this one: wait for the message of the new page.
    expect(page.get_by_role("status").filter(has_text="Observationen loggades")).to_be_visible()
    page.wait_for_url(re.compile(r"/observations/new/\?"))
    assert Observation.objects.filter(scene=sergels).count() == before + 1

    assert page.get_by_label("Scen", exact=False).input_value() == str(sergels.pk)
    assert page.get_by_label("Kategori").input_value() == "narkotikaforsaljning"
    assert page.get_by_label("Källa").input_value() == "faltassistent"
    assert page.get_by_label("Resenärer").is_checked()
    assert page.get_by_label("Boende").is_checked()
    # What describes this one event starts empty again.
    assert page.get_by_label("Beskrivning").input_value() == ""
    assert page.get_by_label("Latitud").input_value() == ""
    assert page.locator("input[name=insecurity]:checked").count() == 0


def test_leaflet_and_its_drawing_tools_speak_swedish(
    phone, live_server, demo_scenes, demo_password
):
    sergels = demo_scenes["Sergels torg"]
    page = _signed_in(phone, live_server, "lan.samordnare", demo_password)
    page.goto(live_server.url + reverse("scenes:scene_create"))
    page.wait_for_selector(".leaflet-draw-toolbar")
    titles = page.locator(".leaflet-container [title]").evaluate_all("els => els.map(e => e.title)")
    assert "Inga lager att redigera." in titles
    assert "Rita en polygon" in titles
    assert "Zooma in" in titles and "Zooma ut" in titles
    english = {"No layers to edit.", "Draw a polygon", "Zoom in", "Layers", "Edit layers"}
    assert not english & set(titles)

    page.goto(live_server.url + reverse("scenes:scene_detail", args=[sergels.pk]))
    page.wait_for_selector(".leaflet-control-layers")
    toggle = page.locator(".leaflet-control-layers-toggle")
    assert toggle.get_attribute("title") == "Lager"
    assert toggle.get_attribute("aria-label") == "Lager"
    leaflet_link = page.locator(".leaflet-control-attribution a").first
    assert leaflet_link.get_attribute("title") == "Ett JavaScript-bibliotek för interaktiva kartor"


def _pages(world):
    scene, case = world["scene"], world["case"]
    return {
        "home": reverse("home"),
        "scene_list": reverse("scenes:scene_list"),
        "scene": reverse("scenes:scene_detail", args=[scene.pk]),
        "place": reverse("scenes:place_detail", args=[world["place"].pk]),
        "observation_form": reverse("scenes:observation_create") + f"?scene={scene.pk}",
        "observation_list": reverse("scenes:observation_list", args=[scene.pk]),
        "observation": reverse("scenes:observation_detail", args=[world["observation"].pk]),
        "case": reverse("sara:case_detail", args=[case.pk]),
        "action": reverse("sara:action_detail", args=[world["action"].pk]),
        "my_actions": reverse("sara:my_actions"),
        "methods": reverse("sara:method_list"),
        "reports": reverse("situation_reports:report_list"),
        "report": reverse("situation_reports:report_detail", args=[world["report"].pk]),
        "followup": reverse("followup:scenes"),
        "followup_sara": reverse("followup:section", args=["sara"]),
        "indicators": reverse("scenes:indicator_list"),
        "indicator": reverse("scenes:indicator_detail", args=[world["indicator"].pk]),
        "log_review": reverse("audit:review"),
        "log_sample": reverse("audit:sample"),
        "organisations": reverse("actors:organisation_list"),
        "scene_new": reverse("scenes:scene_create"),
        "scene_edit": reverse("scenes:scene_edit", args=[scene.pk]),
        "indicator_import": reverse("scenes:indicator_import"),
    }


PERSONA_PAGES = {
    "sthlm.samordnare": [
        "home", "scene_list", "scene", "place", "observation_form", "observation_list",
        "observation", "case", "action", "my_actions", "methods", "reports", "report",
        "followup", "indicators", "indicator", "log_review", "scene_edit",
    ],
    "sthlm.falt": [
        "home", "scene_list", "scene", "observation_form", "observation_list", "case",
        "my_actions", "reports",
    ],
    "polis.city": ["home", "scene", "observation_form", "case", "action", "my_actions"],
    "stad.utvarderare": [
        "home", "scene_list", "scene", "observation_list", "case", "reports", "followup",
        "followup_sara", "indicators", "indicator", "organisations",
    ],
    "lan.samordnare": [
        "home", "scene_list", "scene", "case", "reports", "followup", "log_review",
        "log_sample", "scene_new", "indicator_import",
    ],
}  # fmt: skip


@pytest.mark.parametrize("username", list(PERSONA_PAGES))
def test_every_main_page_has_no_wcag_violations_on_a_phone(
    phone, live_server, cases, world, demo_password, username
):
    pages = _pages(world)
    page = _signed_in(phone, live_server, username, demo_password)
    found = {}
    for name in PERSONA_PAGES[username]:
        response = page.goto(live_server.url + pages[name])
        assert response.status == 200, name
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
        violations = axe_violations(page)
        if violations:
            found[name] = violations
        if name == "home":  # the open menu too
            page.get_by_role("button", name="Meny").click()
            if violations := axe_violations(page):
                found["home, menu open"] = violations
    assert found == {}


def test_the_log_in_page_has_no_wcag_violations_on_a_phone(phone, live_server, personas):
    phone.goto(f"{live_server.url}/accounts/login/")
    assert phone.locator(".site-header").bounding_box()["height"] <= 60
    assert axe_violations(phone) == []
