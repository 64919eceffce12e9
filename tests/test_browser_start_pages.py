"""The start page of each persona in a real browser, with the demo's scenes and cases: no
WCAG 2.1 AA violations (axe-core), on a desk screen and on a phone."""

import pytest

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONAS = {
    "lan.samordnare": "Länet",
    "sthlm.samordnare": "Mina scener",
    "sthlm.falt": "Min organisations åtgärder",
    "stad.utvarderare": "Uppföljningen",
}


def test_every_personas_start_page_passes_axe(browser, live_server, cases, demo_password):
    for username, heading in PERSONAS.items():
        for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            page.route("**/*", lambda r: r.abort() if "127.0.0.1" not in r.request.url
                       and "localhost" not in r.request.url else r.continue_())  # fmt: skip
            try:
                log_in(page, live_server, username, demo_password)
                page.wait_for_url(f"{live_server.url}/")
                assert page.get_by_role("heading", name=heading).is_visible()
                assert axe_violations(page) == [], (username, viewport)
            finally:
                context.close()
