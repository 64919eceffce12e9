"""Asking for a lägesbild on a page, following it, and who may see it."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry
from situation_reports.models import Report, ReportSubscription, report_storage

pytestmark = pytest.mark.django_db


def _finish(report: Report, pdf: bytes = b"%PDF-1.7 test") -> Report:
    """Mark a report done with a stored file, as the worker would."""
    import hashlib

    report.file.save("lagesbild.pdf", ContentFile(pdf), save=False)
    report.status = Report.Status.DONE
    report.progress = 100
    report.sha256 = hashlib.sha256(pdf).hexdigest()
    report.size = len(pdf)
    report.finished_at = timezone.now()
    report.save()
    return report


def test_asking_on_the_page_queues_a_report_and_shows_its_progress(
    client, stockholm_coordinator, sergels, django_capture_on_commit_callbacks
):
    client.force_login(stockholm_coordinator)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("situation_reports:report_list"),
            {"scope": "scene", "scene": sergels.pk, "start": today - timedelta(days=89),
             "end": today},
        )  # fmt: skip

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("situation_reports:report_detail", args=[report.pk])
    assert (report.status, report.requested_by, report.scene) == (
        "queued",
        stockholm_coordinator,
        sergels,
    )
    assert list(report.scenes.all()) == [sergels]
    assert len(callbacks) == 1, "the build is published once the row is committed"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'hx-trigger="every 1s"' in page.content
    assert "<progress" in page.text and "Väntar på en ledig" in page.text


def test_a_wrong_request_keeps_what_was_typed_and_creates_nothing(
    client, stockholm_coordinator, sergels
):
    client.force_login(stockholm_coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("situation_reports:report_list"),
        {"scope": "scene", "scene": sergels.pk, "start": today, "end": today - timedelta(5)},
    )
    assert response.status_code == 400
    assert Report.objects.count() == 0
    assert "Perioden måste börja innan den slutar" in response.text
    assert f'value="{today:%Y-%m-%d}"' in response.text


def test_a_scene_someone_cannot_see_cannot_be_asked_for(client, botkyrka_coordinator, sergels):
    client.force_login(botkyrka_coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("situation_reports:report_list"),
        {"scope": "scene", "scene": sergels.pk, "start": today, "end": today},
    )
    assert response.status_code == 400
    assert Report.objects.count() == 0
    assert "Sergels torg" not in response.text


def test_only_county_wide_roles_may_ask_for_the_county(client, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("situation_reports:report_list"),
        {"scope": "county", "start": today, "end": today},
    )
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_others_get_404_for_the_page_the_progress_and_the_download(
    client, botkyrka_coordinator, outsider, sergels_report
):
    report = _finish(sergels_report)
    urls = [
        reverse(f"situation_reports:{name}", args=[report.pk])
        for name in ("report_detail", "report_progress", "report_download")
    ]
    for user in (botkyrka_coordinator, outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert (
            client.post(reverse("situation_reports:report_again", args=[report.pk])).status_code
            == 404
        )
    assert Report.objects.count() == 1


def test_the_team_downloads_the_pdf_and_the_download_is_logged(
    client, police_officer, sergels_report
):
    report = _finish(sergels_report, b"%PDF-1.7 Sergels")
    client.force_login(police_officer)  # LPO City is on the Sergels torg team

    response = client.get(reverse("situation_reports:report_download", args=[report.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7 Sergels"
    entry = Entry.objects.filter(kind="read", action="download", object_id=str(report.pk)).get()
    assert (entry.user_id, entry.username) == (police_officer.pk, "polis.city")
    assert entry.object_type == "situation_reports.report"


def test_a_report_file_is_not_served_as_a_media_file(settings, sergels_report):
    report = _finish(sergels_report)
    assert not str(report_storage().path(report.file.name)).startswith(str(settings.MEDIA_ROOT))


def test_the_list_shows_visible_reports_newest_first_and_exports(
    client, stockholm_coordinator, botkyrka_coordinator, fittja, sergels_report, last_90_days
):
    from situation_reports import services

    start, end = last_90_days
    fittja_report = services.request_report(
        botkyrka_coordinator, scope="scene", scene=fittja, start=start, end=end
    )
    client.force_login(stockholm_coordinator)
    page = client.get(reverse("situation_reports:report_list"))
    assert sergels_report.title in page.text
    assert fittja_report.title not in page.text

    client.force_login(botkyrka_coordinator)
    titles = [r.title for r in client.get(reverse("situation_reports:report_list")).context["page"]]
    assert titles == [fittja_report.title]
    export = client.get(reverse("situation_reports:report_list"), {"format": "csv"})
    assert fittja_report.title in export.content.decode("utf-8-sig")
    assert sergels_report.title not in export.content.decode("utf-8-sig")


def test_the_scene_page_offers_a_report_for_the_period_shown(
    client, stockholm_coordinator, sergels
):
    client.force_login(stockholm_coordinator)
    page = client.get(
        reverse("scenes:scene_detail", args=[sergels.pk]),
        {"start": "2026-09-01", "end": "2026-09-30"},
    )
    assert 'name="start" value="2026-09-01"' in page.text
    assert "Skapa en lägesbild för 1 september 2026 – 30 september 2026" in page.text


def test_a_coordinator_subscribes_the_scene_once_and_others_may_not(
    client, stockholm_coordinator, police_officer, sergels
):
    url = reverse("situation_reports:subscription_add", args=[sergels.pk])
    client.force_login(police_officer)  # on the team, but not a coordinator
    assert client.post(url, {"frequency": "weekly"}).status_code == 403
    client.force_login(stockholm_coordinator)
    client.post(url, {"frequency": "weekly"})
    client.post(url, {"frequency": "weekly"})
    assert ReportSubscription.objects.filter(scene=sergels).count() == 1
    assert "Varje vecka" in client.get(reverse("scenes:scene_detail", args=[sergels.pk])).text


def test_a_subscription_is_ended_by_a_coordinator_and_no_one_else(
    client, stockholm_coordinator, police_officer, botkyrka_coordinator, sergels
):
    subscription = ReportSubscription.objects.create(
        scene=sergels, frequency="monthly", created_by=stockholm_coordinator
    )
    url = reverse("situation_reports:subscription_remove", args=[subscription.pk])
    client.force_login(botkyrka_coordinator)  # not on the team: the subscription is not there
    assert client.post(url).status_code == 404
    client.force_login(police_officer)  # on the team, not a coordinator
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert ReportSubscription.objects.filter(pk=subscription.pk).exists()

    client.force_login(stockholm_coordinator)
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/scenes/{sergels.pk}/#reports")
    assert "Prenumerationen är avslutad." in response.text
    assert not ReportSubscription.objects.filter(pk=subscription.pk).exists()


def test_the_list_reads_a_constant_number_of_queries_however_many_reports(
    client, stockholm_coordinator, sergels, last_90_days
):
    from situation_reports import services

    client.force_login(stockholm_coordinator)
    url = reverse("situation_reports:report_list")
    start, end = last_90_days

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.request_report(
        stockholm_coordinator, scope="scene", scene=sergels, start=start, end=end
    )
    one = count_queries()
    for _ in range(10):
        services.request_report(
            stockholm_coordinator, scope="scene", scene=sergels, start=start, end=end
        )
    assert count_queries() == one
