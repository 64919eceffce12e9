"""The åtgärdsplan per municipality (PDF through the pipeline, and XLSX), and the lägesbild's
chapter Konsekvenser och orsaker from the SARA analyses."""

import io
import re
import subprocess
from datetime import timedelta

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sara.models import Analysis, Method
from sara.services import open_case
from sara.tests.factories import make_action
from situation_reports import services
from situation_reports.models import Report
from situation_reports.snapshot import build_snapshot
from situation_reports.tasks import build_report, render

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", " ", out.replace("\u00a0", " "))


def first_method():
    """A catalogue method whose name pdftotext cannot hyphenate across lines."""
    return Method.objects.exclude(name__contains="-").order_by("name").first()


@pytest.fixture
def case_work(sergels, stockholm_coordinator, reference_orgs, method_catalogue):
    stockholm, police = (
        reference_orgs["kommun-0180"],
        sergels.team.exclude(organisation=reference_orgs["kommun-0180"]).first().organisation,
    )
    case = open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=stockholm,
        title="Langning vid uppgången",
        problem_statement="Försäljning kvällstid vid uppgången.",
        goal_indicator="Observationer av försäljning per månad",
        goal_baseline="42.00",
        goal_target="20.00",
    )
    place = sergels.places.first()
    finding = Analysis.objects.create(
        case=case, place=place, area="place", finding="Skymd nisch utan belysning",
        manager="Fastighetsbolaget", manager_weak=True, guardian="Väktarna",
    )  # fmt: skip
    today = timezone.localdate()
    make_action(
        case, police, title="Riktad närvaro kvällstid", analysis=finding,
        method=first_method(), status="pagaende",
        start_on=today - timedelta(days=20), due_on=today - timedelta(days=2),
    )  # fmt: skip
    make_action(case, stockholm, title="Belysning i nischen", due_on=today + timedelta(days=30))
    return case


def test_the_municipality_gets_its_action_plan_as_pdf_and_xlsx(
    client, stockholm_coordinator, botkyrka_coordinator, reference_orgs, case_work
):
    stockholm = reference_orgs["kommun-0180"]
    today = timezone.localdate()
    with transaction.atomic():
        report = services.request_report(
            stockholm_coordinator, scope="municipality", municipality=stockholm,
            start=today - timedelta(days=89), end=today, kind="atgardsplan",
        )  # fmt: skip
    assert report.title.startswith("Åtgärdsplan Stockholms stad")
    assert build_report.run(report.pk) == "done"
    report.refresh_from_db()
    text = text_of(report.file.read())
    for fact in (
        "Langning vid uppgången",
        "Riktad närvaro kvällstid (försenad)",
        "Belysning i nischen",
        "från 42 till 20",  # whole numbers without decimals
        "Pågående",
        case_work.actions.get(title="Riktad närvaro kvällstid").responsible.name,
        first_method().name,
    ):
        assert fact in text, fact
    assert "42,00" not in text

    client.force_login(stockholm_coordinator)
    xlsx = client.get(reverse("situation_reports:report_table", args=[report.pk]))
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Scen", "Ärende (problem)", "Fas", "Mål", "Åtgärd")
    assert {r[4] for r in rows[1:]} == {"Riktad närvaro kvällstid", "Belysning i nischen"}
    assert [r[11] for r in rows[1:] if r[4] == "Riktad närvaro kvällstid"] == ["Ja"]
    client.force_login(botkyrka_coordinator)
    assert (
        client.get(reverse("situation_reports:report_table", args=[report.pk])).status_code == 404
    )


def test_an_action_plan_is_made_for_a_municipality_only(stockholm_coordinator, sergels):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.request_report(
            stockholm_coordinator, scope="scene", scene=sergels, start=today, end=today,
            kind="atgardsplan",
        )  # fmt: skip
    assert not Report.objects.filter(kind="atgardsplan").exists()


def test_the_lagesbild_has_the_chapter_on_consequences_and_causes(
    stockholm_coordinator, sergels, case_work
):
    today = timezone.localdate()
    with transaction.atomic():
        report = services.request_report(
            stockholm_coordinator, scope="scene", scene=sergels,
            start=today - timedelta(days=89), end=today,
        )  # fmt: skip
    snapshot = build_snapshot(report)
    causes = snapshot["causes"]
    # The report is read by everyone who sees the scene: the analysis is there with its
    # place and controllers, its finding (free text, for the team only) is not.
    place_name = sergels.places.first().name
    assert [(a["area"], a["place"]) for a in causes["analyses"]] == [("place", place_name)]
    assert "finding" not in causes["analyses"][0]
    manager = next(c for c in causes["controllers"] if c["role"] == "manager")
    assert (manager["named"], manager["weak"]) == (1, 1)
    text = text_of(render(snapshot))
    assert "Konsekvenser och orsaker" in text
    assert "Skymd nisch utan belysning" not in text
    assert "Fastighetsbolaget – svag" in text
    assert "Svaga kontrollanter enligt analyserna: platsansvarig" in text
    assert "Upplevd otrygghet bland dem som loggat" in text
