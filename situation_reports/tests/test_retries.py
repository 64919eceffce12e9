"""Passing faults: a report goes back to the queue with a backoff instead of failing, and only
gives up, saying why, after its retries. Run in this process (the worker tests run it for
real in test_recovery.py)."""

import errno
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from situation_reports import tasks
from situation_reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_storage(monkeypatch):
    def full(name, data, storage=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tasks, "store_atomically", full)


def test_a_full_storage_sends_the_report_back_with_a_growing_wait(
    settings, full_storage, sergels_report, method_catalogue
):
    settings.ODS_REPORT_RETRY_BASE_S = 10
    settings.ODS_REPORT_RETRY_MAX_S = 35
    waits = []
    for _attempt in range(4):
        Report.objects.filter(pk=sergels_report.pk).update(retry_at=None)  # due now
        assert tasks.build_report.run(sergels_report.pk) == "retry"
        after = timezone.now()
        sergels_report.refresh_from_db()
        assert (sergels_report.status, sergels_report.stage) == ("queued", "retry")
        assert "försöker igen automatiskt" in sergels_report.error
        # retry_at was set an instant before the build returned: the wait from then.
        waits.append(round((sergels_report.retry_at - after).total_seconds() + 0.4))
    assert waits == [10, 20, 35, 35]  # doubling, up to the ceiling
    assert sergels_report.retries == 4 and not sergels_report.file


def test_a_retry_that_is_not_yet_due_is_not_built(sergels_report):
    Report.objects.filter(pk=sergels_report.pk).update(
        stage="retry", retry_at=timezone.now() + timedelta(minutes=5)
    )
    assert tasks.build_report.run(sergels_report.pk) == "skipped"
    assert tasks.stuck_reports() == ([], [])  # nor handed out by the sweeper
    assert Report.objects.get(pk=sergels_report.pk).status == "queued"


def test_after_its_retries_a_storage_fault_fails_the_report_saying_why(
    settings, full_storage, sergels_report, method_catalogue
):
    settings.ODS_REPORT_MAX_RETRIES = 0
    assert tasks.build_report.run(sergels_report.pk) == "failed"
    sergels_report.refresh_from_db()
    assert sergels_report.status == "failed"
    assert "lagringen för rapporter" in sergels_report.error
    assert str(sergels_report.pk) in sergels_report.error


def test_the_database_lost_mid_build_is_a_retry_not_a_failure(
    monkeypatch, sergels_report, method_catalogue
):
    def lost(snapshot, progress=None):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "render", lost)
    monkeypatch.setattr(tasks.connection, "close", lambda: None)  # (the test's transaction)
    assert tasks.build_report.run(sergels_report.pk) == "retry"
    sergels_report.refresh_from_db()
    assert (sergels_report.status, sergels_report.stage) == ("queued", "retry")
    assert sergels_report.error.startswith("Databasen svarade inte")
