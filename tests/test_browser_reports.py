"""A lägesbild in a real browser, built by a real worker: ask, watch, download, read.

The issue's "done when": sthlm.samordnare asks for a lägesbild of a demo scene for the last
90 days, watches the progress bar, downloads a PDF whose text answers what, where, when, who
and hotspots with the scene page's numbers; botkyrka.samordnare gets 404 for it.
"""

import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from scenes import wording
from scenes.models import Observation
from situation_reports.models import Report

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_orders_watches_and_reads_a_lagesbild(
    offline,
    live_server,
    celery_worker,
    cases,
    sergels,
    demo_password,
    tmp_path,
    browser,
):
    page = offline
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('scenes:scene_detail', args=[sergels.pk])}")
    scene_page = page.get_by_role("main").inner_text()
    total = int(re.search(r"(\d+) observationer", scene_page).group(1))

    page.get_by_role("button", name=re.compile("Skapa en lägesbild för")).click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    progress = page.locator("#report-progress progress")
    assert progress.is_visible()
    assert axe_violations(page) == []
    download_link = page.get_by_role("link", name="Ladda ner PDF-filen")
    download_link.wait_for(timeout=90_000)  # the bar advances while the worker builds it
    assert page.locator("#report-progress progress").get_attribute("value") == "100"
    assert "Rapporten är klar." in page.locator("#report-progress").inner_text()

    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "lagesbild.pdf"
    info.value.save_as(path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for question in ("Vad?", "Var?", "När?", "Vem drabbas?", "Hotspots"):
        assert question in flat, question
    report = Report.objects.get()
    snapshot = report.snapshot
    assert snapshot["what"]["total"] == total > 0
    top = snapshot["what"]["categories"][0]
    assert re.search(rf"{re.escape(top['label'])}\s+{top['count']}\b", flat)
    assert Observation.objects.filter(scene=sergels).exists()
    # The peaks in the words the PDF uses, or why none are named.
    with translation.override("sv"):
        if snapshot["rules"]["enough"]:
            said = wording.peaks_summary(snapshot["when"]["peaks"])
        else:
            said = wording.thin_data(total, snapshot["rules"]["min_observations"])
    assert " ".join(said.split()) in flat

    # Botkyrka's coordinator does not work Sergels torg: the report does not exist for them.
    other = browser.new_context()
    other_page = other.new_page()
    log_in(other_page, live_server, "botkyrka.samordnare", demo_password)
    other_page.wait_for_url(f"{live_server.url}/")
    for name in ("report_detail", "report_download"):
        url = live_server.url + reverse(f"situation_reports:{name}", args=[report.pk])
        assert other_page.request.get(url).status == 404
    other.close()


def test_the_report_list_has_no_wcag_violations(
    offline,
    live_server,
    sergels,
    demo_password,
):
    log_in(offline, live_server, "sthlm.samordnare", demo_password)
    offline.wait_for_url(f"{live_server.url}/")
    offline.goto(f"{live_server.url}{reverse('situation_reports:report_list')}")
    assert offline.get_by_role("heading", name="Beställ en ny lägesbild").is_visible()
    assert axe_violations(offline) == []
