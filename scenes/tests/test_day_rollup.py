"""The daily rollup behind the scene page's long-period figures (scenes/rollups.py): the
figures read from it (whole past days) plus the observations (today, stale days, kept rows)
are exactly those computed from the observations alone, for every viewer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scenes import analysis, rollups
from scenes.models import Observation, Share
from scenes.permissions import get_scene_for_user

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 9, 16, 10, 0, tzinfo=STHLM)  # a Wednesday
START, END = date(2025, 9, 1), date(2026, 9, 16)  # over both 2025-10-26 and 2026-03-29


def _local(y, mo, d, h, mi, fold=0):
    return datetime(y, mo, d, h, mi, tzinfo=STHLM, fold=fold)


def _plant(scene, user, org, when, *, dx=0, **fields):
    lon, lat = scene.boundary.centroid.coords
    return Observation.objects.create(
        scene=scene,
        location=Point(lon + dx * 0.0009, lat + dx * 0.0004, srid=4326),
        occurred_at=when,
        category=fields.pop("category", "narkotikabruk"),
        affected_groups=fields.pop("affected_groups", ["boende"]),
        source="egen",
        insecurity=3,
        reported_by=user,
        organisation=org,
        **fields,
    )


def _figures(user, scene, *, rollup):
    scene = get_scene_for_user(user, scene.pk)
    visible = Observation.objects.in_scene(user, scene).counted()
    return analysis.analyse_period(visible, START, END, scene_id=scene.pk if rollup else None)


def _same(user, scene):
    raw = _figures(user, scene, rollup=False)
    rolled = _figures(user, scene, rollup=True)
    assert rolled.rollup_through == END - timedelta(days=1)
    assert raw.rollup_through is None
    assert rolled.as_dict() == raw.as_dict()
    assert rolled.cells == raw.cells
    assert rolled.matrix == raw.matrix
    return raw


@pytest.fixture
def planted(sergels, stockholm_field_worker, stockholm, police_officer, reference_orgs):
    police_org = police_officer.memberships.first().organisation
    rows = [
        # Across midnight before and on the autumn DST change (25 hours), and its double 02:30.
        _local(2025, 10, 25, 23, 59), _local(2025, 10, 26, 0, 1),
        _local(2025, 10, 26, 2, 30), _local(2025, 10, 26, 2, 30, fold=1),
        # Across midnight before and on the spring change (23 hours; no 02:00–02:59).
        _local(2026, 3, 28, 23, 59), _local(2026, 3, 29, 0, 1), _local(2026, 3, 29, 3, 30),
        # Yesterday late, today early: today is never rolled up.
        _local(2026, 9, 15, 23, 59), _local(2026, 9, 16, 0, 1), _local(2026, 9, 16, 9, 0),
        # The previous period (the change's comparison).
        _local(2024, 12, 1, 12, 0), _local(2025, 8, 31, 23, 59),
    ]  # fmt: skip
    made = []
    for i, when in enumerate(rows):
        made.append(
            _plant(sergels, stockholm_field_worker, stockholm, when, dx=i % 4,
                   category=["narkotikabruk", "narkotikaforsaljning", "vald_hot"][i % 3],
                   affected_groups=[["boende"], ["barn_och_unga", "boende"], []][i % 3])
        )  # fmt: skip
    kept = _plant(sergels, stockholm_field_worker, stockholm, _local(2026, 2, 3, 21, 15),
                  restricted=True, dx=2)  # fmt: skip
    kept_police = _plant(sergels, police_officer, police_org, _local(2026, 9, 16, 8, 0),
                         restricted=True)  # fmt: skip
    kept_police_old = _plant(sergels, police_officer, police_org, _local(2026, 1, 10, 1, 0),
                             restricted=True, dx=3)  # fmt: skip
    copy = _plant(sergels, stockholm_field_worker, stockholm, _local(2025, 10, 26, 0, 2))
    Observation.objects.filter(pk=copy.pk).update(duplicate_of=made[1])
    return {"kept": kept, "kept_police": (kept_police, kept_police_old), "made": made}


def test_rollup_figures_equal_the_observations_for_every_viewer(
    planted, sergels, stockholm_field_worker, regional_coordinator, police_officer
):
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        assert rollups.day_state().through == date(2026, 9, 15)
        # The openly shared rows of past days are in the rollup, kept rows and today not.
        day = rollups.ObservationDay.objects.get(scene=sergels, day=date(2025, 10, 26))
        assert day.total >= 3 and sum(day.hours) == day.total and day.hours[2] >= 2
        assert not rollups.ObservationDay.objects.filter(day=NOW.date()).exists()
        totals = {}
        for user in (stockholm_field_worker, regional_coordinator, police_officer):
            totals[user.username] = _same(user, sergels).total
        # The kept rows count for their own organisation only: the viewers differ.
        assert len(set(totals.values())) > 1, totals


def test_a_long_period_reads_the_rollup_state_once_and_each_source_once_per_figure_set(
    planted, sergels, stockholm_field_worker
):
    """The scene page's figures of a long period and the one before it: the rollup's state
    and its stale days are read once for both periods, and the weekday × hour, month,
    category and group counts come from one pass over the observations and one over the
    rollup (they were eight queries, and the state and stale days three and two)."""
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        scene = get_scene_for_user(stockholm_field_worker, sergels.pk)
        visible = Observation.objects.in_scene(stockholm_field_worker, scene).counted()
        with CaptureQueriesContext(connection) as queries:
            result = analysis.analyse_period(visible, START, END, scene_id=scene.pk)
    sqls = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert result.rollup_through == END - timedelta(days=1) and result.rollup_refreshed_at
    assert sum('FROM "scenes_observationdaystate"' in q for q in sqls) == 1
    assert sum('FROM "scenes_observationdaystale"' in q for q in sqls) == 1
    assert sum(q.startswith("WITH o AS MATERIALIZED") for q in sqls) == 1
    assert sum(q.startswith("WITH d AS NOT MATERIALIZED") for q in sqls) == 1
    assert sum("concentration" in q or "ranked AS" in q for q in sqls) == 0
    # State, stale days, the rows shared with the viewer, first day, counts (observations,
    # rollup), the parallel-workers setting and the cells, the previous period's count (the
    # rollup only: the viewer's own kept rows are in it, and no one shares any with them).
    assert len(sqls) == 9, "\n".join(sqls)


def test_kept_rows_come_from_the_rollup_for_their_keepers_and_by_share_for_others(
    planted, sergels, stockholm_field_worker, stockholm, police_officer, regional_coordinator
):
    """The rollup holds kept rows by keeper: Stockholm reads its own from it, the police's
    only where a share (still running) names Stockholm, read from the observations; the
    figures equal the observations' for each viewer, and an ended share takes the row away."""
    _today, kept_police_old = planted["kept_police"]
    with time_machine.travel(NOW, tick=False):
        share = Share.objects.create(
            row=kept_police_old,
            basis="samtycke",
            purpose="Samverkan kring platsen.",
            decided_by="Enhetschef",
            decided_on=date(2026, 1, 11),
        )
        share.organisations.set([stockholm])
        rollups.rebuild_days()
        kept_days = rollups.ObservationDay.objects.filter(scene=sergels).exclude(kept_by=0)
        assert {d.kept_by for d in kept_days} == {
            stockholm.pk,
            kept_police_old.organisation_id,
        }
        with_share = _same(stockholm_field_worker, sergels).total
        _same(police_officer, sergels)
        _same(regional_coordinator, sergels)
        Share.objects.filter(pk=share.pk).update(ended_at=NOW)
        assert _same(stockholm_field_worker, sergels).total == with_share - 1


def test_changes_after_the_refresh_are_counted_until_the_next_one(
    planted, sergels, stockholm_field_worker, stockholm, regional_coordinator
):
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        before = _same(regional_coordinator, sergels).total
        # A backdated observation, an edit that moves one to another day and category, a
        # deletion and a newly linked duplicate: all on days already rolled up.
        _plant(sergels, stockholm_field_worker, stockholm, _local(2025, 12, 24, 18, 0))
        moved = planted["made"][0]
        Observation.objects.filter(pk=moved.pk).update(
            occurred_at=_local(2026, 5, 1, 12, 0), category="vald_hot"
        )
        planted["made"][4].delete()
        Observation.objects.filter(pk=planted["made"][5].pk).update(duplicate_of=planted["made"][6])
        assert rollups.ObservationDayStale.objects.filter(scene_id=sergels.pk).count() >= 5
        after = _same(regional_coordinator, sergels).total
        assert after == before + 1 - 1 - 1
        _same(stockholm_field_worker, sergels)
        rollups.refresh_days()  # the beat task: stale days made again
        assert not rollups.ObservationDayStale.objects.filter(day__lt=NOW.date()).exists()
        assert _same(regional_coordinator, sergels).total == after
        _same(stockholm_field_worker, sergels)
    # The next day: yesterday (the old today) is made by the refresh.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        rollups.refresh_days()
        assert rollups.day_state().through == date(2026, 9, 16)


def test_the_scene_page_reads_the_rollup_and_says_how_fresh(
    client, planted, sergels, stockholm_field_worker
):
    with time_machine.travel(NOW, tick=False):
        client.force_login(stockholm_field_worker)
        url = reverse("scenes:scene_detail", args=[sergels.pk])
        query = f"?start={START.isoformat()}&end={END.isoformat()}"
        raw = client.get(url + query)
        assert 'id="figures-freshness"' not in raw.content.decode()  # no rollup yet
        rollups.rebuild_days()
        rolled = client.get(url + query)
        page = rolled.content.decode()
        assert 'id="figures-freshness"' in page
        assert rolled.context["observation_count"] == raw.context["observation_count"]
        assert rolled.context["chart_data"] == raw.context["chart_data"]
        # A short period is read from the observations only.
        week = client.get(url + "?start=2026-09-11&end=2026-09-16")  # six days
        assert 'id="figures-freshness"' not in week.content.decode()
        api = client.get(reverse("api:scene-analysis", args=[sergels.pk]) + query).json()
        assert api["rollup_through"] == "2026-09-15"
        assert api["observations"] == raw.context["observation_count"]


@pytest.mark.parametrize("cell_limit", [4000, 2])
def test_the_map_grid_of_a_long_period_comes_from_the_rollup_with_the_same_counts(
    client, settings, planted, sergels, stockholm_field_worker, police_officer, cell_limit
):
    """Past the point limit the scene map answers with cells; for a long period those are
    the rollup's cells plus the raw rest, and they count what the rows alone count, for each
    viewer, also when the cells must grow (2 cells at most: 50 m cells merged into larger)."""
    settings.ODS_MAP_POINT_LIMIT = 3
    settings.ODS_MAP_CELL_LIMIT = cell_limit
    url = reverse("scenes:scene_observation_map", args=[sergels.pk])
    query = f"?start={START.isoformat()}&end={END.isoformat()}"
    with time_machine.travel(NOW, tick=False):
        answers = {}
        for user in (stockholm_field_worker, police_officer):
            client.force_login(user)
            raw = client.get(url + query).json()
            assert "rollup_through" not in raw  # no rollup yet: the grid of the rows
            answers[user.username] = raw
        rollups.rebuild_days()
        for user in (stockholm_field_worker, police_officer):
            client.force_login(user)
            rolled = client.get(url + query).json()
            raw = answers[user.username]
            assert rolled["mode"] == raw["mode"] == "grid"
            assert rolled["rollup_through"] == "2026-09-15"
            assert rolled["cell_m"] == raw["cell_m"]
            assert rolled["cells"] == raw["cells"]
            assert len(rolled["cells"]) <= cell_limit
        # Kept rows count for their own organisation only, so the two viewers' maps differ.
        assert sum(c["count"] for c in answers[stockholm_field_worker.username]["cells"]) != sum(
            c["count"] for c in answers[police_officer.username]["cells"]
        )
        # With a view's box: the whole cells touching it, from the rollup and the rows alike,
        # the same as those cells counted from the rows alone.
        client.force_login(stockholm_field_worker)
        lon, lat = sergels.boundary.centroid.coords
        box = (lon - 0.0005, lat - 0.0003, lon + 0.0012, lat + 0.0006)
        boxed = client.get(url + query + "&bbox=" + ",".join(map(str, box))).json()
        assert boxed["mode"] == "grid" and boxed["rollup_through"] == "2026-09-15"
        scene = get_scene_for_user(stockholm_field_worker, sergels.pk)
        rows = (
            Observation.objects.in_scene(stockholm_field_worker, scene)
            .counted()
            .filter(
                occurred_at__gte=_local(2025, 9, 1, 0, 0), occurred_at__lt=_local(2026, 9, 17, 0, 0)
            )
        )
        expected = analysis.grid_aggregates(rows, None, boxed["cell_m"], touching=box)
        assert boxed["cells"] == expected[:cell_limit] and expected
        # A box with nothing in it: the points (none), not an empty grid.
        far = client.get(url + query + "&bbox=11.0,55.0,11.01,55.01").json()
        assert far == {"mode": "points", "points": []}
        # A sub-place is read from the rows (the rollup does not know sub-places).
        place = sergels.places.first()
        placed = client.get(url + query + f"&place={place.pk}").json()
        assert "rollup_through" not in placed


def test_larger_cells_are_made_of_the_rollups_cells_with_the_same_figures(
    settings, planted, sergels, stockholm_field_worker, police_officer
):
    """Cells of a whole multiple of the rollup's size (100 m from its 50 m) are the rollup's
    cells merged: the hotspots and every other figure equal those of the rows alone; a size
    that is not a multiple is read from the rows."""
    with time_machine.travel(NOW, tick=False):
        rollups.rebuild_days()
        assert rollups.day_state().cell_m == 50
        settings.ODS_HOTSPOT_CELL_M = 100
        for user in (stockholm_field_worker, police_officer):
            raw = _same(user, sergels)
            assert raw.cells and all(c.polygon_4326 for c in raw.cells)
        settings.ODS_HOTSPOT_CELL_M = 75
        rolled = _figures(stockholm_field_worker, sergels, rollup=True)
        assert rolled.rollup_through is None
