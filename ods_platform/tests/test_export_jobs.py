"""XLSX exports built by a worker: the link leads to a job with progress, the workbook holds
the rows the CSV holds, only the asker reaches it, kept rows stay out, the file goes after its
time, and the build's queries and memory do not grow with the rows."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry
from ods_platform import exports
from ods_platform.models import ExportJob, export_storage
from ods_platform.tasks import build_export, sweep_exports
from ods_platform.testing import content_of, follow_export
from scenes.models import Observation
from scenes.tests.test_secrecy import NOTE, log_kept_note

pytestmark = pytest.mark.django_db


def _period():
    today = timezone.localdate()
    return {"start": (today - timedelta(days=600)).isoformat(), "end": today.isoformat()}


def _url(scene):
    return reverse("scenes:observation_list", args=[scene.pk])


def _csv_rows(client, scene, **query) -> list[list[str]]:
    response = client.get(_url(scene), {**_period(), **query, "format": "csv"})
    text = content_of(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(content: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _job_of(response) -> ExportJob:
    assert response.status_code == 302
    return ExportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


@pytest.fixture(autouse=True)
def _no_files_left():
    """The workbooks the tests build are removed after each test (EXPORTS_ROOT is shared with
    the worker subprocess, so it cannot be a temporary directory of the test's own)."""
    yield
    for job in ExportJob.objects.all():
        job.remove_files()


@pytest.fixture
def signed_in(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    return client


# --- A real worker ------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_workbook_with_the_rows_of_the_csv(
    celery_worker, client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    response = client.get(_url(sergels), {**_period(), "format": "xlsx"})
    job = _job_of(response)
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'role="status"' in page.text
    progress = reverse("export_progress", args=[job.pk])
    download = reverse("export_download", args=[job.pk])
    deadline = time.monotonic() + 60
    while download not in (box := client.get(progress)).text:
        assert time.monotonic() < deadline, celery_worker.output()[-3000:]
        assert "could not" not in box.text.lower(), box.text
        time.sleep(0.3)
    assert "hx-get" not in box.text  # it stops asking once the file is there
    answer = client.get(download)
    assert answer.status_code == 200
    assert (
        answer["Content-Disposition"] == f'attachment; filename="observationer-{sergels.pk}.xlsx"'
    )
    workbook = _xlsx_rows(content_of(answer))
    expected = _csv_rows(client, sergels)
    assert len(expected) == sergels.observations.counted().count() + 1 > 10
    assert workbook == expected


# --- The flow, built in-process as the worker builds it ------------------------------------------


def test_the_xlsx_link_leads_to_a_job_and_a_reload_finds_the_same_one(signed_in, sergels):
    response = signed_in.get(_url(sergels), {**_period(), "category": "narkotikaforsaljning",
                                              "format": "xlsx"})  # fmt: skip
    job = _job_of(response)
    assert job.status == "queued" and job.kind == "observations"
    assert job.parameters["category"] == ["narkotikaforsaljning"]
    again = signed_in.get(_url(sergels), {**_period(), "category": "narkotikaforsaljning",
                                           "format": "xlsx"})  # fmt: skip
    assert _job_of(again).pk == job.pk and ExportJob.objects.count() == 1
    page = signed_in.get(response["Location"])
    assert "Väntar på en ledig bakgrundsprocess" in page.text  # Swedish, in a role=status region


@pytest.mark.parametrize("sent", [{}, {"start": "", "end": ""}], ids=["missing", "blank"])
def test_the_default_period_is_fixed_when_the_export_is_asked_for(signed_in, sergels, sent):
    job = _job_of(signed_in.get(_url(sergels), {**sent, "format": "xlsx"}))
    today = timezone.localdate()
    assert job.parameters["end"] == [today.isoformat()]
    assert job.parameters["start"] == [(today - timedelta(days=89)).isoformat()]


def test_the_workbook_equals_the_csv_for_the_same_filter(signed_in, sergels):
    query = {**_period(), "category": "narkotikaforsaljning"}
    answer = follow_export(signed_in, signed_in.get(_url(sergels), {**query, "format": "xlsx"}))
    assert answer.status_code == 200
    expected = _csv_rows(signed_in, sergels, category="narkotikaforsaljning")
    assert len(expected) > 2
    assert _xlsx_rows(content_of(answer)) == expected


def test_the_download_is_logged_with_the_rows_it_holds(signed_in, sergels):
    answer = follow_export(signed_in, signed_in.get(_url(sergels), {**_period(), "format": "xlsx"}))
    assert answer.status_code == 200
    content_of(answer)
    entry = Entry.objects.get(kind="read", action="download", object_type="scenes.observation")
    _csv_rows(signed_in, sergels)  # the CSV of the same filter logs the ids it holds
    csv_entry = Entry.objects.get(kind="read", action="export", object_type="scenes.observation")
    assert entry.object_ids == csv_entry.object_ids and len(entry.object_ids) > 10
    assert entry.scene_ids == [sergels.pk] and entry.username == "sthlm.falt"
    # The job row itself is not in the audit trail (a job row, like a cache).
    assert not Entry.objects.filter(object_type="ods_platform.exportjob").exists()


def test_another_user_gets_404_on_the_job_its_progress_and_its_file(
    signed_in, sergels, stockholm_coordinator, police_officer
):
    job = _job_of(signed_in.get(_url(sergels), {**_period(), "format": "xlsx"}))
    build_export(str(job.pk))
    job.refresh_from_db()
    assert job.status == "done" and export_storage().exists(job.file)
    assert signed_in.get(reverse("export_download", args=[job.pk])).status_code == 200
    for other in (stockholm_coordinator, police_officer):
        client = Client()
        client.force_login(other)
        for name in ("export_job", "export_progress", "export_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    assert Client().get(reverse("export_download", args=[job.pk])).status_code == 302  # log in


def test_a_kept_observation_never_appears_in_another_organisations_workbook(
    client, sergels, stockholm_field_worker, police_officer
):
    kept = log_kept_note(client, sergels, stockholm_field_worker)
    client.force_login(police_officer)
    answer = follow_export(client, client.get(_url(sergels), {**_period(), "format": "xlsx"}))
    rows = _xlsx_rows(content_of(answer))
    assert len(rows) > 2
    assert not any(NOTE in cell for row in rows for cell in row)
    assert kept.pk not in Entry.objects.get(action="download").object_ids
    # Its own organisation has it.
    client.force_login(stockholm_field_worker)
    answer = follow_export(client, client.get(_url(sergels), {**_period(), "format": "xlsx"}))
    assert any(NOTE in cell for row in _xlsx_rows(content_of(answer)) for cell in row)


def test_the_progress_box_shows_how_far_the_build_is(signed_in, sergels):
    job = _job_of(signed_in.get(_url(sergels), {**_period(), "format": "xlsx"}))
    ExportJob.objects.filter(pk=job.pk).update(status="running", done=2000, total=5000)
    box = signed_in.get(reverse("export_progress", args=[job.pk])).text
    assert 'value="40"' in box and "hx-get" in box
    assert "2\u00a0000 av 5\u00a0000 rader" in box or "2 000 av 5 000 rader" in box


def test_the_build_writes_its_progress_after_every_chunk(signed_in, sergels, monkeypatch):
    job = _job_of(signed_in.get(_url(sergels), {**_period(), "format": "xlsx"}))
    total = len(_csv_rows(signed_in, sergels)) - 1
    monkeypatch.setattr(exports, "CHUNK", 5)
    with CaptureQueriesContext(connection) as queries:
        build_export(str(job.pk))
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "ods_platform_exportjob"')]
    progress = [sql for sql in updates if 'SET "done" =' in sql]
    assert len(progress) == total // 5
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", total, total, 100)


def test_the_builds_queries_do_not_grow_with_the_rows(signed_in, sergels):
    """The rows are read through one server-side cursor in chunks: a build of a few rows and
    one of many make the same queries (one progress update per chunk of CHUNK rows)."""
    today = timezone.localdate()
    few = {"start": (today - timedelta(days=3)).isoformat(), "end": today.isoformat()}
    counts = {}
    for name, period in (("few", few), ("many", _period())):
        job = _job_of(signed_in.get(_url(sergels), {**period, "format": "xlsx"}))
        with CaptureQueriesContext(connection) as queries:
            build_export(str(job.pk))
        job.refresh_from_db()
        assert job.status == "done"
        counts[name] = (len(queries), job.done)
    assert counts["many"][1] > 5 * max(counts["few"][1], 1)
    assert counts["many"][1] < exports.CHUNK
    assert counts["few"][0] == counts["many"][0]


def test_an_expired_export_is_removed_with_its_file_by_the_beat_task(signed_in, sergels):
    job = _job_of(signed_in.get(_url(sergels), {**_period(), "format": "xlsx"}))
    build_export(str(job.pk))
    job.refresh_from_db()
    path = Path(export_storage().path(job.file))
    ids = Path(export_storage().path(job.ids_name))
    assert path.exists() and ids.exists()
    assert sweep_exports(now=job.expires_at - timedelta(minutes=1)) == 0
    assert path.exists()
    assert sweep_exports(now=job.expires_at + timedelta(seconds=1)) == 1
    assert not path.exists() and not ids.exists()
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert signed_in.get(reverse("export_download", args=[job.pk])).status_code == 404


def test_a_formula_in_a_description_is_written_as_text(signed_in, sergels, stockholm_field_worker):
    row = Observation.objects.filter(scene=sergels, restricted=False).first()
    Observation.objects.filter(pk=row.pk).update(description='=HYPERLINK("http://x")')
    answer = follow_export(signed_in, signed_in.get(_url(sergels), {**_period(), "format": "xlsx"}))
    sheet = openpyxl.load_workbook(io.BytesIO(content_of(answer))).active
    cells = [c for r in sheet.iter_rows() for c in r if str(c.value).endswith('"http://x")')]
    assert cells and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)


def test_my_actions_as_xlsx_is_built_by_a_worker_too(client, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    response = client.get(reverse("sara:my_actions"), {"format": "xlsx"})
    job = _job_of(response)
    assert job.kind == "my_actions"
    answer = follow_export(client, response)
    assert answer.status_code == 200
    rows = _xlsx_rows(content_of(answer))
    assert rows[0][:3] == ["Scen", "Ärende", "Rad"]
