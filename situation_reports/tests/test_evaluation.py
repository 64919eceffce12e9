"""The evaluation report: built by the lägesbild's pipeline from the follow-up's figures, as a
tagged PDF/UA and an XLSX workbook; for whom; no free text and no count below 5 in either;
the county's report made once per quarter by beat, with STAD e-mailed a link."""

import io
import re
import subprocess
from datetime import date

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from followup.demo import load_followup
from sara.demo import load_cases
from situation_reports import services
from situation_reports.models import Report
from situation_reports.tasks import (
    build_report,
    create_quarterly_evaluation_report,
    last_ended_quarter,
)

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True,
        check=True,
    ).stdout.decode()  # fmt: skip
    return out


def pdf_info(data: bytes, *args) -> str:
    return subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", *args, "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def demo(demo_scenes, method_catalogue):
    load_cases()
    load_followup()
    return demo_scenes


def ask(user, **kwargs):
    start, end = last_ended_quarter(timezone.localdate())
    with transaction.atomic():
        return services.request_report(
            user, start=kwargs.pop("start", start), end=kwargs.pop("end", end),
            kind="evaluation", **kwargs,
        )  # fmt: skip


def built(report) -> Report:
    assert build_report.run(report.pk) == "done"
    report.refresh_from_db()
    assert report.status == "done", report.error
    return report


def withheld_everywhere(snapshot) -> None:
    """No cell of any table of the snapshot holds a count from 1 to 4."""
    tables = [t for c in snapshot["chapters"] for t in c["tables"]] + snapshot["appendix"]
    for table in tables:
        for row in [*table["rows"], *(table["footer"] or [])]:
            for cell in row:
                if isinstance(cell, dict) and not cell.get("s"):
                    assert cell["v"] is None or not 0 < cell["v"] < 5, (table["key"], cell)


def test_stad_gets_the_county_evaluation_as_pdf_and_xlsx(client, demo, stad_evaluator):
    report = built(ask(stad_evaluator, scope="county"))
    assert report.title.startswith("Utvärderingsrapport Stockholms län")
    assert report.scenes.count() == 8 and len(report.sha256) == 64
    withheld_everywhere(report.snapshot)

    client.force_login(stad_evaluator)
    pdf = client.get(reverse("situation_reports:report_download", args=[report.pk]))
    data = b"".join(pdf.streaming_content)
    text = re.sub(r"\s+", " ", pdf_text(data))
    headings = (
        "Sammanfattning", "Scener och symtom", "SARA-arbetet", "Effekt och förskjutning",
        "Vad fungerade", "Rapporteringens fullständighet", "Metodnoter",
        "Datakällor och deras begränsningar", "Bilaga: tabeller",
    )  # fmt: skip
    for heading in headings:
        assert heading in text, heading
    # The demo's measured case, assessed on the quarter's last day, with its measures.
    assert "Försäljning på pendeltågsperrongen" in text
    assert "Viktad förskjutningsdifferens" in text and "inte ett bevis" in text
    info = pdf_info(data)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert re.search(r"^Title:\s+Utvärderingsrapport Stockholms län", info, re.MULTILINE)
    assert 'pdfuaid:part="1"' in pdf_info(data, "-meta")

    xlsx = client.get(reverse("situation_reports:report_table", args=[report.pk]))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert {"Kolumner", "Metodnoter", "Vad fungerade, per metod"} <= set(book.sheetnames)
    columns = list(book["Kolumner"].iter_rows(min_row=2, values_only=True))
    for sheet in book.worksheets:
        if sheet.title in ("Kolumner", "Metodnoter"):
            continue
        headers = next(sheet.iter_rows(values_only=True))
        assert all(any(r[1] == h for r in columns) for h in headers), sheet.title
        for row in sheet.iter_rows(min_row=2, values_only=True):
            for value in row:
                assert not (isinstance(value, int | float) and 0 < value < 5), (sheet.title, row)


def test_who_orders_and_who_reads_an_evaluation_report(
    client, demo, stockholm_coordinator, stockholm_field_worker, botkyrka_coordinator,
    police_officer, stockholm, botkyrka, regional_coordinator,
):  # fmt: skip
    for user, scope, municipality in (
        (stockholm_coordinator, "county", None),  # only their municipality
        (stockholm_coordinator, "municipality", botkyrka),
        (police_officer, "county", None),
        (stockholm_field_worker, "municipality", stockholm),  # staff, not a coordinator
        (regional_coordinator, "scene", None),
    ):
        with pytest.raises(ValidationError):
            ask(user, scope=scope, municipality=municipality, scene=demo["Sergels torg"])
    report = built(ask(stockholm_coordinator, scope="municipality", municipality=stockholm))
    assert set(report.scenes.values_list("name", flat=True)) == {
        "Sergels torg (demo)", "Medborgarplatsen (demo)",
    }  # fmt: skip
    url = reverse("situation_reports:report_download", args=[report.pk])
    for user, status in ((stockholm_coordinator, 200), (regional_coordinator, 200),
                         (stockholm_field_worker, 404), (botkyrka_coordinator, 404),
                         (police_officer, 404)):  # fmt: skip
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_the_page_orders_it_and_offers_pdf_and_xlsx(client, demo, stad_evaluator):
    client.force_login(stad_evaluator)
    form = client.get(reverse("situation_reports:report_list"), {"kind": "evaluation"})
    assert 'value="evaluation"' in form.content.decode()
    start, end = last_ended_quarter(timezone.localdate())
    response = client.post(reverse("situation_reports:report_list"), {
        "kind": "evaluation", "scope": "county", "start": start.isoformat(),
        "end": end.isoformat(),
    })  # fmt: skip
    report = Report.objects.get(kind="evaluation")
    assert response["Location"] == reverse("situation_reports:report_detail", args=[report.pk])
    built(report)
    progress = client.get(reverse("situation_reports:report_progress", args=[report.pk]))
    assert "Ladda ner som XLSX" in progress.content.decode()


def test_the_api_accepts_the_kind_where_the_user_may_order_it(
    demo, stad_evaluator, police_officer, stockholm
):
    api = APIClient()
    start, end = last_ended_quarter(timezone.localdate())
    body = {"kind": "evaluation", "scope": "county", "start": start, "end": end}
    api.force_authenticate(stad_evaluator)
    accepted = api.post("/api/v1/reports/", body, format="json")
    assert accepted.status_code == 202 and accepted.json()["kind"] == "evaluation"
    api.force_authenticate(police_officer)
    assert api.post("/api/v1/reports/", body, format="json").status_code == 400
    plan = {**body, "kind": "atgardsplan", "scope": "municipality", "municipality": stockholm.pk}
    api.force_authenticate(stad_evaluator)
    made = api.post("/api/v1/reports/", plan, format="json")
    assert made.status_code == 202 and made.json()["kind"] == "atgardsplan"
    assert api.post("/api/v1/reports/", {**body, "kind": "annat"}, format="json").status_code == 400


def test_beat_makes_the_quarterly_report_once_and_emails_stad_a_link(
    demo, stad_evaluator, settings
):
    stad_evaluator.email = "utvarderare@stad.example"
    stad_evaluator.save()
    today = timezone.localdate()
    assert create_quarterly_evaluation_report(today.isoformat()) == 1
    assert create_quarterly_evaluation_report(today.isoformat()) == 0  # never twice
    (report,) = Report.objects.filter(kind="evaluation")
    start, end = last_ended_quarter(today)
    assert (report.scope, report.period_start, report.period_end) == ("county", start, end)
    assert report.requested_by == stad_evaluator
    built(report)
    (message,) = mail.outbox
    assert message.to == ["utvarderare@stad.example"]
    assert reverse("situation_reports:report_detail", args=[report.pk]) in message.body
    assert not message.attachments
    build_report.run(report.pk)  # delivered again: nothing more is sent
    assert len(mail.outbox) == 1


def test_the_quarters_on_their_edges():
    assert last_ended_quarter(date(2027, 1, 1)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert last_ended_quarter(date(2027, 3, 31)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert last_ended_quarter(date(2027, 4, 1)) == (date(2027, 1, 1), date(2027, 3, 31))
    with time_machine.travel(date(2027, 7, 1), tick=False):
        assert last_ended_quarter(timezone.localdate())[1] == date(2027, 6, 30)
    assert last_ended_quarter(date(2027, 12, 31))[0] == date(2027, 7, 1)
