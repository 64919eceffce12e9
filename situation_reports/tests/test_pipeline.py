"""The report pipeline with a real worker and a real Redis: built once, never lost.

Each test starts its own worker subprocess (and stops the session's private Redis where the
test is about an outage); the machine's shared services are never touched.
"""

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ods_platform.testing import CeleryWorker, database_url_for_tests
from situation_reports import services
from situation_reports.models import Report, ReportSubscription, report_storage
from situation_reports.tasks import create_scheduled_reports, republish_stuck_reports

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(report: Report, *statuses: str, timeout: float = 90, poll: float = 0.2) -> Report:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in statuses:
            return report
        time.sleep(poll)
    raise AssertionError(f"report {report.pk} is {report.status}, not {statuses}")


def pdf_text(report: Report) -> str:
    path = report_storage().path(report.file.name)
    return subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout


def files_of(report: Report) -> list[Path]:
    return sorted(Path(settings.REPORTS_ROOT).rglob(f"{report.pk}-*"))


def ask(user, scene, days=90) -> Report:
    today = timezone.localdate()
    with transaction.atomic():
        return services.request_report(
            user, scope="scene", scene=scene, start=today - timedelta(days=days - 1), end=today
        )


def test_the_worker_builds_the_report_once_with_its_checksum(
    celery_worker, stockholm_coordinator, sergels, method_catalogue
):
    report = wait_for(ask(stockholm_coordinator, sergels), "done", "failed")

    assert report.status == "done", report.error
    assert (report.progress, report.stage, report.attempts) == (100, "finished", 1)
    data = Path(report_storage().path(report.file.name)).read_bytes()
    import hashlib

    assert report.sha256 == hashlib.sha256(data).hexdigest() and report.size == len(data)
    assert files_of(report) == [Path(report_storage().path(report.file.name))]
    text = pdf_text(report)
    assert "Sergels torg (demo)" in text and "Vad?" in text


def test_with_redis_down_the_page_answers_at_once_and_the_sweeper_delivers_later(
    client, celery_worker, redis_server, stockholm_coordinator, sergels, method_catalogue
):
    client.force_login(stockholm_coordinator)
    today = timezone.localdate()
    redis_server.stop()
    try:
        began = time.monotonic()
        response = client.post(
            reverse("situation_reports:report_list"),
            {"scope": "scene", "scene": sergels.pk, "start": today - timedelta(days=89),
             "end": today},
        )  # fmt: skip
        took = time.monotonic() - began
        report = Report.objects.get()
        assert response.status_code == 302
        assert took < 10, f"the page took {took:.1f} s with the broker down"
        assert (report.status, report.published_at) == ("queued", None)
        assert client.get(response["Location"]).status_code == 200
        assert republish_stuck_reports() == 0  # still down: nothing handed out, nothing lost
    finally:
        redis_server.start()

    assert republish_stuck_reports() == 1
    report = wait_for(report, "done", "failed")
    assert report.status == "done", report.error
    assert len(files_of(report)) == 1


def _pool_children(worker: CeleryWorker) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(worker.proc.pid)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


def test_a_worker_killed_mid_report_still_yields_it_exactly_once(
    celery_worker, stockholm_coordinator, sergels, method_catalogue
):
    report = ask(stockholm_coordinator, sergels)
    wait_for(report, "running", "done", poll=0.01)
    assert report.status == "running", "the build should still be under way"
    for pid in _pool_children(celery_worker):
        os.kill(pid, signal.SIGKILL)  # the process building the report dies mid-way

    # The task is handed back (acks_late, reject_on_worker_lost) and built again.
    report = wait_for(report, "done", "failed")
    assert report.status == "done", report.error
    assert report.attempts == 2
    assert files_of(report) == [Path(report_storage().path(report.file.name))]
    # A late duplicate delivery changes nothing.
    from situation_reports.tasks import build_report

    build_report.delay(report.pk)
    time.sleep(2)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("done", 2)


def test_a_report_orphaned_by_a_dead_worker_is_handed_out_again_by_the_sweeper(
    settings, redis_server, stockholm_coordinator, sergels, method_catalogue
):
    first = CeleryWorker(database_url_for_tests())
    first.start()
    report = ask(stockholm_coordinator, sergels)
    wait_for(report, "running", "done", poll=0.01)
    first.stop(signal.SIGKILL)  # the whole worker is gone, its message unacknowledged
    assert report.status == "running"
    settings.ODS_REPORT_REPUBLISH_AFTER_S = 0

    second = CeleryWorker(database_url_for_tests())
    second.start()
    try:
        assert republish_stuck_reports() == 1
        report = wait_for(report, "done", "failed")
    finally:
        second.stop()
    assert report.status == "done", report.error
    assert len(files_of(report)) == 1


@pytest.fixture
def broken_storage_worker(monkeypatch):
    """A worker whose report storage cannot be written (a path under a file)."""
    monkeypatch.setenv("REPORTS_ROOT", "/dev/null/reports")
    worker = CeleryWorker(database_url_for_tests())
    worker.start()
    yield worker
    worker.stop()


def test_an_error_fails_the_report_with_a_readable_message_and_logs_it(
    broken_storage_worker, stockholm_coordinator, sergels, method_catalogue
):
    report = wait_for(ask(stockholm_coordinator, sergels), "done", "failed")

    assert report.status == "failed"
    assert "tekniskt fel" in report.error and str(report.pk) in report.error
    assert not report.file
    assert f"Report {report.pk} could not be built" in broken_storage_worker.output()


@pytest.fixture
def mail_dir(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{tmp_path}")
    return tmp_path


def test_a_subscription_makes_one_report_per_period_and_mails_the_team_a_link(
    mail_dir, celery_worker, stockholm_coordinator, sergels, method_catalogue
):
    ReportSubscription.objects.create(
        scene=sergels, frequency="weekly", created_by=stockholm_coordinator
    )
    # Two beat runs the same day (one through the worker) make one report.
    assert create_scheduled_reports.delay().get(timeout=30) == 1
    assert create_scheduled_reports() == 0
    report = wait_for(Report.objects.get(), "done", "failed")
    assert report.status == "done", report.error
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert (report.period_start, report.period_end) == (
        monday - timedelta(days=7),
        monday - timedelta(days=1),
    )

    deadline = time.monotonic() + 30
    text = ""
    while time.monotonic() < deadline and "Ny lägesbild" not in text:
        text = "".join(p.read_text(errors="replace") for p in mail_dir.glob("*.log"))
        time.sleep(0.2)
    assert text.count("Message-ID:") == 1
    assert f"/reports/{report.pk}/" in text
    assert "sthlm.samordnare@demo.invalid" in text  # Stockholm is on the team
    assert "botkyrka" not in text
    assert "application/pdf" not in text and "%PDF" not in text
