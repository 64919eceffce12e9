"""A lägesbild reads the whole past days of its period from the daily rollup
(scenes/rollups.py) and the rest (today, days changed since the last refresh) from the
observations: every figure of the snapshot is the one the observations alone give, for a
scene, a municipality and the county, also after edits the rollup has not caught up with."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scenes import rollups
from scenes.models import Observation
from situation_reports import services
from situation_reports.snapshot import SnapshotBuilder, build_snapshot

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 4, 10, 0, tzinfo=STHLM)  # a Wednesday
# 90 days up to yesterday, across the autumn clock change (2026-10-25); the 90 before them.
START, END = date(2026, 8, 5), date(2026, 11, 3)
SOURCES = ["egen", "polis", "faltassistent", "tips"]
CATEGORIES = ["narkotikabruk", "narkotikaforsaljning", "vald_hot", "nedskrapning"]
GROUPS = [["boende"], ["barn_och_unga", "boende"], []]


def _at(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STHLM, fold=fold)


@pytest.fixture
def planted(demo_scenes, stockholm, botkyrka, police):
    """Observations with every counted field varied, on three scenes in two municipalities:
    past days of the period and of the one before, the clock change's double hour, today,
    kept rows (counted by no report) and a duplicate (counted nowhere)."""
    Observation.objects.all().delete()
    scenes = [demo_scenes[n] for n in ("Sergels torg", "Medborgarplatsen", "Fittja centrum")]
    orgs = [stockholm, police, botkyrka]
    rows = []
    for s_i, scene in enumerate(scenes):
        places = [None, *scene.places.order_by("pk")[:2]]
        point = scene.boundary.point_on_surface
        for i in range(60 - 15 * s_i):
            day = START - timedelta(days=40) + timedelta(days=(i * 7 + s_i) % 130)
            rows.append(
                Observation(
                    scene=scene,
                    place=places[i % len(places)],
                    location=point,
                    occurred_at=_at(day, (i * 5) % 24, i % 60),
                    category=CATEGORIES[(i + s_i) % 4],
                    affected_groups=GROUPS[i % 3],
                    source=SOURCES[(i * 3 + s_i) % 4],
                    insecurity=1 + (i * 2 + s_i) % 5,
                    organisation=orgs[(i + s_i) % 3],
                )
            )
        # The clock change's double 02:30, today, and a kept row of a past day.
        for when, restricted in (
            (_at(date(2026, 10, 25), 2, 30), False),
            (_at(date(2026, 10, 25), 2, 30, fold=1), False),
            (_at(NOW.date(), 8), False),
            (_at(date(2026, 9, 9), 21), True),
        ):
            rows.append(
                Observation(
                    scene=scene, place=places[1], location=point, occurred_at=when,
                    category="narkotikabruk", source="polis", insecurity=5,
                    organisation=orgs[s_i], restricted=restricted,
                )
            )  # fmt: skip
    made = Observation.objects.bulk_create(rows)
    Observation.objects.filter(pk=made[1].pk).update(duplicate_of=made[0])
    return {"scenes": scenes, "made": made}


def _report(user, scope, scenes):
    extra = {"scene": scenes[0]} if scope == "scene" else {}
    if scope == "municipality":
        extra = {"municipality": scenes[0].municipality}
    return services.request_report(user, scope=scope, start=START, end=END, **extra)


def _snapshot(report, settings, *, rollup: bool) -> dict:
    # A period no longer than ODS_DAY_ROLLUP_MIN_DAYS is read from the observations only.
    settings.ODS_DAY_ROLLUP_MIN_DAYS = 6 if rollup else 10_000
    snap = build_snapshot(report)
    snap.pop("generated_at")
    return snap


def _same(report, settings) -> dict:
    raw = _snapshot(report, settings, rollup=False)
    with CaptureQueriesContext(connection) as queries:
        rolled = _snapshot(report, settings, rollup=True)
    assert any("scenes_observationday " in q["sql"] for q in queries.captured_queries)
    assert rolled == raw
    return raw


@pytest.mark.parametrize("scope", ["scene", "municipality", "county"])
def test_the_snapshot_from_the_rollup_is_the_snapshot_from_the_observations(
    planted, settings, regional_coordinator, scope
):
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        report = _report(regional_coordinator, scope, planted["scenes"])
        snap = _same(report, settings)
    # Known answers: Sergels torg's rows of the period by the planting rule above.
    if scope == "scene":
        in_period = [
            o
            for o in planted["made"]
            if o.scene_id == planted["scenes"][0].pk
            and not o.restricted
            and START <= o.occurred_at.astimezone(STHLM).date() <= END
            and o.pk != planted["made"][1].pk
        ]
        assert snap["what"]["total"] == len(in_period) > 20
        by_source = {row["label"]: row["count"] for row in snap["sources"]["by_source"]}
        assert by_source["Polis"] == sum(1 for o in in_period if o.source == "polis")
        ratings = [o.insecurity for o in in_period]
        assert snap["who"]["insecurity"]["distribution"] == [ratings.count(i) for i in range(1, 6)]
        assert snap["who"]["insecurity"]["mean"] == round(sum(ratings) / len(ratings), 2)
        days = {o.occurred_at.astimezone(STHLM).date() for o in in_period}
        assert snap["sources"]["days_with_observations"] == len(days)
    else:
        assert snap["summary"]["top_scenes"]


def test_edits_the_rollup_has_not_caught_up_with_are_counted_from_the_observations(
    planted, settings, regional_coordinator, police
):
    made = planted["made"]
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        report = _report(regional_coordinator, "county", planted["scenes"])
        before = _same(report, settings)
        # On days already rolled up: a new row, another place, source, organisation and
        # rating for one, a deletion, and one now kept to its organisation.
        Observation.objects.create(
            scene=planted["scenes"][2], location=planted["scenes"][2].boundary.point_on_surface,
            occurred_at=_at(date(2026, 9, 30), 13), category="vald_hot", source="tips",
            insecurity=4, organisation=police,
        )  # fmt: skip
        Observation.objects.filter(pk=made[10].pk).update(
            place=None, source="tips", insecurity=1, organisation=police
        )
        Observation.objects.filter(pk=made[20].pk).delete()
        Observation.objects.filter(pk=made[30].pk).update(restricted=True)
        assert rollups.ObservationDayStale.objects.count() >= 3
        after = _same(report, settings)
        assert after != before
        rollups.refresh_days()  # the beat task makes the stale days again
        assert not rollups.ObservationDayStale.objects.filter(day__lt=NOW.date()).exists()
        assert _same(report, settings) == after


def test_a_long_period_reads_the_rollup_not_every_row(planted, settings, regional_coordinator):
    """The report's observations are split: the raw part holds only what the rollup lacks."""
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        builder = SnapshotBuilder(_report(regional_coordinator, "county", planted["scenes"]))
        builder.scene_ids = [s.pk for s in planted["scenes"]]
        part = builder.observations(START, END)
        assert part.rollup is not None and part.rollup.last == END
        # Today is not in the period; the clock change's rows are in the rollup: nothing raw.
        assert part.raw.count() == 0
        assert part.rollup.total() == sum(part.by_scene().values()) > 50
