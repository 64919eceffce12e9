"""Backup and restore: the database and the report files come back together.

Runs against the test database (pg_dump/pg_restore of the configured database, which in tests
is the test database) and a report storage in a temporary directory of the test's own.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from situation_reports import services
from situation_reports.models import Report
from situation_reports.tasks import build_report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_report_storage(settings, tmp_path) -> Path:
    root = tmp_path / "reports"
    settings.REPORTS_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {**settings.STORAGES["reports"], "OPTIONS": {"location": root}},
    }
    return root


def _built_report(user, scene) -> Report:
    today = timezone.localdate()
    report = services.request_report(
        user, scope="scene", scene=scene, start=today - timedelta(days=89), end=today
    )
    assert build_report.run(report.pk) == "done"
    report.refresh_from_db()
    return report


def test_a_backup_restores_the_database_and_every_report_with_its_checksum(
    client, own_report_storage, tmp_path, stockholm_coordinator, sergels, method_catalogue
):
    report = _built_report(stockholm_coordinator, sergels)
    original = report.sha256
    call_command("backup", output=tmp_path / "backups")
    archive = next((tmp_path / "backups").glob("ods-backup-*.tar"))
    assert not list((tmp_path / "backups").glob("*.part"))

    # Lose everything: the rows and the files.
    Report.objects.all().delete()
    for path in own_report_storage.rglob("*.pdf"):
        path.unlink()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))  # asks before it replaces anything
    assert not Report.objects.exists()

    call_command("restore", str(archive), yes=True)

    restored = Report.objects.get(pk=report.pk)
    assert (restored.status, restored.sha256) == ("done", original)
    client.force_login(stockholm_coordinator)
    response = client.get(reverse("situation_reports:report_download", args=[report.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == original
    call_command("verify_reports")  # every finished report's file there and matching


def test_a_report_whose_file_is_missing_says_so_offers_to_create_it_again_and_is_counted(
    client, own_report_storage, stockholm_coordinator, sergels, method_catalogue
):
    report = _built_report(stockholm_coordinator, sergels)
    Path(own_report_storage / report.file.name).unlink()  # a restore without the files

    client.force_login(stockholm_coordinator)
    page = client.get(reverse("situation_reports:report_detail", args=[report.pk]))
    assert "Filen till rapporten saknas" in page.text
    assert "Skapa igen" in page.text
    assert "Ladda ner PDF" not in page.text
    download = client.get(reverse("situation_reports:report_download", args=[report.pk]))
    assert download.status_code == 404 and "Filen till rapporten saknas" in download.text

    health = client.get("/healthz").json()
    assert health["checks"]["report_files"] == "down"
    assert health["missing_report_files"] == 1
    with pytest.raises(CommandError, match="1 report file"):
        call_command("verify_reports")

    again = client.post(reverse("situation_reports:report_again", args=[report.pk]))
    assert again.status_code == 302
    assert Report.objects.filter(scene=sergels, status="queued").count() == 1
