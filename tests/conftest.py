"""Fixtures shared by the browser tests, the permission matrix and the planted-values test."""

import re
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone

from ods_platform.models import ExportJob, export_storage
from sara import services as sara
from sara.demo import load_cases
from sara.models import Case, Method
from sara.tests.factories import make_action
from scenes.models import ImportJob, Indicator, Landmark, Observation, Share
from situation_reports import services as reports
from situation_reports.models import ReportSubscription


@pytest.fixture
def cases(demo_scenes, method_catalogue):
    """The demo's SARA cases on the demo scenes."""
    load_cases()
    return Case.objects.all()


@pytest.fixture
def offline(page):
    """The browser page with every request off this machine refused (no map tiles)."""
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    return page


def _finished_export(user, scene):
    job = ExportJob.objects.create(
        user=user,
        kind=ExportJob.Kind.OBSERVATIONS,
        parameters={"scene_pk": [str(scene.pk)]},
        filename=f"observationer-{scene.pk}.xlsx",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    job.file = export_storage().save(f"{user.pk}/{job.pk}.xlsx", ContentFile(b"PK matrix"))
    job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
    job.save()
    return job


@pytest.fixture
def world(demo_scenes, personas, stockholm, police, transit, reference_orgs, method_catalogue):
    """One object of every kind at Sergels torg, by the scopes the matrix names."""
    sergels = demo_scenes["Sergels torg"]
    kept_rows = Observation.objects.filter(scene=sergels, restricted=True)
    share = Share.objects.get(object_id__in=kept_rows.values("pk"))
    coordinator = personas["sthlm.samordnare"]
    case = sara.open_case(by=coordinator, scene=sergels, owner=stockholm, title="Matrisärende")
    today = timezone.localdate()
    report = reports.request_report(
        coordinator, scope="scene", scene=sergels, start=today.replace(day=1), end=today
    )
    report.file.save("lagesbild.pdf", ContentFile(b"%PDF-1.7 matrix"), save=False)
    report.status, report.finished_at = "done", timezone.now()
    report.save()
    centre = sergels.boundary.centroid
    return {
        "scene": sergels,
        "observation": Observation.objects.filter(scene=sergels, restricted=False).first(),
        # Logged for Stockholms stad: its staff and the scene's coordinators may change it.
        "stockholm_observation": Observation.objects.filter(
            scene=sergels, restricted=False, organisation=stockholm
        ).first(),
        "kept": kept_rows.exclude(pk=share.object_id).first(),
        "shared": kept_rows.get(pk=share.object_id),
        "share": share,
        "place": sergels.places.first(),
        "landmark": Landmark.objects.create(
            scene=sergels, name="Uppgången", kind="entrance", location=Point(centre.x, centre.y)
        ),
        "indicator": Indicator.objects.create(scene=sergels, name="SL-händelser"),
        "case": case,
        "action": make_action(case, police, title="Närvaro"),
        "method": Method.objects.first(),
        "report": report,
        "subscription": ReportSubscription.objects.create(
            scene=sergels, frequency="monthly", created_by=coordinator
        ),
        # Uploads of the lead coordinator's: only they may see them (a checked file that
        # could not be read, so that a confirm changes nothing).
        "observation_import": ImportJob.objects.create(
            kind="observations",
            scene=sergels,
            user=coordinator,
            filename="fel.csv",
            file_type="csv",
            status="failed",
            error="Filen saknar rubrikrad.",
        ),
        "indicator_import": ImportJob.objects.create(
            kind="indicators",
            user=coordinator,
            filename="fel.csv",
            file_type="csv",
            status="failed",
            error="Filen saknar rubrikrad.",
        ),
        # A finished XLSX export of the lead coordinator's: only they reach it and its file.
        "export": _finished_export(coordinator, sergels),
        "police": police,
        "transit": transit,
        "probation": reference_orgs["kriminalvarden"],
        "kind_observation": "observation",
        "followup_section": "sara",
    }
