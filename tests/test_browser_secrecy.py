"""Secrecy in a real browser: Stockholm's coordinator shares a note kept to Stockholms stad with
the police on a recorded legal basis, the police officer then finds it, and the share is ended;
the team, sharing and log review pages pass axe (WCAG 2.1 AA)."""

import re

import pytest
from django.urls import reverse

from scenes.models import Observation

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kept_note_is_shared_with_the_police_and_the_share_ended(
    offline, live_server, demo_scenes, demo_password, browser
):
    page = offline
    note = (
        Observation.objects.filter(scene=demo_scenes["Sergels torg"], restricted=True)
        .exclude(shares__isnull=False)
        .first()
    )
    url = live_server.url + reverse("scenes:observation_detail", args=[note.pk])

    police = browser.new_page()
    police.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    log_in(police, live_server, "polis.city", demo_password)
    police.wait_for_url(f"{live_server.url}/")
    assert police.goto(url).status == 404

    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(url)
    assert "Stannar i" in page.get_by_role("main").inner_text()  # "Kept to Stockholms stad"
    page.get_by_role("link", name="Dela med andra organisationer").click()
    assert axe_violations(page) == []
    page.get_by_label("Lokalpolisområde City").check()
    page.get_by_label("Rättslig grund").select_option("osl_10_18a")
    page.get_by_label("Syfte").fill("Gemensam bild inför SSPF-mötet.")
    page.get_by_label("Beslutat av").fill("Enhetschef, fältgruppen")
    page.get_by_role("button", name="Dela", exact=True).click()
    assert "Raden är delad" in page.get_by_role("status").first.inner_text()
    assert "OSL 10 kap. 18 a §" in page.get_by_role("main").inner_text()

    assert police.goto(url).status == 200
    assert note.description in police.get_by_role("main").inner_text()

    page.get_by_role("button", name="Avsluta delningen").click()
    assert "Delningen är avslutad" in page.get_by_role("status").first.inner_text()
    assert police.goto(url).status == 404


@pytest.mark.parametrize("which", ["team", "review", "sample"])
def test_the_secrecy_pages_have_no_wcag_violations(
    offline, live_server, demo_scenes, demo_password, which
):
    page = offline
    urls = {
        "team": reverse("scenes:team_add", args=[demo_scenes["Sergels torg"].pk]),
        "review": reverse("audit:review"),
        "sample": reverse("audit:sample") + "?start=2000-01-01&end=2100-01-01",
    }
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + urls[which])
    assert axe_violations(page) == []
