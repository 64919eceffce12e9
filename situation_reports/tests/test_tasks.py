"""The build task's bookkeeping, run in this process (the worker tests run it for real)."""

import logging
from datetime import datetime

import pytest
import time_machine

from situation_reports.models import Report
from situation_reports.tasks import build_report, building_now, claim, create_scheduled_reports

pytestmark = pytest.mark.django_db


def test_a_render_error_fails_the_report_readably_and_logs_it(
    sergels_report, method_catalogue, monkeypatch, caplog
):
    def broken(html):
        raise RuntimeError("cairo says no")

    monkeypatch.setattr("situation_reports.pdf.html_to_pdf", broken)
    with caplog.at_level(logging.ERROR, logger="situation_reports.tasks"):
        assert build_report.run(sergels_report.pk) == "failed"

    sergels_report.refresh_from_db()
    assert sergels_report.status == "failed"
    assert sergels_report.error.startswith("Rapporten kunde inte skapas på grund av ett tekniskt")
    assert "cairo" not in sergels_report.error  # the user reads a message, not a traceback
    assert not sergels_report.file
    assert "cairo says no" in caplog.text and f"Report {sergels_report.pk}" in caplog.text
    assert sergels_report.pk not in building_now()  # the lock was given back


def test_a_finished_report_is_never_built_again(sergels_report, method_catalogue):
    assert build_report.run(sergels_report.pk) == "done"
    sergels_report.refresh_from_db()
    first = (sergels_report.sha256, sergels_report.file.name, sergels_report.finished_at)

    assert build_report.run(sergels_report.pk) == "skipped"
    sergels_report.refresh_from_db()
    assert (sergels_report.sha256, sergels_report.file.name, sergels_report.finished_at) == first
    assert sergels_report.attempts == 1


def test_a_report_being_built_elsewhere_is_left_alone(sergels_report):
    from django.db import connections

    # Another session (a live worker) holds the report's lock.
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(7105, %s)", [sergels_report.pk])
    try:
        assert sergels_report.pk in building_now()
        assert claim(sergels_report.pk) is None
        # The worker finishes and gives the lock back (closing the connection alone may
        # leave the lock held for a moment while the server ends that session).
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(7105, %s)", [sergels_report.pk])
    finally:
        other.close()
    assert claim(sergels_report.pk) is not None
    assert Report.objects.get(pk=sergels_report.pk).status == "running"


def test_subscriptions_make_one_report_per_period(stockholm_coordinator, sergels):
    from situation_reports.models import ReportSubscription

    ReportSubscription.objects.create(
        scene=sergels, frequency="monthly", created_by=stockholm_coordinator
    )
    # The beat runs at 06:00 on each of these days (the period asked for must have ended).
    for day, expected in (("2026-11-03", 1), ("2026-11-17", 0), ("2026-12-01", 1)):
        with time_machine.travel(datetime.fromisoformat(f"{day}T06:00:00+01:00")):
            assert create_scheduled_reports(day) == expected, day
    periods = sorted(Report.objects.values_list("period_start", "period_end"))
    assert [(f"{a}", f"{b}") for a, b in periods] == [
        ("2026-10-01", "2026-10-31"),
        ("2026-11-01", "2026-11-30"),
    ]
