"""The scene analyses on the real database: hand-counted data in known SWEREF 99 TM cells."""

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone, translation

from actors.tests.factories import OrganisationFactory
from scenes import analysis
from scenes.models import Observation, Scene

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CENTRE = Point(18.0649, 59.3326, srid=4326)  # Sergels torg
CELL = 50
# The SWEREF 99 TM origin of the 50 m cell that holds the centre: cell (I0, J0).
_centre_3006 = CENTRE.transform(3006, clone=True)
I0, J0 = math.floor(_centre_3006.x / CELL), math.floor(_centre_3006.y / CELL)
WINTER_NOON = datetime(2024, 1, 10, 12, 0, tzinfo=STOCKHOLM)


def point_in_cell(di: int, dj: int, dx: float = 25.0, dy: float = 25.0) -> Point:
    """A WGS 84 point dx, dy metres into the 50 m cell (I0 + di, J0 + dj)."""
    p = Point((I0 + di) * CELL + dx, (J0 + dj) * CELL + dy, srid=3006)
    return p.transform(4326, clone=True)


def make_scene(name: str = "Plattan") -> Scene:
    municipality = OrganisationFactory(
        slug="stockholm-test",
        name="Stockholms stad (test)",
        kind="kommun",
        municipality_code="0180",
    )
    area = CENTRE.transform(3006, clone=True).buffer(2000).transform(4326, clone=True)
    return Scene.objects.create(
        name=name,
        municipality=municipality,
        area_type="city",
        place_type="torgyta",
        boundary=MultiPolygon(area, srid=4326),
        identified_on=date(2023, 1, 1),
    )


def observe(scene: Scene, specs: list[dict]) -> list[Observation]:
    """Bulk-create observations; each spec may set location, occurred_at, category, groups."""
    return Observation.objects.bulk_create(
        Observation(
            scene=scene,
            organisation=scene.municipality,
            location=spec.get("location", point_in_cell(0, 0)),
            occurred_at=spec.get("occurred_at", WINTER_NOON),
            category=spec.get("category", "narkotikabruk"),
            affected_groups=spec.get("groups", []),
            source="egen",
            insecurity=3,
        )
        for spec in specs
    )


@pytest.fixture
def scene():
    return make_scene()


@pytest.fixture
def hotspot_scene(scene):
    """Six observations in cell (0, 0), one in each of the nine cells (1, 0) … (9, 0)."""
    busy = [{"location": point_in_cell(0, 0, dx=5 + 8 * k, dy=40 - 6 * k)} for k in range(6)]
    single = [{"location": point_in_cell(i, 0)} for i in range(1, 10)]
    observe(scene, busy + single)
    return scene


def of(scene: Scene):
    return Observation.objects.filter(scene=scene)


def test_hotspot_cells_count_share_and_order(hotspot_scene):
    other = make_scene("Elsewhere")
    observe(other, [{"location": point_in_cell(1, 0)}] * 10)  # another scene: not counted

    cells = analysis.hotspot_cells(of(hotspot_scene), cell_m=CELL)

    assert [c.count for c in cells] == [6] + [1] * 9
    assert [c.cell for c in cells] == [(I0 + i, J0) for i in range(10)]
    assert cells[0].share == pytest.approx(6 / 15)
    assert cells[1].share == pytest.approx(1 / 15)
    assert sum(c.share for c in cells) == pytest.approx(1)


def test_analyse_with_a_cell_limit_keeps_the_busiest_cells_and_the_whole_figures(
    hotspot_scene,
):
    day = date(2026, 3, 1)
    whole = analysis.analyse(of(hotspot_scene), day, day, cell_m=CELL)
    limited = analysis.analyse(of(hotspot_scene), day, day, cell_m=CELL, cell_limit=2)

    assert [(c.cell, c.count, c.share) for c in limited.cells] == [
        (c.cell, c.count, c.share) for c in whole.cells[:2]
    ]
    assert limited.cells[0].share == pytest.approx(6 / 15)  # a share of all 15, not of 7
    assert limited.concentration == whole.concentration and limited.total == whole.total == 15


def test_hotspot_cell_polygon_and_centre_are_the_cell_in_wgs84(hotspot_scene):
    top = analysis.hotspot_cells(of(hotspot_scene), cell_m=CELL, limit=1)
    assert len(top) == 1
    (ring,) = top[0].polygon_4326
    assert len(ring) == 5 and ring[0] == ring[-1]
    outline = Polygon(ring, srid=4326).transform(3006, clone=True)
    x0, y0, x1, y1 = outline.extent
    assert (x0, y0, x1, y1) == pytest.approx(
        (I0 * CELL, J0 * CELL, (I0 + 1) * CELL, (J0 + 1) * CELL), abs=0.05
    )
    assert outline.area == pytest.approx(CELL * CELL, rel=1e-3)
    outline_4326 = Polygon(ring, srid=4326)
    for k in range(6):  # the six observations of the fixture's busy cell
        assert outline_4326.contains(point_in_cell(0, 0, dx=5 + 8 * k, dy=40 - 6 * k))
    assert not outline_4326.contains(point_in_cell(1, 0))
    centre = point_in_cell(0, 0)
    assert (top[0].centre_lon, top[0].centre_lat) == pytest.approx((centre.x, centre.y), abs=1e-7)


def test_hotspot_default_cell_size_and_limit(hotspot_scene, settings):
    settings.ODS_HOTSPOT_CELL_M = 1000  # every point falls in one or two 1 km cells
    assert sum(c.count for c in analysis.hotspot_cells(of(hotspot_scene))) == 15
    assert len(analysis.hotspot_cells(of(hotspot_scene))) <= 2
    limited = analysis.hotspot_cells(of(hotspot_scene), cell_m=CELL, limit=3)
    assert [(c.cell, c.count) for c in limited] == [
        ((I0, J0), 6),
        ((I0 + 1, J0), 1),
        ((I0 + 2, J0), 1),
    ]


def test_hotspot_rejects_a_bad_cell_size(hotspot_scene):
    for bad in (0, -50, 12.5, "50"):
        with pytest.raises(ValueError):
            analysis.hotspot_cells(of(hotspot_scene), cell_m=bad)


def test_concentration_top_ten_percent_of_cells(hotspot_scene):
    result = analysis.concentration(of(hotspot_scene), cell_m=CELL)
    assert result == analysis.Concentration(
        cells=10, top_cells=1, observations=15, top_observations=6, share=pytest.approx(6 / 15)
    )


def test_concentration_rounds_the_cell_count_up_exactly(scene):
    # 25 cells with one observation each, and a 26th with three.
    specs = [{"location": point_in_cell(i, j)} for i in range(5) for j in range(5)]
    specs += [{"location": point_in_cell(9, 9)}] * 3
    observe(scene, specs)

    tenth = analysis.concentration(of(scene), cell_m=CELL)
    assert (tenth.cells, tenth.top_cells, tenth.observations) == (26, 3, 28)  # ceil(2.6)
    assert (tenth.top_observations, tenth.share) == (5, pytest.approx(5 / 28))
    # ceil(0.28 × 26) = ceil(7.28) = 8; and on 25 cells exactly 7, though 0.28 × 25 in binary
    # floating point is 7.000000000000001.
    assert analysis.concentration(of(scene), cell_m=CELL, top_share=0.28).top_cells == 8
    single_cells = of(scene).exclude(location=point_in_cell(9, 9))
    exact = analysis.concentration(single_cells, cell_m=CELL, top_share=0.28)
    assert (exact.cells, exact.top_cells, exact.top_observations) == (25, 7, 7)


def test_concentration_from_the_cells_equals_the_query(scene, hotspot_scene):
    """The scene page works concentration out from the hotspot cells it already has: the same
    figures as the query, rounding included."""
    specs = [{"location": point_in_cell(i, j)} for i in range(5) for j in range(5)]
    observe(scene, specs + [{"location": point_in_cell(9, 9)}] * 3)
    for observations in (of(scene), of(hotspot_scene), of(scene).none()):
        cells = analysis.hotspot_cells(observations, cell_m=CELL)
        for share in (0.10, 0.25, 0.28, 1):
            expected = analysis.concentration(observations, cell_m=CELL, top_share=share)
            assert analysis.concentration_of(cells, top_share=share) == expected
    with pytest.raises(ValueError):
        analysis.concentration_of([], top_share=0)


def test_concentration_share_parameter(hotspot_scene):
    quarter = analysis.concentration(of(hotspot_scene), cell_m=CELL, top_share=0.25)
    assert (quarter.top_cells, quarter.top_observations) == (3, 8)
    with pytest.raises(ValueError):
        analysis.concentration(of(hotspot_scene), cell_m=CELL, top_share=0)


def test_time_matrix_uses_stockholm_local_time_in_winter_and_summer(scene):
    observe(
        scene,
        [
            # Sunday 23:30 CET (22:30 UTC) and Sunday 23:30 CEST (21:30 UTC).
            {"occurred_at": datetime(2024, 1, 7, 23, 30, tzinfo=STOCKHOLM)},
            {"occurred_at": datetime(2024, 7, 7, 23, 30, tzinfo=STOCKHOLM)},
            # Monday 00:30 CET is still Sunday 23:30 in UTC.
            {"occurred_at": datetime(2024, 1, 8, 0, 30, tzinfo=STOCKHOLM)},
            # Wednesday 19:05 CEST, twice.
            {"occurred_at": datetime(2024, 6, 12, 19, 5, tzinfo=STOCKHOLM)},
            {"occurred_at": datetime(2024, 6, 12, 19, 55, tzinfo=STOCKHOLM)},
        ],
    )
    with timezone.override(ZoneInfo("UTC")):  # the request's time zone does not matter
        matrix = analysis.time_matrix(of(scene))

    assert len(matrix) == 7 and all(len(row) == 24 for row in matrix)
    assert matrix[6][23] == 2
    assert matrix[0][0] == 1
    assert matrix[2][19] == 2
    assert sum(map(sum, matrix)) == 5


def test_ranked_peaks_name_only_what_stands_out_from_an_even_spread():
    # 600 observations over 12 weeks: Thursday 22–23 holds 150, the rest is even noise.
    matrix = [[3] * 24 for _ in range(7)]
    matrix[3][22] = 150
    rest = 600 - sum(map(sum, matrix))
    matrix[0][1] += rest
    start, end = date(2026, 9, 7), date(2026, 11, 29)  # Monday to Sunday, 12 weeks
    peaks = analysis.ranked_peaks(matrix, start, end)
    top = peaks.slots[0]
    assert (top.weekday, top.hour, top.count, top.share) == (3, 22, 150, 0.25)
    assert top.stands_out and top.p_value < analysis.PEAK_ALPHA / 168
    assert [p.count for p in peaks.slots] == sorted((p.count for p in peaks.slots), reverse=True)
    # A slot a little above the even rate is within chance.
    assert not [p for p in peaks.slots if p.stands_out and p.count < 10]
    assert analysis.ranked_peaks([[0] * 24 for _ in range(7)], start, end).slots == []


def test_binomial_tail_is_exact_at_the_edges():
    assert analysis.binomial_tail(0, 10, 0.5) == 1.0
    assert abs(analysis.binomial_tail(10, 10, 0.5) - 0.5**10) < 1e-15
    assert abs(analysis.binomial_tail(9, 10, 0.5) - 11 / 1024) < 1e-12


def test_monthly_trend_includes_empty_months_and_uses_local_months(scene):
    observe(
        scene,
        [
            {"occurred_at": datetime(2024, 1, 3, 12, 0, tzinfo=STOCKHOLM)},
            # 1 February 00:30 CET is 31 January 23:30 UTC: a February observation locally.
            {"occurred_at": datetime(2024, 2, 1, 0, 30, tzinfo=STOCKHOLM)},
            {"occurred_at": datetime(2024, 3, 15, 9, 0, tzinfo=STOCKHOLM)},
            # 1 April 00:30 CEST is 31 March 22:30 UTC: an April observation locally.
            {"occurred_at": datetime(2024, 4, 1, 0, 30, tzinfo=STOCKHOLM)},
            {"occurred_at": datetime(2024, 9, 1, 12, 0, tzinfo=STOCKHOLM)},  # outside the range
        ],
    )
    trend = analysis.monthly_trend(of(scene), date(2023, 12, 20), date(2024, 5, 2))
    assert trend == [
        (date(2023, 12, 1), 0),
        (date(2024, 1, 1), 1),
        (date(2024, 2, 1), 1),
        (date(2024, 3, 1), 1),
        (date(2024, 4, 1), 1),
        (date(2024, 5, 1), 0),
    ]
    with pytest.raises(ValueError):
        analysis.monthly_trend(of(scene), date(2024, 5, 1), date(2024, 4, 1))


def test_a_group_stored_as_null_is_counted_last_and_breaks_nothing(scene):
    """A NULL inside the groups array (written around the forms, a restore) ties with real
    groups on count and must still sort: it goes last, the figures are kept."""
    made = observe(scene, [{"groups": ["boende"]}, {"groups": ["resenarer"]}])
    Observation.objects.filter(pk=made[1].pk).update(affected_groups=[None])
    groups = analysis.counts_by_affected_group(of(scene))
    assert [(value, n) for value, _label, n in groups] == [("boende", 1), (None, 1)]
    result = analysis.analyse(of(scene), date(2024, 1, 1), date(2024, 12, 31))
    assert [(value, n) for value, _label, n in result.groups] == [("boende", 1), (None, 1)]


def test_counts_by_category_and_affected_group(scene):
    observe(
        scene,
        [
            {"category": "narkotikaforsaljning", "groups": ["boende", "barn_och_unga"]},
            {"category": "narkotikaforsaljning", "groups": ["boende"]},
            {"category": "narkotikaforsaljning", "groups": []},
            {"category": "vald_hot", "groups": ["resenarer", "boende"]},
        ],
    )
    with translation.override("en"):
        categories = analysis.counts_by_category(of(scene))
        groups = analysis.counts_by_affected_group(of(scene))
    assert categories == [
        ("narkotikaforsaljning", "Drug dealing", 3),
        ("vald_hot", "Violence or threats", 1),
    ]
    assert groups == [
        ("boende", "Residents", 3),
        ("barn_och_unga", "Children and young people", 1),
        ("resenarer", "Travellers", 1),
    ]


def test_grid_aggregates_only_inside_the_bbox(scene):
    observe(
        scene,
        [{"location": point_in_cell(0, 0)}] * 3
        + [{"location": point_in_cell(2, 1)}]
        + [{"location": point_in_cell(30, 0)}] * 4,  # 1.5 km east: outside the box
    )
    sw, ne = point_in_cell(-1, -1, 0, 0), point_in_cell(4, 4, 0, 0)
    bbox = (sw.x, sw.y, ne.x, ne.y)

    inside = analysis.grid_aggregates(of(scene), bbox, cell_m=CELL)

    centre_00, centre_21 = point_in_cell(0, 0), point_in_cell(2, 1)
    assert [row["count"] for row in inside] == [3, 1]
    assert (inside[0]["lon"], inside[0]["lat"]) == pytest.approx((centre_00.x, centre_00.y))
    assert (inside[1]["lon"], inside[1]["lat"]) == pytest.approx((centre_21.x, centre_21.y))
    everything = analysis.grid_aggregates(of(scene), None, cell_m=CELL)
    assert sorted(row["count"] for row in everything) == [1, 3, 4]
    coarse = analysis.grid_aggregates(of(scene), bbox, cell_m=5000)
    assert sum(row["count"] for row in coarse) == 4


@pytest.mark.parametrize(
    "bbox",
    [
        ("18.0", "59.3", "18.1", "59.4"),
        (18.1, 59.3, 18.0, 59.4),
        (18.0, 59.3, 18.1, float("nan")),
        (18.0, 59.3, 18.1),
    ],
)
def test_grid_aggregates_rejects_a_bad_bbox(scene, bbox):
    with pytest.raises(ValueError):
        analysis.grid_aggregates(of(scene), bbox, cell_m=CELL)


@pytest.mark.parametrize("empty", ["none", "no_rows"])
def test_empty_querysets_give_empty_results(scene, empty):
    observe(make_scene("Other"), [{}])
    qs = Observation.objects.none() if empty == "none" else of(scene)

    assert analysis.hotspot_cells(qs) == []
    assert analysis.concentration(qs) == analysis.Concentration(0, 0, 0, 0, None)
    assert analysis.time_matrix(qs) == [[0] * 24 for _ in range(7)]
    assert analysis.monthly_trend(qs, date(2024, 1, 1), date(2024, 2, 1)) == [
        (date(2024, 1, 1), 0),
        (date(2024, 2, 1), 0),
    ]
    assert analysis.counts_by_category(qs) == []
    assert analysis.counts_by_affected_group(qs) == []
    assert analysis.grid_aggregates(qs, (17.9, 59.2, 18.2, 59.4), cell_m=CELL) == []


CALLS = {
    "hotspot_cells": lambda qs: analysis.hotspot_cells(qs, cell_m=CELL),
    "concentration": lambda qs: analysis.concentration(qs, cell_m=CELL),
    "time_matrix": analysis.time_matrix,
    "monthly_trend": lambda qs: analysis.monthly_trend(qs, date(2024, 1, 1), date(2024, 12, 1)),
    "counts_by_category": analysis.counts_by_category,
    "counts_by_affected_group": analysis.counts_by_affected_group,
    "grid_aggregates": lambda qs: analysis.grid_aggregates(
        qs, (17.9, 59.2, 18.2, 59.4), cell_m=CELL
    ),
}


@pytest.mark.parametrize("rows", [20, 400])
@pytest.mark.parametrize("name", CALLS)
def test_one_query_whatever_the_number_of_observations(
    scene, rows, name, django_assert_num_queries
):
    observe(
        scene,
        [
            {
                "location": point_in_cell(k % 13, k % 7, dx=k % 50),
                "occurred_at": datetime(2024, 1 + k % 12, 1 + k % 28, k % 24, tzinfo=STOCKHOLM),
                "category": ["narkotikabruk", "vald_hot", "annat"][k % 3],
                "groups": ["boende", "personal"][: k % 3],
            }
            for k in range(rows)
        ],
    )
    qs = of(scene)
    with django_assert_num_queries(1):
        result = CALLS[name](qs)
    assert result  # every analysis found something to count
