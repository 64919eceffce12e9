"""Imports off the request path: what the upload is checked for before anything parses it,
the check in a worker with its progress bar, the private file, and whose import it is."""

import io
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scenes.models import ImportJob, Observation
from scenes.tasks import check_import, sweep_imports
from scenes.uploads import MAX_UPLOAD_BYTES, MAX_XLSX_MEMBERS

from .test_import import csv_file, upload, url, valid_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    return stockholm_field_worker


def stored_files() -> list[Path]:
    return [p for p in Path(settings.IMPORTS_ROOT).rglob("*") if p.is_file()]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A 'workbook' of well under a megabyte that unpacks to 200 MB."""
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (200 * 1024 * 1024),
        }
    )


def _many_members() -> bytes:
    members = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    members.update({f"xl/media/{n}.xml": b"x" for n in range(MAX_XLSX_MEMBERS)})
    return _zip(members)


# --- Refused on the request, before anything parses the file ---------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("observationer.csv", b"a" * (MAX_UPLOAD_BYTES + 1), "Filen är större än 5 MB"),
        ("observationer.xlsx", _bomb(), "Arbetsboken är för stor uppackad"),
        ("observationer.xlsx", _many_members(), "Arbetsboken har för många delar"),
        ("observationer.csv", _zip({"a.txt": b"x"}), "inte CSV"),
        ("observationer.xlsx", b"N\xc3\xa4r;Kategori\n", "inte en XLSX-arbetsbok"),
        ("observationer.xlsx", _zip({"word/document.xml": b"<w/>"}), "inte en XLSX-arbetsbok"),
        ("observationer.csv", "När;Kategori\n".encode("utf-16"), "inte en CSV-fil med text"),
    ],
    ids=["too-large", "zip-bomb", "too-many-members", "zip-named-csv", "text-named-xlsx",
         "zip-not-workbook", "utf-16"],
)  # fmt: skip
def test_a_file_too_large_of_the_wrong_type_or_a_zip_bomb_is_refused_at_once(
    client, sergels, worker, name, content, message
):
    before, files = Observation.objects.count(), stored_files()
    started = time.monotonic()
    response = client.post(
        url(sergels), {"file": SimpleUploadedFile(name, content, "application/octet-stream")}
    )
    assert time.monotonic() - started < 5  # nothing is unpacked or parsed to find out
    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert message in error
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files() == files
    assert Observation.objects.count() == before


def test_the_indicator_import_checks_its_upload_the_same_way(client, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("scenes:indicator_import"),
        {"file": SimpleUploadedFile("v.xlsx", _bomb(), "application/octet-stream")},
    )
    assert response.status_code == 200
    assert "Arbetsboken är för stor uppackad" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- The web answers at once; the worker checks ----------------------------------------------


def test_the_upload_answers_at_once_with_a_progress_bar_and_parses_nothing(client, sergels, worker):
    response = client.post(url(sergels), {"file": csv_file(valid_rows(sergels))})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse(
        "scenes:observation_import_job", args=[sergels.pk, job.pk]
    )
    assert (job.status, job.results, job.rows, job.user) == ("queued", None, None, worker)
    # The file waits on the private storage, outside MEDIA_ROOT, under a name of its own.
    path = Path(job.file.path)
    assert path.is_file() and Path(settings.IMPORTS_ROOT) in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert "observationer" not in path.name

    page = client.get(response["Location"]).content.decode()
    progress = reverse("scenes:observation_import_progress", args=[sergels.pk, job.pk])
    assert f'hx-get="{progress}"' in page and "<progress" in page
    assert "htmx.min.js" in page  # the page loads htmx only while it polls
    assert 'name="confirm"' not in page
    box = client.get(progress)
    assert 'hx-trigger="every 1s"' in box.content.decode() and "HX-Refresh" not in box

    assert check_import(str(job.pk)) == "ready"
    assert check_import(str(job.pk)) == "skipped"  # a second delivery changes nothing
    job.refresh_from_db()
    assert (job.status, job.progress, job.results["ok_count"]) == ("ready", 100, 3)
    assert not path.exists() and job.file.name == ""  # read once, then removed
    box = client.get(progress)
    assert box["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert 'name="confirm"' in page and "hx-get" not in page


def test_a_file_the_worker_cannot_read_is_named_on_the_page_and_kept_nowhere(
    client, sergels, worker
):
    content = b"Namn;Adress\nA;B\n"
    files = stored_files()
    response = upload(client, sergels, SimpleUploadedFile("x.csv", content, "text/csv"))
    job = response.context["job"]
    assert job.status == "failed" and job.results == {"error_code": "unknown_columns"}
    assert "Okända kolumner: Namn, Adress" in response.content.decode()
    assert stored_files() == files
    confirm = client.post(
        reverse("scenes:observation_import_job", args=[sergels.pk, job.pk]), {"confirm": "1"}
    )
    assert confirm.context["confirm_error"]
    assert not Observation.objects.filter(reported_by=worker).exists()


def test_the_preview_and_the_rows_are_removed_when_they_expire(client, sergels, worker, settings):
    settings.ODS_IMPORT_KEEP_MINUTES = 10  # (within the session's idle limit)
    response = upload(client, sergels, csv_file(valid_rows(sergels)))
    job = response.context["job"]
    assert job.rows and job.results
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later, tick=False):
        page = client.get(reverse("scenes:observation_import_job", args=[sergels.pk, job.pk]))
        assert page.context["confirm_error"] and 'name="confirm"' not in page.content.decode()
        assert sweep_imports() == 1
    job.refresh_from_db()
    assert (job.status, job.rows, job.results) == ("spent", None, None)


def test_a_queued_check_whose_message_was_lost_is_handed_out_again(
    client, sergels, worker, monkeypatch
):
    client.post(url(sergels), {"file": csv_file(valid_rows(sergels))})
    job = ImportJob.objects.get()
    sent = []
    monkeypatch.setattr(check_import, "apply_async", lambda args, **kw: sent.append(args))
    assert sweep_imports() == 0 and sent == [(str(job.pk),)]  # never published (no commit)
    sent.clear()
    assert sweep_imports() == 0 and sent == []  # just handed out: not again at once


# --- Whose import it is ------------------------------------------------------------------------


def test_another_user_can_neither_see_nor_confirm_someones_import(
    client, sergels, worker, stockholm_coordinator
):
    response = upload(client, sergels, csv_file(valid_rows(sergels)))
    job = response.context["job"]
    assert response.context["token"] == str(job.pk)
    other = Client()
    other.force_login(stockholm_coordinator)  # on the same team, and may import there too
    page = reverse("scenes:observation_import_job", args=[sergels.pk, job.pk])
    progress = reverse("scenes:observation_import_progress", args=[sergels.pk, job.pk])
    before = Observation.objects.count()
    assert other.get(page).status_code == 404
    assert other.get(progress).status_code == 404
    assert other.post(page, {"confirm": "1"}).status_code == 404
    assert Observation.objects.count() == before
    job.refresh_from_db()
    assert job.status == "ready"  # still the uploader's to confirm


def test_an_import_is_not_reached_through_another_scene(client, sergels, fittja, worker):
    job = upload(client, sergels, csv_file(valid_rows(sergels))).context["job"]
    for scene in (fittja,):
        address = reverse("scenes:observation_import_job", args=[scene.pk, job.pk])
        assert client.post(address, {"confirm": "1"}).status_code == 404


# --- A real worker ------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_an_upload_and_the_confirm_saves_it(
    celery_worker, client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    before = Observation.objects.count()
    response = client.post(url(sergels), {"file": csv_file(valid_rows(sergels))})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    path = Path(job.file.path)
    progress = reverse("scenes:observation_import_progress", args=[sergels.pk, job.pk])
    deadline = time.monotonic() + 60
    while "HX-Refresh" not in (box := client.get(progress)):
        assert time.monotonic() < deadline, celery_worker.output()[-3000:]
        time.sleep(0.3)
    assert box.status_code == 200
    page = client.get(response["Location"])
    assert page.context["ok_count"] == 3 and page.context["token"] == str(job.pk)
    assert Observation.objects.count() == before
    saved = client.post(response["Location"], {"confirm": "1"})
    assert saved.status_code == 302
    assert Observation.objects.count() == before + 3
    job.refresh_from_db()
    assert (job.status, job.rows, job.file.name) == ("imported", None, "")
    assert not path.exists()
