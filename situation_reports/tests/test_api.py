"""The reports API: 202 with the report's URL, status and progress, 404 for others."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from situation_reports.models import Report

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_post_answers_202_with_the_report_url_and_get_follows_it(
    stockholm_coordinator, sergels, django_capture_on_commit_callbacks
):
    api = _api(stockholm_coordinator)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False) as published:
        response = api.post(
            "/api/v1/reports/",
            {"kind": "lagesbild", "scope": "scene", "scene": sergels.pk,
             "start": f"{today - timedelta(days=89)}", "end": f"{today}"},
            format="json",
        )  # fmt: skip

    assert response.status_code == 202, response.json()
    body = response.json()
    report = Report.objects.get()
    assert response["Location"] == body["url"]
    assert body["url"].endswith(f"/api/v1/reports/{report.pk}/")
    assert (body["status"], body["progress"], body["download"]) == ("queued", 0, None)
    assert len(published) == 1

    report.status, report.progress = Report.Status.RUNNING, 40
    report.save()
    followed = api.get(body["url"]).json()
    assert (followed["status"], followed["progress"], followed["stage"]) == (
        "running",
        40,
        "waiting",
    )
    report.status, report.sha256 = Report.Status.DONE, "0" * 64
    report.save()
    assert api.get(body["url"]).json()["download"].endswith(f"/reports/{report.pk}/download/")


def test_a_scene_the_caller_cannot_see_is_a_400_that_does_not_say_it_exists(
    botkyrka_coordinator, sergels
):
    today = timezone.localdate()
    response = _api(botkyrka_coordinator).post(
        "/api/v1/reports/",
        {"scope": "scene", "scene": sergels.pk, "start": f"{today}", "end": f"{today}"},
        format="json",
    )
    assert response.status_code == 400
    assert "scene" in response.json()
    assert Report.objects.count() == 0


def test_a_bad_period_is_refused_with_the_reason(stockholm_coordinator, sergels):
    today = timezone.localdate()
    response = _api(stockholm_coordinator).post(
        "/api/v1/reports/",
        {"scope": "scene", "scene": sergels.pk, "start": f"{today}",
         "end": f"{today - timedelta(days=3)}"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "Perioden måste börja innan den slutar." in str(response.json())
    assert Report.objects.count() == 0


def test_others_get_404_and_the_list_is_only_what_the_caller_may_see(
    botkyrka_coordinator, police_officer, sergels_report
):
    assert (
        _api(botkyrka_coordinator).get(f"/api/v1/reports/{sergels_report.pk}/").status_code == 404
    )
    assert _api(botkyrka_coordinator).get("/api/v1/reports/").json()["results"] == []
    listed = _api(police_officer).get("/api/v1/reports/").json()["results"]
    assert [r["id"] for r in listed] == [sergels_report.pk]


def test_the_schema_describes_the_reports_endpoint(client, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/reports/"]["post"]
    assert "202" in post["responses"]
    assert "/api/v1/reports/{id}/" in schema["paths"]
