"""The follow-up in a real browser, as stad.utvarderare uses it: from the start page to the
follow-up, its charts drawn in SVG with their ARIA descriptions and decal patterns beside
their tables, the effect and displacement page and the indicator import, all without a WCAG
2.1 AA violation (axe) or a Content-Security-Policy violation."""

import re

import pytest
from django.urls import reverse

from followup.demo import load_followup
from sara.demo import load_cases
from sara.models import Case
from scenes.demo import load_scenes

from .test_browser import axe_violations, log_in
from .test_browser_figures import WATCH_CSP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(personas, method_catalogue):
    load_scenes(per_scene=40)
    load_cases()
    load_followup()


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH_CSP)
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    return page


def test_stad_goes_from_the_start_page_to_the_follow_up_and_its_charts(
    watched, live_server, demo, demo_password
):
    page = watched
    log_in(page, live_server, "stad.utvarderare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("Länets uppföljning")).click()
    page.wait_for_url(f"{live_server.url}{reverse('followup:scenes')}")
    chart = page.locator("[data-source='status_by_quarter-chart']")
    chart.scroll_into_view_if_needed()
    page.wait_for_selector("[data-source='status_by_quarter-chart'][data-rendered='true'] svg")
    assert "Scener per status och kvartal" in chart.get_attribute("aria-label")
    # Decal patterns: ECharts draws them as pattern fills in the SVG.
    assert page.locator("[data-source='status_by_quarter-chart'] svg pattern").count() > 0
    assert page.evaluate("window.__csp") == []
    assert axe_violations(page) == []
    for name in ("sara", "methods", "completeness", "indicators"):
        page.goto(f"{live_server.url}{reverse('followup:section', args=[name])}")
        assert page.evaluate("window.__csp") == []
        assert axe_violations(page) == [], name


def test_the_effect_page_draws_its_chart_and_keeps_its_rules(
    watched, live_server, demo, demo_password
):
    page = watched
    case = Case.objects.get(scene__name="Solna station (demo)")
    log_in(page, live_server, "stad.utvarderare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('sara:case_detail', args=[case.pk])}")
    assert "En minskning som går att skilja från slumpen" in page.get_by_role("main").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Mät effekt och förskjutning").click()
    page.wait_for_selector("[data-chart='effect'][data-rendered='true'] svg")
    assert page.locator("table.measures tbody tr").count() == 7
    assert page.evaluate("window.__csp") == []
    assert axe_violations(page) == []


@pytest.mark.worker
def test_the_indicator_import_preview_is_accessible(
    watched, live_server, demo, demo_password, tmp_path, celery_worker
):
    page = watched
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('scenes:indicator_import')}")
    file = tmp_path / "varden.csv"
    file.write_text(
        "Indikator;Scen;Period;Värde\n"
        "Sprutfynd;Sergels torg (demo);2026-01;12\n"
        "Sprutfynd;Ingen sådan scen;2026-01;tolv\n",
        encoding="utf-8",
    )
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(str(file))
    page.get_by_role("button", name="Ladda upp och granska").click()
    alert = page.get_by_role("alert")
    assert "Okänd scen" in alert.inner_text() and "inte ett tal" in alert.inner_text()
    assert page.get_by_role("button", name=re.compile("Importera")).count() == 0
    assert axe_violations(page) == []
