"""The platform on a phone (390 × 844 in Chromium): the folded menu, touch targets, the
observation form's first screen and keyboard path, and axe on every main page per persona."""

import re
import uuid

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
    """Every HTML page of the sweep by a short name (the view's URL name is what the
    coverage test below checks)."""
    scene, case = world["scene"], world["case"]
    observation_form = reverse("scenes:observation_create")
    return {
        "home": reverse("home"),
        "scene_list": reverse("scenes:scene_list"),
        "scene": reverse("scenes:scene_detail", args=[scene.pk]),
        "scene_new": reverse("scenes:scene_create"),
        "scene_edit": reverse("scenes:scene_edit", args=[scene.pk]),
        "scene_archive": reverse("scenes:scene_archive", args=[scene.pk]),
        "scene_delete": reverse("scenes:scene_delete", args=[scene.pk]),
        "team_add": reverse("scenes:team_add", args=[scene.pk]),
        "assessment_new": reverse("scenes:assessment_create", args=[scene.pk]),
        "place": reverse("scenes:place_detail", args=[world["place"].pk]),
        "place_new": reverse("scenes:place_create", args=[scene.pk]),
        "place_edit": reverse("scenes:place_edit", args=[world["place"].pk]),
        "landmark_new": reverse("scenes:landmark_create", args=[scene.pk]),
        "landmark_edit": reverse("scenes:landmark_edit", args=[world["landmark"].pk]),
        "observation_form": f"{observation_form}?scene={scene.pk}",
        "outbox": reverse("scenes:observation_outbox"),
        "export_job": reverse("export_job", args=[world["export"].pk]),
        "observation_list": reverse("scenes:observation_list", args=[scene.pk]),
        "observation_list_suspected": (
            reverse("scenes:observation_list", args=[scene.pk]) + "?suspected=1"
        ),
        "observation": reverse("scenes:observation_detail", args=[world["observation"].pk]),
        # The page a save leads to when the new observation may be the same event as one
        # logged before: it offers the earlier one to link to.
        "observation_duplicates": (
            reverse("scenes:observation_detail", args=[world["near_duplicate"].pk])
            + "?next=another"
        ),
        "share_new": reverse("scenes:share_create", args=["observation", world["kept"].pk]),
        "observation_import": reverse("scenes:observation_import", args=[scene.pk]),
        "observation_import_failed": reverse(
            "scenes:observation_import_job", args=[scene.pk, world["observation_import"].pk]
        ),
        "observation_import_preview": reverse(
            "scenes:observation_import_job", args=[scene.pk, world["observation_preview"].pk]
        ),
        "observation_import_errors": reverse(
            "scenes:observation_import_job", args=[scene.pk, world["observation_errors"].pk]
        ),
        "indicators": reverse("scenes:indicator_list"),
        "indicator": reverse("scenes:indicator_detail", args=[world["indicator"].pk]),
        "indicator_new": reverse("scenes:indicator_create", args=[scene.pk]),
        "municipality_indicator_new": reverse("scenes:municipality_indicator_create"),
        "indicator_import": reverse("scenes:indicator_import"),
        "indicator_import_failed": reverse(
            "scenes:indicator_import_job", args=[world["indicator_import"].pk]
        ),
        "indicator_import_preview": reverse(
            "scenes:indicator_import_job", args=[world["indicator_preview"].pk]
        ),
        "case_new": reverse("sara:case_create", args=[scene.pk]),
        "case": reverse("sara:case_detail", args=[case.pk]),
        "case_edit": reverse("sara:case_edit", args=[case.pk]),
        "analysis_new": reverse("sara:analysis_add", args=[case.pk]),
        "action_new": reverse("sara:action_add", args=[case.pk]),
        "case_assessment_new": reverse("sara:assessment_add", args=[case.pk]),
        "case_effect": reverse("sara:case_effect", args=[case.pk]),
        "scene_effect": reverse("sara:scene_effect", args=[scene.pk]),
        "action": reverse("sara:action_detail", args=[world["action"].pk]),
        "action_edit": reverse("sara:action_edit", args=[world["action"].pk]),
        "my_actions": reverse("sara:my_actions"),
        "methods": reverse("sara:method_list"),
        "method": reverse("sara:method_detail", args=[world["method"].pk]),
        "method_new": reverse("sara:method_create"),
        "method_edit": reverse("sara:method_edit", args=[world["method"].pk]),
        # The list is also where a lägesbild is requested (its form is on the page).
        "reports": reverse("situation_reports:report_list"),
        "report": reverse("situation_reports:report_detail", args=[world["report"].pk]),
        "followup": reverse("followup:scenes"),
        "followup_sara": reverse("followup:section", args=["sara"]),
        "log_review": reverse("audit:review"),
        "log_object": reverse("audit:object_reads")
        + f"?object_type=scenes.scene&object_id={scene.pk}",
        "log_user": reverse("audit:user_reads") + "?username=polis.city",
        "log_sample": reverse("audit:sample"),
        "log_unusual": reverse("audit:unusual"),
        "organisations": reverse("actors:organisation_list"),
        "organisation": reverse("actors:organisation_detail", args=[world["police"].pk]),
    }


PERSONA_PAGES = {
    "sthlm.samordnare": [
        "home", "scene_list", "scene", "scene_edit", "team_add", "assessment_new", "place",
        "place_new", "place_edit", "landmark_new", "landmark_edit", "observation_form",
        "observation_list", "observation_list_suspected", "observation",
        "observation_duplicates", "share_new", "export_job", "observation_import",
        "observation_import_failed", "observation_import_preview",
        "observation_import_errors", "indicators", "indicator", "indicator_new",
        "municipality_indicator_new", "indicator_import", "indicator_import_failed",
        "indicator_import_preview", "case_new", "case", "case_edit", "analysis_new",
        "action_new", "case_assessment_new", "case_effect",
        "scene_effect", "action", "action_edit", "my_actions", "methods", "method", "reports",
        "report", "followup", "log_review", "log_object", "log_user", "log_unusual",
    ],
    "sthlm.falt": [
        "home", "scene_list", "scene", "observation_form", "outbox", "observation_list",
        "observation_duplicates", "observation_import", "case", "my_actions", "reports",
    ],
    "polis.city": ["home", "scene", "observation_form", "case", "action", "my_actions"],
    "stad.utvarderare": [
        "home", "scene_list", "scene", "observation_list", "case", "reports", "followup",
        "followup_sara", "indicators", "indicator", "organisations", "organisation",
    ],
    "lan.samordnare": [
        "home", "scene_list", "scene", "scene_new", "scene_archive", "scene_delete", "case",
        "reports", "followup", "log_review", "log_sample", "indicator_import", "method_new",
        "method_edit",
    ],
}  # fmt: skip

# What a page of the sweep must show, so that axe checks that state of it.
SHOWS = {
    "observation_duplicates": "#possible-duplicates",
    "observation_list_suspected": "form[action$='/duplicate/']",
    "observation_import_preview": "input[name=confirm]",
    "observation_import_errors": "#error-summary",
    "indicator_import_preview": "input[name=confirm]",
    "outbox": "#outbox-list",
}

# The GET URLs of the permission matrix that are not HTML pages of their own, and so are
# not in the sweep. Every other GET URL of the matrix must be in some persona's sweep
# (test_every_html_page_of_the_matrix_is_in_the_sweep).
NOT_PAGES = {
    "scenes:scene_map_data": "JSON for the county map",
    "scenes:scene_observation_map": "JSON for a scene's map",
    "scenes:observation_import_progress": "the progress box alone, polled into its page",
    "scenes:indicator_import_progress": "the progress box alone, polled into its page",
    "situation_reports:report_progress": "the progress box alone, polled into its page",
    "situation_reports:report_download": "the report's PDF",
    "situation_reports:report_table": "an XLSX/CSV download",
    "export_progress": "the progress box alone, polled into its page",
    "export_download": "the export's XLSX file",
    "scenes:outbox_session": "JSON: who is signed in, for the outbox",
    "scenes:service_worker": "the service worker's JavaScript",
    "scenes:manifest": "the web app manifest (JSON)",
    "schema": "the OpenAPI schema (YAML/JSON)",
}
# The REST API answers JSON (its browsable pages are DRF's own).
API_PREFIXES = ("api:", "sara-api:", "reports-api:")


class _AnyObject(dict):
    """A stand-in for `world` that gives every key an object with an id, so the sweep's
    addresses can be built without a database."""

    def __missing__(self, key):
        uploads = ("observation_import", "observation_preview", "observation_errors")
        uploads += ("indicator_import", "indicator_preview", "export")
        return type("Stub", (), {"pk": uuid.UUID(int=1) if key in uploads else 1})()


def test_every_html_page_of_the_matrix_is_in_the_sweep():
    """A new page added to the permission matrix must be added to a persona's sweep above
    (or, if it is not an HTML page, to NOT_PAGES with why)."""
    from django.urls import resolve

    from .permission_matrix import ROWS

    gets = {row.name for row in ROWS if row.method == "get"}
    pages = {
        name: resolve(url.split("?")[0]).view_name for name, url in _pages(_AnyObject()).items()
    }
    swept = {pages[name] for names in PERSONA_PAGES.values() for name in names}
    missing = sorted(
        name for name in gets - swept - set(NOT_PAGES) if not name.startswith(API_PREFIXES)
    )
    assert missing == []
    assert sorted(set(NOT_PAGES) - gets) == []  # no stale exclusions
    assert sorted(set(pages) - {n for names in PERSONA_PAGES.values() for n in names}) == []


@pytest.fixture
def sweep_world(world, personas, stockholm):
    """The matrix's world, plus what the sweep shows that it has not: a near-duplicate of
    an observation (so the pages offer and list possible same events) and import previews."""
    from datetime import timedelta

    from django.test import Client

    from scenes import services
    from scenes.tests import test_import, test_indicator_import

    # The latest shared one: within the observation list's default period.
    original = Observation.objects.filter(
        scene=world["scene"], restricted=False, duplicate_of__isnull=True
    ).latest("occurred_at")
    world["near_duplicate"] = services.log_observation(
        by=personas["sthlm.falt"],
        scene=original.scene,
        location=original.location.clone(),
        occurred_at=original.occurred_at + timedelta(minutes=5),
        category=original.category,
        source=original.source,
        insecurity=original.insecurity,
        description="Samma grupp vid trappan, loggad igen.",
    )
    client = Client()
    client.force_login(personas["sthlm.samordnare"])
    scene = world["scene"]
    rows = test_import.valid_rows(scene)
    for key, file in (
        ("observation_preview", test_import.csv_file(rows)),
        ("observation_errors", test_import.csv_file(rows + test_import.bad_rows(scene))),
    ):
        world[key] = test_import.upload(client, scene, file).context["job"]
    indicator_rows = test_indicator_import.good_rows(scene)
    world["indicator_preview"] = test_indicator_import.upload(
        client, test_indicator_import.csv_file(indicator_rows)
    ).context["job"]
    return world


@pytest.mark.parametrize("username", list(PERSONA_PAGES))
def test_every_page_has_no_wcag_violations_on_a_phone(
    phone, live_server, cases, sweep_world, demo_password, username
):
    pages = _pages(sweep_world)
    page = _signed_in(phone, live_server, username, demo_password)
    found = {}
    for name in PERSONA_PAGES[username]:
        response = page.goto(live_server.url + pages[name])
        assert response.status == 200, name
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
        if name in SHOWS:  # the page is in the state the sweep is for
            assert page.locator(SHOWS[name]).count() > 0, name
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
