"""The platform in a real browser: Debian's headless Chromium driven by Playwright.

axe-core (vendored from npm) checks every page visited against WCAG 2.1 A and AA.
"""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(settings.BASE_DIR) / "static/vendor/axe-core/axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page):
    page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Användarnamn eller e-postadress").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_log_in_and_start_page_have_no_wcag_violations(page, live_server, personas, demo_password):
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert axe_violations(page) == []

    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    main = page.get_by_role("main")
    assert "Stockholms stad" in main.inner_text()
    assert "Samordnare" in main.inner_text()
    assert axe_violations(page) == []


def test_failed_log_in_shows_the_error_and_keeps_the_username(page, live_server, personas):
    log_in(page, live_server, "sthlm.falt", "fel-losenord")
    alert = page.get_by_role("alert")
    assert "felaktigt" in alert.inner_text()
    assert page.get_by_label("Användarnamn eller e-postadress").input_value() == "sthlm.falt"
    assert axe_violations(page) == []


def test_keyboard_user_reaches_the_skip_link_first(page, live_server, personas, demo_password):
    log_in(page, live_server, "sthlm.falt", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_phone_sized_screen_shows_menu_and_organisation_without_sideways_scroll(
    browser, live_server, personas, demo_password
):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, live_server, "sl.trygghet", demo_password)
        page.wait_for_url(f"{live_server.url}/")
        # The menu is folded behind its button; opened, it is there.
        assert not page.get_by_role("navigation", name="Huvudmeny").is_visible()
        page.get_by_role("button", name="Meny").click()
        assert page.get_by_role("navigation", name="Huvudmeny").is_visible()
        assert "Trafikförvaltningen" in page.get_by_role("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(page) == []
    finally:
        context.close()


def test_language_switch_to_english(page, live_server, personas, demo_password):
    log_in(page, live_server, "stad.utvarderare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Your organisation and role" in page.get_by_role("main").inner_text()
    assert axe_violations(page) == []
