"""No free text reaches STAD: a unique marker is planted in every free-text field the platform
has, by the organisations on a scene's team, and every page, export, API answer and PDF that
STAD's evaluator can reach is searched for it. The regional coordinator, whose organisation is
not on the team, gets none of it either; the team reads all of it (so the search can fail).
"""

import io
import subprocess
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ods_platform.testing import follow_export
from sara import services as sara
from sara.models import Phase
from scenes import services as scenes
from scenes.models import Indicator, IndicatorValue, SymptomAssessment
from situation_reports import services as reports
from situation_reports.models import Report
from situation_reports.tasks import build_report

pytestmark = pytest.mark.django_db

MARK = "ZQX"  # every marker starts with it; nothing else in the platform does


def marker(field: str) -> str:
    return f"{MARK}{field.replace('.', '')}{MARK}"


@pytest.fixture
def planted(sergels, stockholm, police, stockholm_coordinator, stockholm_field_worker,
            police_officer, method_catalogue):  # fmt: skip
    """A marker in each free-text field, written at Sergels torg by team organisations."""
    centre = sergels.boundary.centroid
    observation = scenes.log_observation(
        by=stockholm_field_worker, scene=sergels, location=centre.clone(),
        occurred_at=timezone.now() - timedelta(hours=2), category="narkotikabruk",
        source="egen", insecurity=3, description=marker("observation.description"),
    )  # fmt: skip
    scenes.update_scene(
        sergels, by=stockholm_coordinator, status="minskad",
        status_comment=marker("statuschange.comment"),
    )  # fmt: skip
    SymptomAssessment.objects.create(
        scene=sergels, comment=marker("symptom.comment"), organisation=stockholm,
        assessed_by=stockholm_coordinator,
    )  # fmt: skip
    indicator = Indicator.objects.create(scene=sergels, name="SL-händelser", unit="st")
    IndicatorValue.objects.create(
        indicator=indicator, period_start="2026-08-01", period_end="2026-08-31", value=4,
        note=marker("indicatorvalue.note"), organisation=stockholm,
    )  # fmt: skip
    case = sara.open_case(
        by=stockholm_coordinator, scene=sergels, owner=stockholm, title="Langning vid Plattan",
        problem_statement="Försäljning kvällstid vid Plattan.",
    )  # fmt: skip
    sara.add_analysis(
        case, by=stockholm_coordinator, area="place", finding=marker("analysis.finding"),
        manager="Fastighetsägaren", manager_weak=True,
    )  # fmt: skip
    case = sara.move_phase(case, Phase.ANALYSIS, by=stockholm_coordinator)
    case = sara.move_phase(
        case, Phase.SCANNING, by=stockholm_coordinator, comment=marker("phasechange.comment")
    )
    action = sara.add_action(
        case, by=stockholm_coordinator, title="Närvaro kvällstid", responsible=police,
        description=marker("action.description"), method=method_catalogue.first(),
        notify=False,
    )  # fmt: skip
    sara.post_action_update(
        action, by=police_officer, text=marker("actionupdate.text"), status="pagaende"
    )
    sara.record_assessment(
        case, by=stockholm_coordinator, process=marker("assessment.process"),
        effect=marker("assessment.effect"), conclusion=marker("assessment.conclusion"),
    )  # fmt: skip
    return {"observation": observation, "case": case, "action": action, "indicator": indicator}


def text_of(response) -> str:
    """What a person or program could read in the answer, whatever its format."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return " ".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    if "pdf" in kind:
        return pdf_text(content)
    return content.decode("utf-8", errors="replace")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def everything_reachable(user, sergels, planted) -> dict[str, str]:
    """Every page, export, API answer and PDF about the planted scene the user can reach."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    api = APIClient()
    api.force_login(user)
    scene, case, action = sergels, planted["case"], planted["action"]
    observation, indicator = planted["observation"], planted["indicator"]
    pages = {
        "home": reverse("home"),
        "scene list": reverse("scenes:scene_list"),
        "scene map": reverse("scenes:scene_map_data"),
        "scene page": reverse("scenes:scene_detail", args=[scene.pk]),
        "observation map": reverse("scenes:scene_observation_map", args=[scene.pk])
        + "?start=2020-01-01",
        "observation list": reverse("scenes:observation_list", args=[scene.pk]),
        "observation page": reverse("scenes:observation_detail", args=[observation.pk]),
        "indicator page": reverse("scenes:indicator_detail", args=[indicator.pk]),
        "case page": reverse("sara:case_detail", args=[case.pk]),
        "action page": reverse("sara:action_detail", args=[action.pk]),
        "my actions": reverse("sara:my_actions"),
        "method page": reverse("sara:method_detail", args=[action.method_id]),
        "report list": reverse("situation_reports:report_list"),
        "indicator list": reverse("scenes:indicator_list"),
        "case effect page": reverse("sara:case_effect", args=[case.pk]),
        "scene effect page": reverse("sara:scene_effect", args=[scene.pk]),
        **{
            f"follow-up {name}": reverse("followup:section", args=[name])
            for name in ("sara", "methods", "completeness", "indicators")
        },
        "follow-up scenes": reverse("followup:scenes"),
        **{
            f"place {p.pk}": reverse("scenes:place_detail", args=[p.pk]) for p in scene.places.all()
        },
    }
    answers = {name: client.get(url) for name, url in pages.items()}
    for name, url in [("observation list", pages["observation list"]),
                      ("scene list", pages["scene list"]),
                      ("indicator page", pages["indicator page"]),
                      ("indicator list", pages["indicator list"]),
                      ("case effect page", pages["case effect page"]),
                      ("case page", pages["case page"]),
                      ("my actions", pages["my actions"])]:  # fmt: skip
        for fmt in ("csv", "xlsx"):
            # An XLSX of a big list is built by a worker: followed to its download.
            answers[f"{name} {fmt}"] = follow_export(client, client.get(url, {"format": fmt}))
    for name in ("scenes", "sara", "methods", "completeness", "indicators"):
        answers[f"follow-up {name} xlsx"] = client.get(pages[f"follow-up {name}"],
                                                       {"format": "xlsx"})  # fmt: skip
    for path in [
        "/api/v1/scenes/", f"/api/v1/scenes/{scene.pk}/", f"/api/v1/scenes/{scene.pk}/places/",
        f"/api/v1/scenes/{scene.pk}/analysis/", "/api/v1/observations/?limit=1000",
        f"/api/v1/observations/{observation.pk}/", "/api/v1/cases/", f"/api/v1/cases/{case.pk}/",
        "/api/v1/actions/", f"/api/v1/actions/{action.pk}/", "/api/v1/reports/",
    ]:  # fmt: skip
        answers[f"api {path}"] = api.get(path)
    # A lägesbild the user orders of the scene, built here as a worker would.
    today = timezone.localdate()
    report = reports.request_report(
        user, scope="scene", scene=scene, start=today - timedelta(days=89), end=today
    )
    build_report.run(report.pk)
    report = Report.objects.get(pk=report.pk)
    assert report.status == "done", report.error
    answers["lägesbild"] = client.get(
        reverse("situation_reports:report_download", args=[report.pk])
    )
    # The evaluation report the user may order (the county's, or their municipality's).
    from followup.permissions import may_follow_up_county, municipality_choices

    if municipality_choices(user).exists():
        scope = {"scope": "county"} if may_follow_up_county(user) else {
            "scope": "municipality", "municipality": municipality_choices(user).first()
        }  # fmt: skip
        evaluation = reports.request_report(
            user, kind="evaluation", start=today - timedelta(days=89), end=today, **scope
        )
        build_report.run(evaluation.pk)
        evaluation = Report.objects.get(pk=evaluation.pk)
        assert evaluation.status == "done", evaluation.error
        for name, view in (("evaluation pdf", "report_download"),
                           ("evaluation xlsx", "report_table")):  # fmt: skip
            answers[name] = client.get(reverse(f"situation_reports:{view}", args=[evaluation.pk]))
    assert all(a.status_code in (200, 403, 404) for a in answers.values()), {
        n: a.status_code for n, a in answers.items() if a.status_code not in (200, 403, 404)
    }
    return {name: text_of(answer) for name, answer in answers.items()}


def found_markers(texts: dict[str, str]) -> dict[str, list[str]]:
    return {
        name: sorted({t.split(MARK)[1] for t in text.split(MARK + MARK)} - {""})
        if MARK in text
        else []
        for name, text in texts.items()
        if MARK in text
    }


def test_stad_reads_no_free_text_anywhere(stad_evaluator, sergels, planted):
    texts = everything_reachable(stad_evaluator, sergels, planted)
    assert texts["scene page"] and texts["api /api/v1/observations/?limit=1000"]
    assert "Utvärderingsrapport" in texts["evaluation pdf"]
    assert "Vad fungerade" in texts["follow-up methods"]
    assert found_markers(texts) == {}


def test_the_regional_coordinator_off_the_team_reads_none_either(
    regional_coordinator, sergels, planted
):
    assert found_markers(everything_reachable(regional_coordinator, sergels, planted)) == {}


def test_the_team_reads_it_so_the_search_can_find_it(stockholm_coordinator, sergels, planted):
    texts = everything_reachable(stockholm_coordinator, sergels, planted)
    seen = " ".join(texts.values())
    for field in [
        "observation.description", "statuschange.comment", "symptom.comment",
        "indicatorvalue.note", "analysis.finding", "phasechange.comment",
        "action.description", "actionupdate.text", "assessment.process",
        "assessment.effect", "assessment.conclusion",
    ]:  # fmt: skip
        assert marker(field) in seen, field
    # ...and never in the lägesbild, which everyone who sees the scene may read, nor in
    # the follow-up or the evaluation report.
    assert MARK not in texts["lägesbild"]
    for name, text in texts.items():
        if name.startswith(("follow-up", "evaluation")):
            assert MARK not in text, name
    assert "evaluation pdf" in texts  # Stockholm's coordinator follows Stockholm up
