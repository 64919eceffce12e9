"""Importing indicator values from CSV and XLSX: the dry run lists every row's errors and
saves nothing, the confirm saves all or nothing, and importing the same file again changes
nothing. Each value keeps its source, who imported it and the file."""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from scenes.indicators import PeriodError, check_rows, parse_number, parse_period
from scenes.models import Indicator, IndicatorValue
from scenes.tasks import check_import

pytestmark = pytest.mark.django_db

URL = "/indicators/import/"
HEADINGS = ["Indikator", "Scen", "Kommun", "Period", "Värde", "Enhet", "Källa", "Anteckning"]


def csv_file(rows, headings=HEADINGS, name="polisen.csv", sep=";"):
    lines = [sep.join(headings)] + [sep.join(r) for r in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"))


def upload(client, file):
    """Upload, run the check as the worker does (the task, called here) and open its page."""
    response = client.post(URL, {"file": file})
    if response.status_code != 302:
        return response
    check_import(str(resolve(response["Location"]).kwargs["job"]))
    return client.get(response["Location"])


def confirm(client, token):
    return client.post(reverse("scenes:indicator_import_job", args=[token]), {"confirm": "1"})


CRIMES = "Polisanmälda narkotikabrott"


def good_rows(scene):
    return [
        [CRIMES, scene.name, "", "2026-06", "12", "brott", "Polisen (fiktiv)", ""],
        [CRIMES, scene.name, "", "2026-07", "1 234,5", "brott", "Polisen (fiktiv)", ""],
        [CRIMES, str(scene.pk), "", "2026-08", "9", "", "", "Ny metod för uttag"],
        ["Andel otrygga", "", "Stockholm", "2025", "21,5 %", "%", "Trygghetsmätningen", ""],
    ]


def test_the_period_and_number_readers():
    assert parse_period("2026-03") == ("month", date(2026, 3, 1), date(2026, 3, 31))
    assert parse_period("2026-Q4") == ("quarter", date(2026, 10, 1), date(2026, 12, 31))
    assert parse_period("2026 K2")[1:] == (date(2026, 4, 1), date(2026, 6, 30))
    assert parse_period("2025") == ("year", date(2025, 1, 1), date(2025, 12, 31))
    assert parse_period("2026-04-01", "quarter")[0] == "quarter"  # Excel's date for 2026-04
    for bad in ("2026-13", "2026-Q5", "mars", "2026-03-15", "2026-05-01 q"):
        with pytest.raises(PeriodError):
            parse_period(bad)
    assert parse_number("1 234,5") == Decimal("1234.5")
    assert parse_number("1.234,5") == Decimal("1234.5")
    assert parse_number("1,234.5") == Decimal("1234.5")
    assert parse_number("21,5 %") == Decimal("21.5")
    assert parse_number("\u22123") == Decimal("-3")
    for bad in ("abc", "12,5,3", "", "1e5", "NaN"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_a_clean_file_is_previewed_then_imported_with_its_source_and_importer(
    client, sergels, stockholm_coordinator, stockholm
):
    client.force_login(stockholm_coordinator)
    preview = upload(client, csv_file(good_rows(sergels)))
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "4 nya värden (2 nya indikatorer)" in page
    assert "1\u00a0234,5" in page and "juni 2026" in page and "2025" in page
    assert not IndicatorValue.objects.exists() and not Indicator.objects.exists()

    token = preview.context["token"]
    done = confirm(client, token)
    assert done.status_code == 302
    crimes = Indicator.objects.get(name=CRIMES)
    assert (crimes.level, crimes.scene, crimes.period, crimes.unit) == (
        "scene", sergels, "month", "brott",
    )  # fmt: skip
    values = {v.period_start: v for v in crimes.values.all()}
    assert values[date(2026, 7, 1)].value == Decimal("1234.5")
    assert values[date(2026, 8, 1)].source == "Polisen (fiktiv)"  # the series' source
    for v in values.values():
        assert (v.entered_by, v.imported_from) == (stockholm_coordinator, "polisen.csv")
    survey = Indicator.objects.get(name="Andel otrygga")
    assert (survey.level, survey.municipality, survey.period) == ("municipality", stockholm, "year")
    assert survey.values.get().value == Decimal("21.5")
    # The same token again imports nothing more.
    assert confirm(client, token).context["confirm_error"]
    assert IndicatorValue.objects.count() == 4


def test_importing_the_same_file_again_changes_nothing(client, sergels, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    first = upload(client, csv_file(good_rows(sergels)))
    confirm(client, first.context["token"])
    before = list(IndicatorValue.objects.order_by("pk").values())

    again = upload(client, csv_file(good_rows(sergels)))
    page = again.content.decode()
    assert again.context["token"] is None
    assert "4 finns redan" in page and "ändrar ingenting" in page
    assert list(IndicatorValue.objects.order_by("pk").values()) == before
    assert Indicator.objects.count() == 2


def test_every_bad_row_is_listed_and_nothing_is_saved(
    client, sergels, fittja, stockholm_coordinator, stad_evaluator
):
    client.force_login(stockholm_coordinator)
    crimes = Indicator.objects.create(scene=sergels, name=CRIMES, period="month")
    IndicatorValue.objects.create(
        indicator=crimes, period_start=date(2026, 5, 1), period_end=date(2026, 5, 31), value=7
    )
    rows = [
        [CRIMES, "Finns inte (demo)", "", "2026-06", "1", "", "", ""],  # 2 unknown scene
        ["Andel otrygga", "", "Atlantis", "2025", "1", "", "", ""],  # 3 unknown municipality
        [CRIMES, sergels.name, "", "2099-01", "1", "", "", ""],  # 4 period not begun
        [CRIMES, sergels.name, "", "1980-01", "1", "", "", ""],  # 5 too early
        [CRIMES, sergels.name, "", "2026-13", "1", "", "", ""],  # 6 not a period
        [CRIMES, sergels.name, "", "2026-Q2", "1", "", "", ""],  # 7 quarter for a monthly one
        [CRIMES, sergels.name, "", "2026-06", "tolv", "", "", ""],  # 8 not a number
        [CRIMES, sergels.name, "", "2026-06", "12", "", "", ""],  # 9 fine
        [CRIMES, sergels.name, "", "2026-06", "12", "", "", ""],  # 10 duplicate of row 9
        [CRIMES, sergels.name, "", "2026-05", "8", "", "", ""],  # 11 differs from stored 7
        [CRIMES, fittja.name, "", "2026-06", "3", "", "", ""],  # 12 not Stockholm's scene
        ["Andel otrygga", "", "Botkyrka", "2025", "3", "", "", ""],  # 13 not its municipality
        [CRIMES, sergels.name, "", "2026-04", "3", "", "", "191212121212"],  # 14 identity no.
    ]
    response = upload(client, csv_file(rows))
    results = {r["number"]: r for r in response.context["results"]}
    expected = {
        2: "Okänd scen",
        3: "Okänd kommun",
        4: "utanför det tillåtna",
        5: "utanför det tillåtna",
        6: "Ange perioden som 2026-03",
        7: "har ett värde per månad",
        8: "är inte ett tal",
        10: "Dubblett: rad 9",
        11: "Ett annat värde (7)",
        12: "Okänd scen",  # Stockholm's coordinator does not see Fittja
        13: "inte lägga in värden för Botkyrka",
        14: "personnummer",
    }
    for number, message in expected.items():
        found = " ".join(m for _c, m in results[number]["errors"])
        assert message in found, (number, found)
    assert not results[9]["errors"]
    assert response.context["token"] is None
    assert response.context["error_count"] == len(expected)
    assert IndicatorValue.objects.count() == 1  # only the stored one


def test_who_may_import(client, sergels, stockholm_field_worker, stad_evaluator, police_officer):
    for user in (stockholm_field_worker, stad_evaluator, police_officer):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert upload(client, csv_file(good_rows(sergels))).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_an_xlsx_file_with_the_periods_excel_turned_into_dates(
    client, sergels, regional_coordinator
):
    client.force_login(regional_coordinator)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Indicator", "Scene", "Period", "Value", "Lower is better"])
    sheet.append(["SL-händelser", sergels.name, datetime(2026, 3, 1), 14.5, "nej"])
    sheet.append(["SL-händelser", sergels.name, datetime(2026, 4, 1), 11, "nej"])
    buffer = io.BytesIO()
    book.save(buffer)
    file = SimpleUploadedFile("sl.xlsx", buffer.getvalue())
    response = upload(client, file)
    assert response.context["new_count"] == 2, response.context["results"][0]["errors"]
    confirm(client, response.context["token"])
    series = Indicator.objects.get(name="SL-händelser")
    assert series.lower_is_better is False and series.period == "month"
    assert [v.value for v in series.values.order_by("period_start")] == [Decimal("14.5"), 11]


def test_the_check_reads_what_it_needs_in_a_fixed_number_of_queries(sergels, stockholm_coordinator):
    def rows(n):
        return [
            [n, [CRIMES, sergels.name, "", f"20{10 + n // 12:02d}-{n % 12 + 1:02d}", "5", "",
                 "", "", ""]]
            for n in range(n)
        ]  # fmt: skip

    check_rows(stockholm_coordinator, rows(1), "a.csv")  # caches warmed
    with CaptureQueriesContext(connection) as few:
        check_rows(stockholm_coordinator, rows(3), "a.csv")
    with CaptureQueriesContext(connection) as many:
        check_rows(stockholm_coordinator, rows(60), "a.csv")
    assert len(many) == len(few)


def test_the_template_downloads(client, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    csv = client.get(URL, {"template": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Indikator,Scen,Kommun,Period,Värde")
