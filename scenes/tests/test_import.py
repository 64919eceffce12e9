"""Importing observations from CSV and XLSX: who may, the dry run, the confirm, bad files."""

import csv
import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from scenes.imports import MAX_ROWS, MAX_UPLOAD_BYTES
from scenes.models import ImportJob, Observation, Scene
from scenes.tasks import check_import

pytestmark = pytest.mark.django_db

HEADINGS = [
    "När",
    "Kategori",
    "Källa",
    "Delplats",
    "Antal personer",
    "Berörda grupper",
    "Otrygghet (1–5)",
    "Latitud",
    "Longitud",
    "Beskrivning",
]


def url(scene):
    return reverse("scenes:observation_import", args=[scene.pk])


def centre(scene):
    c = scene.boundary.centroid
    return c.y, c.x


def local(delta: timedelta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%d %H:%M")


def valid_rows(scene):
    lat, lon = centre(scene)
    return [
        [
            local(-timedelta(hours=3)),
            "Narkotikaförsäljning",
            "Polis",
            "Plattan",
            "6",
            "Resenärer, Boende",
            "4",
            f"{lat:.6f}",
            f"{lon:.6f}",
            "Grupp vid trappan, tydlig langning.",
        ],
        [
            local(-timedelta(days=2)),
            "narkotikabruk",
            "egen",
            "",
            "",
            "",
            "3",
            f"{lat:.6f}".replace(".", ","),
            f"{lon:.6f}".replace(".", ","),
            "",
        ],
        [
            local(-timedelta(days=10)),
            "Drug use",  # an English label is understood too
            "Field assistant",
            "",
            "2",
            "barn_och_unga",
            "2",
            f"{lat + 0.0003:.6f}",
            f"{lon:.6f}",
            "Två personer injicerade bakom kiosken.",
        ],
    ]


def bad_rows(scene):
    lat, lon = centre(scene)
    return [
        # Row 5: a personal identity number in the text, and a point about 2 km north.
        [
            local(-timedelta(hours=1)),
            "Narkotikaförsäljning",
            "Polis",
            "",
            "3",
            "",
            "4",
            f"{lat + 0.018:.6f}",
            f"{lon:.6f}",
            "Mannen med pnr 811228-9874 sålde igen.",
        ],
        # Row 6: a time in the future and a category that does not exist.
        [
            local(timedelta(hours=2)),
            "Glasskiosk",
            "Polis",
            "",
            "",
            "",
            "2",
            f"{lat:.6f}",
            f"{lon:.6f}",
            "",
        ],
    ]


def csv_file(rows, headings=HEADINGS, delimiter=";", name="observationer.csv", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headings)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="observationer.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def upload(client, scene, file):
    """Upload the file, run its check as the worker does (the task, called here), and open
    the page the upload leads to: its preview, or the upload form with its error."""
    response = client.post(url(scene), {"file": file})
    if response.status_code != 302:
        return response
    check_import(str(resolve(response["Location"]).kwargs["job"]))
    return client.get(response["Location"])


def confirm(client, scene, token, **kwargs):
    address = reverse("scenes:observation_import_job", args=[scene.pk, token])
    return client.post(address, {"confirm": "1"}, **kwargs)


def file_error_code(response) -> str:
    """Why a file was refused: on the upload (a form error) or by the check (on its job)."""
    form = response.context["form"]
    if form.errors:
        [error] = form.errors.as_data()["file"]
        return error.code
    return response.context["job"].results["error_code"]


def pending(user):
    return ImportJob.objects.filter(user=user, status="ready", rows__isnull=False)


@pytest.fixture
def worker(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    return stockholm_field_worker


# --- Who may import -------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, sergels):
    response = client.get(url(sergels))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_user_who_cannot_see_the_scene_gets_404(client, sergels, botkyrka_coordinator):
    client.force_login(botkyrka_coordinator)
    before = Observation.objects.count()
    assert client.get(url(sergels)).status_code == 404
    response = upload(client, sergels, csv_file(valid_rows(sergels)))
    assert response.status_code == 404
    assert Observation.objects.count() == before


def test_a_read_only_user_gets_403(client, sergels, stad_evaluator):
    client.force_login(stad_evaluator)
    before = Observation.objects.count()
    assert client.get(url(sergels)).status_code == 403
    response = upload(client, sergels, csv_file(valid_rows(sergels)))
    assert response.status_code == 403
    assert client.get(url(sergels), {"template": "csv"}).status_code == 403
    assert Observation.objects.count() == before


def test_the_page_has_an_upload_form_and_explains_the_columns(client, sergels, worker):
    response = client.get(url(sergels))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>" in page
    assert 'type="file"' in page
    assert 'accept=".csv,.xlsx"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file"' in page
    for heading in HEADINGS:
        assert heading in page
    assert "Narkotikaförsäljning" in page  # the categories a row may use
    assert "?template=csv" in page


def test_the_template_has_the_headings_of_the_export(client, sergels, worker):
    template = client.get(url(sergels), {"template": "csv"})
    assert template.status_code == 200
    assert template["Content-Type"].startswith("text/csv")
    headings = next(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert headings == HEADINGS
    export = b"".join(
        client.get(
            reverse("scenes:observation_list", args=[sergels.pk]), {"format": "csv"}
        ).streaming_content
    ).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(export)))[: len(HEADINGS)] == headings


# --- Dry run and confirm --------------------------------------------------------------------


def test_dry_run_shows_each_bad_row_and_saves_nothing(client, sergels, worker):
    before = Observation.objects.count()
    rows = valid_rows(sergels) + bad_rows(sergels)
    response = upload(client, sergels, csv_file(rows))
    assert response.status_code == 200
    assert Observation.objects.count() == before
    assert response.context["ok_count"] == 3
    assert response.context["error_count"] == 2
    assert response.context["token"] is None  # no confirm button while a row has errors

    by_number = {r["number"]: dict(r["errors"]) for r in response.context["results"]}
    assert by_number[2] == by_number[3] == by_number[4] == {}
    assert "personnummer" in by_number[5]["Beskrivning"]
    assert "utanför scenens gräns" in by_number[5]["Latitud/Longitud"]
    assert "framtiden" in by_number[6]["När"]
    assert "Glasskiosk" in by_number[6]["Kategori"]
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'href="#row-5"' in page and 'href="#row-6"' in page
    assert 'id="row-6"' in page
    assert "<caption" in page and '<th scope="col">' in page and '<th scope="row"' in page
    assert 'name="confirm"' not in page


def test_a_file_with_errors_is_not_kept_and_cannot_be_confirmed(client, sergels, worker):
    before = Observation.objects.count()
    response = upload(client, sergels, csv_file(valid_rows(sergels) + bad_rows(sergels)))
    # No rows of the file are kept to be saved, and its file is gone; the preview (which
    # shows row 5's personal identity number back to its uploader) expires with the job.
    job = response.context["job"]
    assert (job.status, job.rows, job.file.name) == ("ready", None, "")
    response = confirm(client, sergels, job.pk)
    assert response.status_code == 200
    assert response.context["confirm_error"]
    assert Observation.objects.count() == before


def test_a_valid_file_is_saved_only_on_confirm(client, sergels, worker, reference_orgs):
    existing = set(Observation.objects.values_list("pk", flat=True))
    response = upload(client, sergels, csv_file(valid_rows(sergels)))
    assert response.status_code == 200
    assert response.context["ok_count"] == 3 and response.context["error_count"] == 0
    token = response.context["token"]
    assert (
        token
        and reverse("scenes:observation_import_job", args=[sergels.pk, token])
        in response.content.decode()
    )
    assert set(Observation.objects.values_list("pk", flat=True)) == existing

    with CaptureQueriesContext(connection) as queries:
        response = confirm(client, sergels, token, follow=True)
    assert response.redirect_chain == [(reverse("scenes:observation_list", args=[sergels.pk]), 302)]
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("3 observation")
    # One INSERT statement for all rows, inside one transaction.
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert len([q for q in inserts if '"scenes_observation"' in q]) == 1
    created = Observation.objects.exclude(pk__in=existing)
    assert created.count() == 3
    assert {(o.scene, o.organisation, o.reported_by) for o in created} == {
        (sergels, reference_orgs["kommun-0180"], worker)
    }
    first = created.get(description="Grupp vid trappan, tydlig langning.")
    assert first.category == "narkotikaforsaljning"
    assert first.source == "polis"
    assert first.place.name == "Plattan"
    assert first.people_count == 6
    assert set(first.affected_groups) == {"resenarer", "boende"}
    assert first.insecurity == 4
    when = timezone.localtime(first.occurred_at).strftime("%Y-%m-%d %H:%M")
    assert when == valid_rows(sergels)[0][0]
    lat, lon = centre(sergels)
    assert round(first.location.y, 6) == round(lat, 6)
    assert round(first.location.x, 6) == round(lon, 6)
    english = created.get(description__startswith="Två personer")
    assert (english.category, english.source) == ("narkotikabruk", "faltassistent")
    assert english.affected_groups == ["barn_och_unga"]
    assert not pending(worker).exists()


def test_a_second_confirm_of_the_same_import_saves_nothing_more(client, sergels, worker):
    token = upload(client, sergels, csv_file(valid_rows(sergels))).context["token"]
    before = Observation.objects.count()
    assert confirm(client, sergels, token).status_code == 302
    assert Observation.objects.count() == before + 3
    response = confirm(client, sergels, token)
    assert response.status_code == 200
    assert response.context["confirm_error"]
    assert Observation.objects.count() == before + 3


def test_a_confirm_that_loses_the_race_to_another_saves_nothing(
    client, sergels, worker, monkeypatch
):
    token = upload(client, sergels, csv_file(valid_rows(sergels))).context["token"]
    lock = ImportJob.objects.select_for_update

    def spent_while_waiting_for_the_lock(*args, **kwargs):
        # A confirm of the same import in another request commits while this one waits.
        ImportJob.objects.filter(pk=token).update(status="imported", rows=None)
        return lock(*args, **kwargs)

    monkeypatch.setattr(ImportJob.objects, "select_for_update", spent_while_waiting_for_the_lock)
    before = Observation.objects.count()
    response = confirm(client, sergels, token)
    assert response.status_code == 200
    assert response.context["confirm_error"]
    assert Observation.objects.count() == before


def test_confirm_validates_again_and_saves_nothing_when_the_world_changed(client, sergels, worker):
    response = upload(client, sergels, csv_file(valid_rows(sergels)))
    token = response.context["token"]
    # Meanwhile the scene's boundary is moved about 5 km east.
    moved = MultiPolygon(
        *[Polygon(*[[(x + 0.09, y) for x, y in ring] for ring in p]) for p in sergels.boundary],
        srid=4326,
    )
    Scene.objects.filter(pk=sergels.pk).update(boundary=moved)
    before = Observation.objects.count()
    response = confirm(client, sergels, token)
    assert response.status_code == 200
    assert Observation.objects.count() == before
    assert response.context["error_count"] == 3
    assert "utanför scenens gräns" in response.content.decode()
    assert not pending(worker).exists()


def test_an_xlsx_file_works_the_same(client, sergels, worker, reference_orgs):
    lat, lon = centre(sergels)
    when = timezone.localtime().replace(tzinfo=None, second=0, microsecond=0)
    rows = [
        [when - timedelta(hours=5), "Narkotikaförsäljning", "Polis", "Plattan", 6,
         "Resenärer, Boende", 4, lat, lon, "Langning vid trappan."],
        [when - timedelta(days=1), "vald_hot", "ordningsvakt", None, None, None, 5,
         lat, lon, None],
        [when - timedelta(days=3), "Sprutor/nedskräpning", "Egen observation", None, 1,
         "Personal", 2.0, str(lat).replace(".", ","), str(lon), "Sprutor i rabatten."],
    ]  # fmt: skip
    before = Observation.objects.count()
    response = upload(client, sergels, xlsx_file(rows))
    assert response.status_code == 200
    assert [r["errors"] for r in response.context["results"]] == [[], [], []]
    assert Observation.objects.count() == before
    response = confirm(client, sergels, response.context["token"])
    assert response.status_code == 302
    assert Observation.objects.count() == before + 3
    saved = Observation.objects.get(description="Langning vid trappan.")
    assert saved.organisation == reference_orgs["kommun-0180"]
    assert saved.reported_by == worker
    assert saved.occurred_at == timezone.make_aware(when - timedelta(hours=5))
    assert Observation.objects.filter(category="vald_hot", source="ordningsvakt").exists()


def test_an_xlsx_file_with_a_bad_row_is_previewed_not_saved(client, sergels, worker):
    lat, lon = centre(sergels)
    later = timezone.localtime().replace(tzinfo=None) + timedelta(days=1)
    rows = [[later, "Narkotikaförsäljning", "Polis", None, None, None, 9, lat, lon, None]]
    before = Observation.objects.count()
    response = upload(client, sergels, xlsx_file(rows))
    assert response.status_code == 200
    errors = dict(response.context["results"][0]["errors"])
    assert set(errors) == {"När", "Otrygghet (1–5)"}
    assert Observation.objects.count() == before


@pytest.mark.parametrize(
    ("column", "value", "label"),
    [
        (3, "Bussterminalens väntsal", "Delplats"),  # a sub-place of Fittja, not Sergels
        (4, "501", "Antal personer"),
        (4, "-3", "Antal personer"),
        (6, "9", "Otrygghet (1–5)"),
        (6, "", "Otrygghet (1–5)"),
        (7, "nan", "Latitud"),
        (7, "", "Latitud"),
        (8, "18.06.49", "Longitud"),
        (0, "igår", "När"),
        (0, "2025-03-14", "När"),
        (2, "Grannen", "Källa"),
        (5, "Boende, Turister", "Berörda grupper"),
    ],
)
def test_a_bad_cell_is_reported_under_its_column(client, sergels, worker, column, value, label):
    rows = valid_rows(sergels)
    rows[1][column] = value
    before = Observation.objects.count()
    response = upload(client, sergels, csv_file(rows))
    assert response.context["error_count"] == 1
    errors = response.context["results"][1]["errors"]
    assert [c for c, _message in errors] == [label]
    assert Observation.objects.count() == before


def test_an_exported_file_can_be_imported_again(client, sergels, worker):
    export = client.get(reverse("scenes:observation_list", args=[sergels.pk]), {"format": "csv"})
    content = b"".join(export.streaming_content)  # the CSV export streams
    exported = content.decode("utf-8-sig").count("\n") - 1
    assert exported > 0
    file = SimpleUploadedFile("export.csv", content, content_type="text/csv")
    response = upload(client, sergels, file)
    assert response.status_code == 200
    assert [r["errors"] for r in response.context["results"] if r["errors"]] == []
    assert response.context["ok_count"] == exported


def test_english_headings_and_comma_separated_csv_in_windows_1252(client, sergels, worker):
    english = [
        "When", "Category", "Source", "Sub-place", "Number of people", "Affected groups",
        "Insecurity (1-5)", "Latitude", "Longitude", "Description",
    ]  # fmt: skip
    file = csv_file(valid_rows(sergels), headings=english, delimiter=",", encoding="cp1252")
    response = upload(client, sergels, file)
    assert response.status_code == 200
    assert response.context["ok_count"] == 3
    assert response.context["error_count"] == 0


# --- Bad files ------------------------------------------------------------------------------


def _zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _too_many_rows():
    lat, lon = 59.3326, 18.0649
    line = f"2025-01-01 12:00;annat;egen;;;;1;{lat};{lon};\n"
    return (";".join(HEADINGS) + "\n" + line * (MAX_ROWS + 1)).encode()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("observationer.csv", bytes(range(256)) * 20, "not_csv"),
        ("observationer.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not_xlsx"),
        ("observationer.xlsx", _zip_that_is_not_a_workbook(), "not_xlsx"),
        ("observationer.csv", b"", "empty"),
        ("observationer.csv", b"\n\n", "no_headings"),
        ("observationer.csv", b"Namn;Adress;Telefon\nA;B;C\n", "unknown_columns"),
        ("observationer.csv", (";".join(HEADINGS) + "\n").encode(), "no_rows"),
        ("observationer.pdf", b"%PDF-1.4 hello", "invalid_extension"),
        ("observationer.csv", b"a" * (MAX_UPLOAD_BYTES + 1), "too_large"),
        ("observationer.csv", _too_many_rows(), "too_many_rows"),
        ("observationer.csv", "När;När\n1;2\n".encode(), "duplicate_column"),
        (
            "observationer.csv",
            "När,Kategori\n2025-01-01 12:00,annat,extra\n".encode(),
            "too_many_cells",
        ),
    ],
)
def test_a_bad_file_gets_a_form_error_and_changes_nothing(
    client, sergels, worker, name, content, code
):
    before = Observation.objects.count()
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = upload(client, sergels, file)
    assert response.status_code == 200
    assert file_error_code(response) == code
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "results" not in response.context
    assert not pending(worker).exists()
    assert Observation.objects.count() == before


def test_missing_columns_are_named(client, sergels, worker):
    headings = [h for h in HEADINGS if h not in ("Kategori", "Longitud", "Beskrivning")]
    response = upload(client, sergels, csv_file([], headings=headings))
    error = response.context["file_error"]
    assert "Kategori" in error and "Longitud" in error
    assert "Beskrivning" not in error  # an optional column may be left out


def test_unknown_columns_are_named(client, sergels, worker):
    rows = [[*r, "x"] for r in valid_rows(sergels)]
    response = upload(client, sergels, csv_file(rows, headings=[*HEADINGS, "Notis"]))
    error = response.context["file_error"]
    assert "Notis" in error


# --- Forged and foreign confirms ------------------------------------------------------------


def test_a_forged_token_saves_nothing(client, sergels, worker):
    token = upload(client, sergels, csv_file(valid_rows(sergels))).context["token"]
    before = Observation.objects.count()
    for forged in [
        "00000000-0000-0000-0000-000000000000",
        token[:-1] + ("1" if token[-1] != "1" else "2"),
    ]:
        address = f"{url(sergels)}{forged}/"
        assert client.post(address, {"confirm": "1"}).status_code == 404
    assert client.post(url(sergels), {"token": token}).status_code == 200  # the old form
    assert Observation.objects.count() == before


def test_another_users_confirm_of_an_import_is_404_and_saves_nothing(
    client, sergels, worker, stockholm_coordinator
):
    from django.test import Client

    token = upload(client, sergels, csv_file(valid_rows(sergels))).context["token"]
    other = Client()
    other.force_login(stockholm_coordinator)
    before = Observation.objects.count()
    assert confirm(other, sergels, token).status_code == 404
    assert Observation.objects.count() == before


def test_an_import_confirmed_at_another_scene_is_404(client, sergels, fittja, regional_coordinator):
    client.force_login(regional_coordinator)
    token = upload(client, sergels, csv_file(valid_rows(sergels))).context["token"]
    before = Observation.objects.count()
    assert confirm(client, fittja, token).status_code == 404
    assert Observation.objects.count() == before
