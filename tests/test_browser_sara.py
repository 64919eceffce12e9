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
