"""The snapshot a lägesbild is drawn from: the scene page's numbers, the requester's view."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from actors.models import Membership
from sara.models import Action, ActionStatus
from scenes.filters import _day_start
from scenes.models import Observation, SymptomAssessment
from scenes.services import leave_team, set_lead
from situation_reports import services
from situation_reports.snapshot import NothingToReport, build_snapshot

pytestmark = pytest.mark.django_db


def covered(snapshot: dict) -> set[str]:
    """The scenes a municipality or county report covers: its summary's rows."""
    summary = snapshot["summary"]
    return {s["name"] for s in summary["top_scenes"] + summary["appendix"]}


def test_the_snapshot_has_the_scene_pages_numbers_for_the_same_period(
    client, stockholm_coordinator, sergels, sergels_report, last_90_days
):
    snapshot = build_snapshot(sergels_report)

    client.force_login(stockholm_coordinator)
    start, end = last_90_days
    page = client.get(
        reverse("scenes:scene_detail", args=[sergels.pk]), {"start": start, "end": end}
    ).context
    result = page["result"]
    assert snapshot["what"]["total"] == page["observation_count"] > 0
    assert [(c["label"], c["count"]) for c in snapshot["what"]["categories"] if c["count"]] == [
        (label, n) for _v, label, n in result.categories
    ]
    assert [h["count"] for h in snapshot["where"]["hotspots"]] == [
        h.count for h in result.cells[:10]
    ]
    assert snapshot["when"]["matrix"] == result.matrix
    assert snapshot["when"]["peaks"] == result.peaks.as_dict()
    assert snapshot["hotspot"]["concentration"]["share"] == result.concentration.share
    assert snapshot["when"]["months"] == [m.as_dict() for m in result.months]
    # Plain JSON, frozen as it is stored.
    assert json.loads(json.dumps(snapshot)) == snapshot


def test_the_comparison_is_with_the_period_of_equal_length_just_before(
    stockholm_coordinator, sergels, stockholm
):
    today = timezone.localdate()
    start, end = today - timedelta(days=6), today

    def log(days_ago, category):
        at = timezone.now() - timedelta(days=days_ago)
        Observation.objects.create(
            scene=sergels, location=sergels.boundary.point_on_surface, occurred_at=at,
            category=category, source="egen", insecurity=3, organisation=stockholm,
        )  # fmt: skip

    Observation.objects.filter(scene=sergels).delete()
    for _ in range(3):
        log(1, "narkotikaforsaljning")
    log(9, "narkotikaforsaljning")
    log(10, "vald_hot")
    log(20, "vald_hot")  # before the previous period: not counted anywhere
    report = services.request_report(
        stockholm_coordinator, scope="scene", scene=sergels, start=start, end=end
    )

    what = build_snapshot(report)["what"]

    assert (what["total"], what["previous_total"]) == (3, 2)
    # 3 against 2 is below the thin-data rule: the counts are compared, no change is stated.
    assert what["change"]["stated"] is False and what["change"]["reason"] == "thin"
    assert (what["change"]["count"], what["change"]["previous"]) == (3, 2)
    rows = {c["label"]: (c["count"], c["previous"]) for c in what["categories"]}
    assert rows == {"Narkotikaförsäljning": (3, 1), "Våld/hot": (0, 1)}


def test_a_scene_the_requester_can_no_longer_see_is_left_out_when_the_task_runs(
    stockholm_coordinator, sergels, demo_scenes, stockholm, police, last_90_days
):
    start, end = last_90_days
    report = services.request_report(
        stockholm_coordinator, scope="municipality", municipality=stockholm, start=start,
        end=end,
    )  # fmt: skip
    asked = set(report.scenes.values_list("name", flat=True))
    assert "Sergels torg (demo)" in asked
    # Stockholm leaves Sergels torg's team after asking, before the worker builds it.
    set_lead(sergels, police)
    leave_team(sergels, stockholm)

    snapshot = build_snapshot(report)

    names = covered(snapshot)
    assert "Sergels torg (demo)" not in names
    assert names == asked - {"Sergels torg (demo)"}
    local_days = (_day_start(start), _day_start(end + timedelta(days=1)))
    assert (
        snapshot["what"]["total"]
        == Observation.objects.filter(scene__name__in=names, occurred_at__range=local_days)
        .exclude(occurred_at=local_days[1])
        .count()
    )


def test_a_scene_report_with_nothing_left_to_see_raises(
    stockholm_coordinator, sergels, stockholm, police, sergels_report
):
    set_lead(sergels, police)
    leave_team(sergels, stockholm)
    with pytest.raises(NothingToReport):
        build_snapshot(sergels_report)


def test_the_report_says_what_it_does_not_know(stockholm_coordinator, sergels, stockholm):
    Observation.objects.filter(scene=sergels).delete()
    SymptomAssessment.objects.filter(scene=sergels).delete()
    today = timezone.localdate()
    Observation.objects.create(
        scene=sergels, location=sergels.boundary.point_on_surface,
        occurred_at=timezone.now() - timedelta(hours=2), category="narkotikabruk",
        source="polis", insecurity=4, organisation=stockholm,
    )  # fmt: skip
    report = services.request_report(
        stockholm_coordinator, scope="scene", scene=sergels,
        start=today - timedelta(days=29), end=today,
    )  # fmt: skip

    sources = build_snapshot(report)["sources"]

    from situation_reports.pdf import _limit_text

    with translation.override("sv"):
        limits = " ".join(_limit_text(limit) for limit in sources["limits"])
    assert sources["observations"] == 1
    assert "Bara 1 observation under perioden" in limits
    assert "Observationer finns för 1 av periodens 30 dagar" in limits
    assert "Ingen symtombedömning finns för Sergels torg (demo)" in limits
    assert "Ordningsvakt" in limits and "Polis," not in limits.split("Källor utan")[1]
    assert sources["by_source"] == [{"label": "Polis", "count": 1}]


def test_ongoing_work_lists_open_cases_and_overdue_actions(
    stockholm_coordinator, sergels, sergels_report, method_catalogue
):
    from sara.demo import load_cases

    load_cases()
    work = build_snapshot(sergels_report)["work"]

    assert work["cases"], "the demo has a case on Sergels torg"
    assert all(c["scene"] == "Sergels torg (demo)" for c in work["cases"])
    overdue = Action.objects.filter(
        case__scene=sergels, status__in=[ActionStatus.PLANNED, ActionStatus.ONGOING],
        due_on__lt=timezone.localdate(),
    ).exclude(case__phase="closed")  # fmt: skip
    assert [o["title"] for o in work["overdue"]] == [
        a.title for a in overdue.order_by("due_on", "pk")
    ]
    assert sum(row["overdue"] for row in work["actions_by_organisation"]) == overdue.count()


def test_an_evaluator_report_reads_as_the_evaluator_may(stad_evaluator, sergels, last_90_days):
    start, end = last_90_days
    report = services.request_report(stad_evaluator, scope="county", start=start, end=end)
    snapshot = build_snapshot(report)
    assert snapshot["scope"]["label"].startswith("Stockholms län")
    assert len(covered(snapshot)) == snapshot["scope"]["scenes"] == 8
    assert Membership.objects.filter(user=stad_evaluator).exists()


def test_the_snapshot_reads_a_fixed_number_of_queries_however_much_data(
    stockholm_coordinator, sergels, stockholm, sergels_report
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_snapshot(sergels_report)
        return len(captured)

    queries()  # once to fill the process's caches (content types), which a worker keeps
    before = queries()
    now = timezone.now()
    Observation.objects.bulk_create(
        Observation(
            scene=sergels, location=sergels.boundary.point_on_surface,
            occurred_at=now - timedelta(hours=i), category="narkotikabruk", source="egen",
            insecurity=1 + i % 5, organisation=stockholm,
        )
        for i in range(300)
    )  # fmt: skip
    assert queries() == before


def test_a_scene_added_after_the_request_is_not_in_the_report(
    regional_coordinator, stad_evaluator, sergels, last_90_days
):
    """The report covers what was asked for; its visibility (Report.scenes) must match
    what it shows, or a scene nobody asked about could reach readers who may not see it."""
    from scenes.services import create_scene

    start, end = last_90_days
    report = services.request_report(stad_evaluator, scope="county", start=start, end=end)
    create_scene(
        by=regional_coordinator, name="Ny plats (test)", municipality=sergels.municipality,
        area_type=sergels.area_type, place_type=sergels.place_type, boundary=sergels.boundary,
        identified_on=start,
    )  # fmt: skip

    names = covered(build_snapshot(report))

    assert "Ny plats (test)" not in names
    assert names == set(report.scenes.values_list("name", flat=True))
