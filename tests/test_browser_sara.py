"""SARA in a real browser: an agency's staff update their action; WCAG checks with axe-core."""

import pytest
from django.urls import reverse

from sara.models import Action

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_transit_officer_marks_an_action_done_from_my_actions(
    offline, live_server, cases, demo_password
):
    page = offline
    log_in(page, live_server, "sl.trygghet", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Mina åtgärder", exact=True).click()
    mine = Action.objects.filter(responsible__slug="region-stockholm-tf", status="pagaende")
    action = mine.first()
    assert axe_violations(page) == []
    page.get_by_role("link", name=action.title).click()
    page.get_by_label("Vad som gjorts").fill("Klart enligt plan.")
    page.get_by_label("Status").select_option("genomford")
    page.get_by_role("button", name="Spara uppdatering").click()
    assert "Uppdateringen sparades" in page.get_by_role("status").first.inner_text()
    action.refresh_from_db()
    assert action.status == "genomford"
    assert "Klart enligt plan." in page.get_by_role("main").inner_text()


@pytest.mark.parametrize("which", ["case", "methods", "method"])
def test_sara_pages_have_no_wcag_violations(offline, live_server, cases, demo_password, which):
    page = offline
    case = cases.get(scene__name__startswith="Sergels")
    method = Action.objects.filter(method__isnull=False).first().method
    urls = {
        "case": reverse("sara:case_detail", args=[case.pk]),
        "methods": reverse("sara:method_list"),
        "method": reverse("sara:method_detail", args=[method.pk]),
    }
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + urls[which])
    assert axe_violations(page) == []


def test_coordinator_adds_an_action_from_the_case_page(offline, live_server, cases, demo_password):
    """The case page links to the action form (it is not rendered inline); a form sent
    without a responsible organisation keeps what was typed; sent again it is saved and
    listed on the case page."""
    page = offline
    case = cases.get(scene__name__startswith="Sergels")
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(live_server.url + reverse("sara:case_detail", args=[case.pk]))
    page.get_by_role("link", name="Ny åtgärd", exact=True).click()
    page.wait_for_url(f"{live_server.url}{reverse('sara:action_add', args=[case.pk])}")
    page.get_by_label("Rubrik").fill("Städning av trappan")
    page.get_by_label("Ansvarig organisation").select_option("")
    page.get_by_role("button", name="Spara").click()
    assert page.get_by_label("Rubrik").input_value() == "Städning av trappan"
    assert not Action.objects.filter(case=case, title="Städning av trappan").exists()
    assert axe_violations(page) == []
    responsible = case.scene.team.first().organisation
    page.get_by_label("Ansvarig organisation").select_option(str(responsible.pk))
    page.get_by_role("button", name="Spara").click()
    page.wait_for_url(f"{live_server.url}{reverse('sara:case_detail', args=[case.pk])}")
    assert "Åtgärden lades till." in page.get_by_role("status").first.inner_text()
    assert "Städning av trappan" in page.get_by_role("main").inner_text()
    assert Action.objects.get(case=case, title="Städning av trappan").responsible == responsible
