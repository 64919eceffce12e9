"""Reports that heal: a full or read-only storage, a lost broker message, a dead or hung build.

Real worker subprocesses, the session's own Redis and a tiny tmpfs of the test's own for the
storage (mounted and removed here); the machine's shared services are never touched. The
test process plays beat: it calls the sweeper as beat would, every few seconds.
"""

import hashlib
import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from ods_platform.testing import CeleryWorker, database_url_for_tests
from situation_reports.models import Report
from situation_reports.tasks import republish_stuck_reports

from .test_pipeline import _pool_children, ask, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tiny_disk(tmp_path):
    """An 8 MB tmpfs of the test's own, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mount_point)],
        check=True,
    )
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> Path:
    """Write zeros until the file system is full; the filler file is returned."""
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


@pytest.fixture
def storage_on(settings, monkeypatch):
    """Point this process and the workers it starts at a report storage directory."""

    def point(root: Path) -> None:
        monkeypatch.setenv("REPORTS_ROOT", str(root))
        settings.REPORTS_ROOT = root
        settings.STORAGES = {
            **settings.STORAGES,
            "reports": {**settings.STORAGES["reports"], "OPTIONS": {"location": root}},
        }

    return point


def sweep_until(report: Report, *statuses: str, timeout: float = 60, every: float = 1) -> Report:
    """Call the sweeper as beat does until the report reaches one of the statuses."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        republish_stuck_reports()
        report.refresh_from_db()
        if report.status in statuses:
            return report
        time.sleep(every)
    raise AssertionError(f"report {report.pk} is {report.status}/{report.stage}")


def test_a_full_disk_is_seen_by_healthz_retried_and_the_report_succeeds_once_freed(
    client, tiny_disk, storage_on, monkeypatch, settings,
    stockholm_coordinator, sergels, method_catalogue,
):  # fmt: skip
    root = tiny_disk / "reports"
    root.mkdir()
    storage_on(root)
    settings.ODS_REPORTS_MIN_FREE_MB = 1
    monkeypatch.setenv("ODS_REPORT_RETRY_BASE_S", "1")
    monkeypatch.setenv("ODS_REPORT_RETRY_MAX_S", "2")
    filler = _fill(tiny_disk)
    worker = CeleryWorker(database_url_for_tests())
    worker.start()
    try:
        health = client.get("/healthz")
        assert health.status_code == 503 and "reports_storage" in health.json()["down"]

        report = ask(stockholm_coordinator, sergels)
        deadline = time.monotonic() + 60
        while report.stage != "retry" and time.monotonic() < deadline:
            time.sleep(0.2)
            report.refresh_from_db()
        assert (report.status, report.stage) == ("queued", "retry"), report.error
        assert "lagringen för rapporter är full" in report.error
        assert not [p for p in root.rglob("*") if p.is_file()], "no partial file is left"
        client.force_login(stockholm_coordinator)
        page = client.get(reverse("situation_reports:report_detail", args=[report.pk]))
        assert "Försöker igen" in page.text and "beställa den igen" in page.text
        assert 'hx-trigger="every 1s"' in page.text  # the page keeps following it

        filler.unlink()  # space is freed; nobody orders anything again
        report = sweep_until(report, "done", "failed")
    finally:
        worker.stop()
    assert report.status == "done", report.error
    assert report.retries >= 1 and report.error == ""
    stored = root / report.file.name
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == report.sha256
    assert [p for p in root.rglob("*") if p.is_file()] == [stored]
    assert client.get("/healthz").json()["checks"]["reports_storage"] == "up"


def test_a_read_only_storage_turns_healthz_503_naming_it(client, settings, tiny_disk, storage_on):
    root = tiny_disk / "reports"
    root.mkdir()
    storage_on(root)
    settings.ODS_REPORTS_MIN_FREE_MB = 1
    assert client.get("/healthz").json()["checks"]["reports_storage"] == "up"
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "reports_storage" in response.json()["down"]
    assert str(root) not in response.content.decode()  # no paths leave the endpoint


def test_too_little_free_space_is_down_before_the_disk_is_full(client, settings):
    settings.ODS_REPORTS_MIN_FREE_MB = 10**9  # a petabyte: more than any disk here has free
    response = client.get("/healthz")
    assert response.status_code == 503 and "reports_storage" in response.json()["down"]


def _queue_length(redis_server) -> int:
    client = redis.Redis.from_url(redis_server.url())
    try:
        return client.llen("reports")
    finally:
        client.close()


def test_a_report_waiting_in_the_broker_is_not_sent_again_but_a_lost_message_is(
    redis_server, stockholm_coordinator, sergels, method_catalogue
):
    report = ask(stockholm_coordinator, sergels)  # no worker: it waits in the queue
    assert _queue_length(redis_server) == 1
    Report.objects.filter(pk=report.pk).update(published_at=timezone.now() - timedelta(hours=1))

    for _beat in range(3):
        assert republish_stuck_reports() == 0  # a backlog is not a loss
    assert _queue_length(redis_server) == 1

    client = redis.Redis.from_url(redis_server.url())
    client.flushall()  # Redis restarted with an empty queue
    client.close()
    assert republish_stuck_reports() == 1
    assert _queue_length(redis_server) == 1
    assert republish_stuck_reports() == 0


def test_a_killed_worker_s_report_is_restarted_within_30_s_and_says_so(
    client, redis_server, stockholm_coordinator, sergels, method_catalogue
):
    first = CeleryWorker(database_url_for_tests())
    first.start()
    report = ask(stockholm_coordinator, sergels)
    wait_for(report, "running", "done", poll=0.01)
    assert report.status == "running"
    first.stop(signal.SIGKILL)  # the whole worker is gone, its message unacknowledged
    killed_at = time.monotonic()

    # Beat runs the sweeper every 5 s; a run after PostgreSQL has seen the worker's
    # connection close (and so freed its lock) hands the report out again.
    handed_out = 0
    while not handed_out and time.monotonic() - killed_at < 15:
        handed_out = republish_stuck_reports()
        time.sleep(0 if handed_out else 1)
    assert handed_out == 1, "not handed out within 15 s"
    report.refresh_from_db()
    assert (report.status, report.stage) == ("running", "restart")
    client.force_login(stockholm_coordinator)
    page = client.get(reverse("situation_reports:report_detail", args=[report.pk]))
    assert "Arbetet startas om" in page.text
    assert republish_stuck_reports() == 0  # the new delivery waits in the broker: not twice

    second = CeleryWorker(database_url_for_tests())
    second.start()
    try:
        report = wait_for(report, "done", "failed", timeout=30)
    finally:
        second.stop()
    assert report.status == "done", report.error
    assert time.monotonic() - killed_at < 30
    assert report.attempts == 2


def test_a_hung_build_whose_heartbeat_stops_is_taken_over(
    settings, redis_server, stockholm_coordinator, sergels, method_catalogue
):
    settings.ODS_REPORT_HEARTBEAT_TIMEOUT_S = 3
    first = CeleryWorker(database_url_for_tests())
    first.start()
    try:
        report = ask(stockholm_coordinator, sergels)
        wait_for(report, "running", "done", poll=0.01)
        assert report.status == "running"
        children = _pool_children(first)
        for pid in children:
            os.kill(pid, signal.SIGSTOP)  # frozen: its connection and lock stay
        time.sleep(1)
        assert republish_stuck_reports() == 0  # still within its heartbeat
        time.sleep(settings.ODS_REPORT_HEARTBEAT_TIMEOUT_S + 1)

        second = CeleryWorker(database_url_for_tests())
        second.start()
        try:
            assert republish_stuck_reports() == 1
            report = wait_for(report, "done", "failed", timeout=60)
        finally:
            second.stop()
        assert report.status == "done", report.error
        assert report.attempts == 2
        sha = report.sha256
        for pid in children:
            os.kill(pid, signal.SIGCONT)  # the old build wakes up without its claim
        time.sleep(2)
        report.refresh_from_db()
        assert (report.status, report.sha256, report.attempts) == ("done", sha, 2)
    finally:
        first.stop(signal.SIGKILL)


def test_beat_runs_the_sweeper_every_five_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reports-republish-stuck"]
    assert entry["schedule"] <= timedelta(seconds=5)


def test_a_slow_build_keeps_its_heartbeat_and_is_left_alone(
    settings, monkeypatch, redis_server, stockholm_coordinator, sergels, method_catalogue
):
    import threading

    from django.db import connection

    from situation_reports import tasks

    settings.ODS_REPORT_HEARTBEAT_S = 0.3
    settings.ODS_REPORT_HEARTBEAT_TIMEOUT_S = 2
    real_render = tasks.render

    def slow_render(snapshot, progress=None):
        time.sleep(5)  # one long step, longer than the heartbeat timeout
        return real_render(snapshot, progress)

    monkeypatch.setattr(tasks, "render", slow_render)
    report = ask(stockholm_coordinator, sergels)
    outcome = {}

    def build():
        try:
            outcome["result"] = tasks.build_report.run(report.pk)
        finally:
            connection.close()

    builder = threading.Thread(target=build)
    builder.start()
    try:
        deadline = time.monotonic() + 30
        while report.stage != "charts" and time.monotonic() < deadline:
            time.sleep(0.1)
            report.refresh_from_db()
        first = report.heartbeat_at
        time.sleep(3)  # past the timeout since the last progress step
        report.refresh_from_db()
        assert report.status == "running" and report.heartbeat_at > first
        assert tasks.stuck_reports() == ([], [])  # alive: not handed out again
    finally:
        builder.join(60)
    assert outcome["result"] == "done"
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("done", 1)
