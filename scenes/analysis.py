"""Aggregate figures for a scene's observations, computed in PostgreSQL/PostGIS.

Every function takes an Observation queryset that the caller has already narrowed (visible to
the user, one scene, one period) and answers with one SQL query: rows are never loaded into
Python. Hot-spot figures count observations per square grid cell in SWEREF 99 TM (SRID 3006,
metres): cell (i, j) = (floor(x / cell_m), floor(y / cell_m)), so the grid is the same for every
scene and period and results can be compared. Clock figures (weekday, hour, month) use local
time, `settings.TIME_ZONE` (Europe/Stockholm), whatever time zone is active in the request.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import Min, QuerySet

from .models import SWEREF99TM, AffectedGroup, Category

if TYPE_CHECKING:
    from .rollups import DaySplit

Cell = tuple[int, int]

# The cell queries: a CTE `cells` (cx, cy, n) counting the observations of the queryset (its own
# compiled SQL goes in for {observations}), followed by one SELECT over it. Parameters, in order:
# cell_m, cell_m, srid, the queryset's own, then those of the SELECT.
_CELLS = """
    WITH cells AS (
        SELECT floor(ST_X(g) / %s)::bigint AS cx, floor(ST_Y(g) / %s)::bigint AS cy, count(*) AS n
        FROM (SELECT ST_Transform(o.location, %s) AS g FROM ({observations}) AS o) AS p
        GROUP BY 1, 2
    )
"""
# The same CTE over the observations and a rollup's cells (rollups.DaySplit.cells_sql): the
# observations' cells, then {rollup}; parameters: cell_m, cell_m, srid, the queryset's own,
# the rollup's own.
_CELLS_WITH_ROLLUP = """
    WITH cells AS (
        SELECT cx, cy, sum(n)::bigint AS n FROM (
            SELECT floor(ST_X(g) / %s)::bigint AS cx, floor(ST_Y(g) / %s)::bigint AS cy,
                1 AS n
            FROM (SELECT ST_Transform(o.location, %s) AS g FROM ({observations}) AS o) AS p
            UNION ALL {rollup}
        ) AS u
        GROUP BY 1, 2
    )
"""
# Parameters: cell_m × 4, srid (the envelope); cell_m × 2, srid (the centre); limit or None.
_HOTSPOTS = """
    SELECT cx, cy, n, n::float8 / (sum(n) OVER ())::float8, ST_Y(centre), ST_X(centre),
        ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(
            cx * %s, cy * %s, (cx + 1) * %s, (cy + 1) * %s, %s), 4326), 7)
    FROM cells CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(
        ST_MakePoint((cx + 0.5) * %s, (cy + 0.5) * %s), %s), 4326) AS centre) AS c
    ORDER BY n DESC, cx, cy
    LIMIT %s
"""
# Parameters: top_share (exact decimal).
_CONCENTRATION = """
    , sizes AS (
        SELECT count(*) AS k, coalesce(sum(n), 0) AS total,
            CASE WHEN count(*) = 0 THEN 0
            ELSE greatest(1, ceil(%s::numeric * count(*))) END::bigint AS top
        FROM cells
    ),
    ranked AS (SELECT n, row_number() OVER (ORDER BY n DESC, cx, cy) AS rank FROM cells)
    SELECT s.k, s.top, s.total, coalesce(sum(r.n) FILTER (WHERE r.rank <= s.top), 0)
    FROM sizes AS s LEFT JOIN ranked AS r ON true
    GROUP BY s.k, s.top, s.total
"""
# Parameters: cell_m × 2, srid (the centre).
_GRID = """
    SELECT ST_Y(centre), ST_X(centre), n
    FROM cells CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(
        ST_MakePoint((cx + 0.5) * %s, (cy + 0.5) * %s), %s), 4326) AS centre) AS c
    ORDER BY n DESC, cx, cy
"""
# _GRID for the cells that touch a box (in the grid's SRID); parameters: those of _GRID, then
# cell_m, west, cell_m, east, cell_m, south, cell_m, north.
_GRID_TOUCHING = """
    SELECT ST_Y(centre), ST_X(centre), n
    FROM cells CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(
        ST_MakePoint((cx + 0.5) * %s, (cy + 0.5) * %s), %s), 4326) AS centre) AS c
    WHERE (cx + 1) * %s > %s AND cx * %s < %s AND (cy + 1) * %s > %s AND cy * %s < %s
    ORDER BY n DESC, cx, cy
"""


@dataclass(frozen=True)
class HotspotCell:
    """One grid cell with observations.

    `polygon_4326` is the cell's outline as GeoJSON Polygon coordinates in WGS 84: a list of
    rings, each a closed list of [lon, lat] pairs (use it as `{"type": "Polygon",
    "coordinates": cell.polygon_4326}`). `share` is the cell's part of all observations in the
    queryset (0..1).
    """

    cell: Cell
    count: int
    share: float
    polygon_4326: list[list[list[float]]]
    centre_lat: float
    centre_lon: float


@dataclass(frozen=True)
class Concentration:
    """How concentrated observations are: the part that falls in the busiest cells."""

    cells: int  # cells with at least one observation
    top_cells: int  # ceil(top_share × cells), at least 1 when there are observations
    observations: int
    top_observations: int
    share: float | None  # top_observations / observations; None without observations


def _cell_size(cell_m: int | None) -> int:
    size = settings.ODS_HOTSPOT_CELL_M if cell_m is None else cell_m
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ValueError(f"The cell size must be a positive whole number of metres: {size!r}")
    return size


def _cell_query(
    observations: QuerySet, cell_m: int, select: str, params: list, rollup: DaySplit | None = None
) -> list[tuple] | None:
    """Run `select` over the observations' cell counts (plus the rollup's, when given); None
    when there is surely nothing to count."""
    inner = observations.order_by().values("location")
    try:
        inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
    except EmptyResultSet:
        if rollup is None:
            return None
        inner_sql, inner_params = "SELECT NULL::geometry AS location WHERE false", ()
    # Only this module's constant SQL and Django's compiled, parameterised SQL are joined here.
    if rollup is None:
        sql = _CELLS.replace("{observations}", inner_sql) + select
        rollup_params: list = []
    else:
        rollup_sql, rollup_params = rollup.cells_sql(cell_m)  # refuses a size it cannot make
        sql = (
            _CELLS_WITH_ROLLUP.replace("{observations}", inner_sql).replace("{rollup}", rollup_sql)
            + select
        )
    all_params = [cell_m, cell_m, SWEREF99TM, *inner_params, *rollup_params, *params]
    if rollup is None:
        with connections[inner.db].cursor() as cursor:
            cursor.execute(sql, all_params)
            return cursor.fetchall()
    # With the rollup, without parallel workers (for this transaction): PostGIS gives
    # ST_Transform a high planner cost, so spreading it over the workers of a parallel append
    # made a parallel sequential scan of the observations look cheaper than the index, though
    # the rows are few (the EXPLAIN test in scenes/tests/test_scale.py).
    with transaction.atomic(using=inner.db), connections[inner.db].cursor() as cursor:
        cursor.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
        cursor.execute(sql, all_params)
        return cursor.fetchall()


def hotspot_cells(
    observations: QuerySet,
    cell_m: int | None = None,
    limit: int | None = None,
    rollup: DaySplit | None = None,
) -> list[HotspotCell]:
    """Observation counts per grid cell, busiest first (ties by cell), at most `limit` cells."""
    size = _cell_size(cell_m)
    if limit is not None and limit < 0:
        raise ValueError("The limit cannot be negative.")
    rows = _cell_query(
        observations,
        size,
        _HOTSPOTS,
        [size, size, size, size, SWEREF99TM, size, size, SWEREF99TM, limit],
        rollup,
    )
    return [
        HotspotCell(
            cell=(cx, cy),
            count=n,
            share=share,
            polygon_4326=json.loads(geojson)["coordinates"],
            centre_lat=lat,
            centre_lon=lon,
        )
        for cx, cy, n, share, lat, lon, geojson in rows or []
    ]


def concentration(
    observations: QuerySet,
    cell_m: int | None = None,
    top_share: float = 0.10,
    rollup: DaySplit | None = None,
) -> Concentration:
    """The share of observations in the busiest `top_share` of the cells that have any."""
    size = _cell_size(cell_m)
    if not 0 < top_share <= 1:
        raise ValueError("top_share must be above 0 and at most 1.")
    # Decimal keeps ceil(0.28 × 25) at 7: in binary floating point 0.28 × 25 is 7.000000000000001.
    rows = _cell_query(observations, size, _CONCENTRATION, [Decimal(str(top_share))], rollup)
    if rows is None:
        return Concentration(cells=0, top_cells=0, observations=0, top_observations=0, share=None)
    ((k, top, total, top_total),) = rows
    return Concentration(
        cells=k,
        top_cells=top,
        observations=int(total),
        top_observations=int(top_total),
        share=int(top_total) / int(total) if total else None,
    )


def _top_cells(cells: int, top_share: float) -> int:
    if not 0 < top_share <= 1:
        raise ValueError("top_share must be above 0 and at most 1.")
    # Decimal keeps ceil(0.28 × 25) at 7: in binary floating point 0.28 × 25 is 7.000000000000001.
    return max(1, math.ceil(Decimal(str(top_share)) * cells)) if cells else 0


def concentration_of(cells: list[HotspotCell], top_share: float = 0.10) -> Concentration:
    """`concentration` worked out from all the cells `hotspot_cells` gave (busiest first)."""
    top = _top_cells(len(cells), top_share)
    total = sum(c.count for c in cells)
    top_total = sum(c.count for c in cells[:top])
    return Concentration(
        cells=len(cells),
        top_cells=top,
        observations=total,
        top_observations=top_total,
        share=top_total / total if total else None,
    )


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# The four count figures of some observations in one pass: a CTE `o` of the queryset's rows
# (its own compiled SQL), then one SELECT per figure, as (figure, key, hour, count) rows.
# Parameters, in order: the queryset's own, then each SELECT's.
_COUNT_PARTS: dict[str, tuple[str, int]] = {  # figure: (SELECT, how many time-zone parameters)
    "slots": (
        "SELECT 'slots', extract(isodow FROM occurred_at AT TIME ZONE %s)::int::text, "
        "extract(hour FROM occurred_at AT TIME ZONE %s)::int, count(*) FROM o GROUP BY 2, 3",
        2,
    ),
    "months": (
        "SELECT 'months', date_trunc('month', occurred_at AT TIME ZONE %s)::date::text, 0, "
        "count(*) FROM o GROUP BY 2",
        1,
    ),
    "categories": ("SELECT 'categories', category::text, 0, count(*) FROM o GROUP BY 2", 0),
    "groups": (
        "SELECT 'groups', g::text, 0, count(*) "
        "FROM o CROSS JOIN LATERAL unnest(affected_groups) AS g GROUP BY 2",
        0,
    ),
}
COUNT_PARTS = tuple(_COUNT_PARTS)


@dataclass
class Counts:
    """Counts of observations by local (ISO weekday 1–7, hour) slot, by local month (its
    first day), by category and by affected group (an observation counts once for each group
    it names). Only the figures asked for are filled."""

    slots: dict[tuple[int, int], int] = field(default_factory=dict)
    months: dict[date, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)

    def add(self, figure: str, key: str, hour: int, n: int) -> None:
        """Add one row of a count query: `key` is the weekday, the month or the value."""
        if not n:
            return
        target: dict = getattr(self, figure)
        k: object
        if figure == "slots":
            k = (int(key), int(hour))
        elif figure == "months":
            k = date.fromisoformat(key)
        else:
            k = key
        target[k] = target.get(k, 0) + int(n)

    @property
    def matrix(self) -> list[list[int]]:
        """The slots as a 7 × 24 matrix (Monday = 0 … Sunday = 6, hours 0–23)."""
        matrix = [[0] * 24 for _ in range(7)]
        for (weekday, hour), n in self.slots.items():
            matrix[weekday - 1][hour] += n
        return matrix


def observation_counts(
    observations: QuerySet, parts: tuple[str, ...] = COUNT_PARTS, rollup: DaySplit | None = None
) -> Counts:
    """The `parts` of `Counts` of the observations (plus the rollup's days, when given): one
    query over the observations for all of them (the rows are read once), one over the
    rollup."""
    unknown = set(parts) - set(_COUNT_PARTS)
    if unknown or not parts:
        raise ValueError(f"No such figures: {sorted(unknown) or parts!r}")
    counts = Counts()
    inner = observations.order_by().values("occurred_at", "category", "affected_groups")
    try:
        inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
    except EmptyResultSet:
        rows: list[tuple] = []
    else:
        zone = settings.TIME_ZONE
        # Only this module's constant SQL and Django's compiled, parameterised SQL are joined.
        sql = f"WITH o AS MATERIALIZED ({inner_sql}) " + " UNION ALL ".join(
            _COUNT_PARTS[p][0] for p in parts
        )
        params = [*inner_params, *(zone for p in parts for _ in range(_COUNT_PARTS[p][1]))]
        with connections[inner.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    for figure, key, hour, n in rows:
        counts.add(figure, key, hour, n)
    if rollup is not None:
        rollup.add_counts(counts, parts)
    return counts


def time_matrix(observations: QuerySet, rollup: DaySplit | None = None) -> list[list[int]]:
    """Counts by local weekday (Monday = 0 … Sunday = 6) and hour (0–23): a 7 × 24 matrix."""
    return observation_counts(observations, ("slots",), rollup).matrix


def _trend(months: dict[date, int], start: date, end: date) -> list[tuple[date, int]]:
    if end < start:
        raise ValueError("The end date is before the start date.")
    trend = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = date(year, month, 1)
        trend.append((first, months.get(first, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return trend


def monthly_trend(
    observations: QuerySet, start: date, end: date, rollup: DaySplit | None = None
) -> list[tuple[date, int]]:
    """Counts per local calendar month from start's month to end's month, zero months included.

    Months are given by their first day. Observations outside those months are not counted.
    """
    if end < start:
        raise ValueError("The end date is before the start date.")
    return _trend(observation_counts(observations, ("months",), rollup).months, start, end)


def _label(choices: type[Category] | type[AffectedGroup], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _ranked(
    choices: type[Category] | type[AffectedGroup], counts: dict[str, int]
) -> list[tuple[str, str, int]]:
    """(value, label in the active language, count), most first, then by value."""
    ranked = sorted(
        ((v, n) for v, n in counts.items() if n), key=lambda r: (-r[1], r[0] is None, r[0] or "")
    )
    return [(value, _label(choices, value), n) for value, n in ranked]


def counts_by_category(
    observations: QuerySet, rollup: DaySplit | None = None
) -> list[tuple[str, str, int]]:
    """(value, label in the active language, count) per category, most frequent first."""
    return _ranked(Category, observation_counts(observations, ("categories",), rollup).categories)


def counts_by_affected_group(
    observations: QuerySet, rollup: DaySplit | None = None
) -> list[tuple[str, str, int]]:
    """(value, label, count) per affected group, most frequent first; an observation counts
    once for each group it names."""
    return _ranked(AffectedGroup, observation_counts(observations, ("groups",), rollup).groups)


def bbox_polygon(bbox: tuple[float, float, float, float]) -> Polygon:
    """A WGS 84 envelope from (west, south, east, north); rejects values that are not one."""
    if len(bbox) != 4 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in bbox
    ):
        raise ValueError("A bounding box is four numbers: west, south, east, north.")
    west, south, east, north = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError("A bounding box cannot contain infinite or missing values.")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError("The bounding box is not west < east and south < north in degrees.")
    envelope = Polygon.from_bbox((west, south, east, north))
    envelope.srid = 4326
    return envelope


def grid_aggregates(
    observations: QuerySet,
    bbox: tuple[float, float, float, float] | None,
    cell_m: int,
    limit: int | None = None,
    rollup: DaySplit | None = None,
    touching: tuple[float, float, float, float] | None = None,
) -> list[dict]:
    """Counts per grid cell of the observations inside bbox (all when None), for the map:
    `[{"lat": centre_lat, "lon": centre_lon, "count": n}, …]`, busiest first; at most
    `limit + 1` cells when a limit is given (so the caller sees that there are more). With
    `rollup` its days' cells are added, `cell_m` being a whole multiple of the rollup's cell
    size; a rollup cell cannot be cut by a box, so with it a view is given as `touching`
    (west, south, east, north in degrees): the whole cells that touch it, all their
    observations counted, the rows' and the rollup's alike."""
    size = _cell_size(cell_m)
    if bbox is not None:
        if rollup is not None:
            raise ValueError("A box cannot be applied to the rollup's cells.")
        observations = observations.filter(location__intersects=bbox_polygon(bbox))
    select, params = _GRID, [size, size, SWEREF99TM]
    if touching is not None:
        west, south, east, north = bbox_polygon(touching).transform(SWEREF99TM, clone=True).extent
        select = _GRID_TOUCHING
        params += [size, west, size, east, size, south, size, north]
    if limit is not None:
        select += f" LIMIT {int(limit) + 1}"
    rows = _cell_query(observations, size, select, params, rollup)
    return [{"lat": round(lat, 6), "lon": round(lon, 6), "count": n} for lat, lon, n in rows or []]


def bounded_grid(
    observations: QuerySet,
    cell_m: int,
    limit: int,
    rollup: DaySplit | None = None,
    touching: tuple[float, float, float, float] | None = None,
) -> tuple[int, list[dict]]:
    """(cell size, cells) of `grid_aggregates` with at most `limit` cells whatever the data:
    the cell size doubles from `cell_m` until the cells fit (a map response stays small)."""
    size = _cell_size(cell_m)
    for _ in range(24):
        cells = grid_aggregates(observations, None, size, limit, rollup, touching)
        if len(cells) <= limit:
            return size, cells
        size *= 2
    return size, cells[:limit]


# --- Reading the figures ------------------------------------------------------------------
#
# The rules that decide what may be said about the counts above, in one place: the scene
# page, a sub-place's page, the API's analysis and every section of a lägesbild ask them.
#
# - Thin data: below `settings.ODS_MIN_OBSERVATIONS` observations in a period, no share,
#   peak, hotspot, concentration or change is stated; the surfaces say why instead.
# - Peaks: a weekday × hour (or an hour of day, or a weekday) is named as a peak only when
#   it holds more observations than an even spread over the period could give by chance:
#   a one-sided exact binomial test of its count against its share of the period's time,
#   at PEAK_ALPHA divided by the number of candidates (Bonferroni), so testing 168 slots
#   does not find a peak in noise.
# - Changes: stated only when both periods are fully covered by data (the earliest
#   observation is on or before the previous period's first day and neither period lies in
#   the future) and both counts pass the thin-data rule.
# - Partial months: a month the period cuts is marked, with the days it covers.

PEAK_ALPHA = 0.01
PEAK_ROWS = 5
MAP_CLASSES = 5
# Sequential, colour-blind safe, pale (few) to dark (many): cividis reversed, sampled.
CLASS_COLOURS = ("#e7d35b", "#b6a86e", "#7f7c75", "#4f5a70", "#173c71")


def min_observations() -> int:
    return settings.ODS_MIN_OBSERVATIONS


def enough(count: int) -> bool:
    """Whether `count` observations are enough to state shares, peaks, hotspots, changes."""
    return count >= min_observations()


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), exactly (summed in log space, stopped when the
    terms no longer matter)."""
    if k <= 0:
        return 1.0
    if p <= 0 or k > n:
        return 0.0
    if p >= 1:
        return 1.0
    if k <= n * p:  # at or below the expected count: never a peak, no need to sum
        return 1.0
    log_term = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )
    term = math.exp(log_term)
    total = term
    ratio = p / (1 - p)
    i = k
    while i < n and term > total * 1e-16:
        term *= (n - i) / (i + 1) * ratio
        total += term
        i += 1
    return min(1.0, total)


@dataclass(frozen=True)
class Peak:
    """A weekday × hour, an hour of day or a weekday, ranked by its count.

    `weekday` is Monday = 0 (None for an hour of day), `hour` 0–23 (None for a weekday).
    `expected` is what an even spread over the period's time would give; `stands_out` is
    the test's verdict (p_value below PEAK_ALPHA / candidates)."""

    weekday: int | None
    hour: int | None
    count: int
    share: float
    expected: float
    p_value: float
    stands_out: bool

    def as_dict(self) -> dict:
        return {
            "weekday": self.weekday,
            "hour": self.hour,
            "count": self.count,
            "share": self.share,
            "expected": round(self.expected, 2),
            "p_value": self.p_value,
            "stands_out": self.stands_out,
        }


@dataclass(frozen=True)
class Peaks:
    """The ranked facts about when: the busiest weekday × hours, hours and weekdays, most
    first, at most PEAK_ROWS of each; the named peaks are those that stand out."""

    total: int
    slots: list[Peak]
    hours: list[Peak]
    weekdays: list[Peak]

    @property
    def named_slots(self) -> list[Peak]:
        return [p for p in self.slots if p.stands_out]

    @property
    def named_hours(self) -> list[Peak]:
        return [p for p in self.hours if p.stands_out]

    @property
    def named_weekdays(self) -> list[Peak]:
        return [p for p in self.weekdays if p.stands_out]

    @property
    def any_named(self) -> bool:
        return bool(self.named_slots or self.named_hours or self.named_weekdays)

    def as_dict(self) -> dict:
        return {
            "rule": {"test": "binomial", "alpha": PEAK_ALPHA, "correction": "bonferroni"},
            "slots": [p.as_dict() for p in self.slots],
            "hours": [p.as_dict() for p in self.hours],
            "weekdays": [p.as_dict() for p in self.weekdays],
        }


def weekday_days(start: date, end: date) -> list[int]:
    """How many of each weekday (Monday first) the inclusive period holds."""
    days = (end - start).days + 1
    counts = [days // 7] * 7
    for i in range(days % 7):
        counts[(start.weekday() + i) % 7] += 1
    return counts


def _rank(candidates: list[tuple[int | None, int | None, int, float]], total: int) -> list[Peak]:
    """Candidates (weekday, hour, count, probability under an even spread), ranked."""
    tested = [c for c in candidates if c[3] > 0]
    alpha = PEAK_ALPHA / max(1, len(tested))
    ranked = sorted(
        (c for c in tested if c[2] > 0),
        key=lambda c: (-c[2], c[0] if c[0] is not None else -1, c[1] if c[1] is not None else -1),
    )
    peaks = []
    for weekday, hour, n, p in ranked[:PEAK_ROWS]:
        p_value = binomial_tail(n, total, p)
        peaks.append(
            Peak(
                weekday=weekday,
                hour=hour,
                count=n,
                share=n / total,
                expected=total * p,
                p_value=p_value,
                stands_out=p_value < alpha,
            )
        )
    return peaks


def ranked_peaks(matrix: list[list[int]], start: date, end: date) -> Peaks:
    """The busiest weekday × hours, hours and weekdays of a 7 × 24 matrix counted over the
    inclusive period [start, end], each tested against an even spread over that period."""
    total = sum(sum(row) for row in matrix)
    days = weekday_days(start, end)
    all_days = sum(days)
    if not total or not all_days:
        return Peaks(total, [], [], [])
    slots = [(d, h, matrix[d][h], days[d] / (24 * all_days)) for d in range(7) for h in range(24)]
    hours = [(None, h, sum(matrix[d][h] for d in range(7)), 1 / 24) for h in range(24)]
    weekdays = [(d, None, sum(matrix[d]), days[d] / all_days) for d in range(7)]
    return Peaks(total, _rank(slots, total), _rank(hours, total), _rank(weekdays, total))


@dataclass(frozen=True)
class MonthCount:
    """A calendar month's count within a period; `partial` when the period cuts the month."""

    month: date  # its first day
    count: int
    days: int  # days of the month inside the period
    month_days: int

    @property
    def partial(self) -> bool:
        return self.days < self.month_days

    def as_dict(self) -> dict:
        return {
            "month": f"{self.month:%Y-%m}",
            "count": self.count,
            "days": self.days,
            "month_days": self.month_days,
            "partial": self.partial,
        }


def monthly_counts(
    observations: QuerySet, start: date, end: date, rollup: DaySplit | None = None
) -> list[MonthCount]:
    """`monthly_trend` with how many of each month's days the period covers."""
    return _month_counts(monthly_trend(observations, start, end, rollup), start, end)


def _month_counts(trend: list[tuple[date, int]], start: date, end: date) -> list[MonthCount]:
    out = []
    for first, n in trend:
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = following - timedelta(days=1)
        days = (min(last, end) - max(first, start)).days + 1
        out.append(MonthCount(first, n, days, last.day))
    return out


def first_observation_date(observations: QuerySet) -> date | None:
    """The local date of the earliest observation in the queryset (any period)."""
    first = observations.order_by().aggregate(first=Min("occurred_at"))["first"]
    return first.astimezone(_local_zone()).date() if first else None


@dataclass(frozen=True)
class Change:
    """Count against the previous period of the same length; `value` (relative, -0.25 =
    -25 %) is None when it may not be stated, and `reason` says why:
    "thin" (a count is below the rule), "not_covered" (data begins after the previous
    period's start), "future" (the period is not over), "no_previous" (nothing before)."""

    count: int
    previous: int
    value: float | None
    reason: str | None
    data_from: date | None

    @property
    def stated(self) -> bool:
        return self.value is not None

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "previous": self.previous,
            "value": self.value,
            "stated": self.stated,
            "reason": self.reason,
            "data_from": self.data_from.isoformat() if self.data_from else None,
        }


def compare(
    count: int,
    previous: int,
    previous_start: date,
    end: date,
    data_from: date | None,
    today: date,
) -> Change:
    """The change from `previous` to `count`, under the rules in this section's header."""

    def why(reason: str) -> Change:
        return Change(count, previous, None, reason, data_from)

    if end > today:
        return why("future")
    if data_from is None or data_from > previous_start:
        return why("not_covered")
    if not enough(count) or not enough(previous):
        return why("thin")
    if previous == 0:
        return why("no_previous")
    return Change(count, previous, (count - previous) / previous, None, data_from)


def count_classes(counts: list[int], classes: int = MAP_CLASSES) -> list[tuple[int, int]]:
    """Quantile classes of cell counts as (low, high) limits, both inclusive, low to high.

    Each class holds about as many cells as the next, so a second cluster is as dark as
    the first instead of paling beside it; classes that would repeat a limit are merged."""
    values = sorted(c for c in counts if c > 0)
    if not values:
        return []
    uppers: list[int] = []
    for i in range(1, classes + 1):
        upper = values[max(0, math.ceil(i * len(values) / classes) - 1)]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    limits = []
    low = values[0]
    for upper in uppers:
        limits.append((low, upper))
        low = upper + 1
    return limits


def class_colours(limits: list[tuple[int, int]]) -> list[str]:
    """One colour per class, spread over CLASS_COLOURS so the top class is always darkest."""
    k = len(limits)
    if k == 0:
        return []
    if k == 1:
        return [CLASS_COLOURS[-1]]
    last = len(CLASS_COLOURS) - 1
    return [CLASS_COLOURS[round(i * last / (k - 1))] for i in range(k)]


def class_of(count: int, limits: list[tuple[int, int]]) -> int:
    """The index of the class a count falls in (the last one for anything above)."""
    for i, (_low, high) in enumerate(limits):
        if count <= high:
            return i
    return len(limits) - 1


@dataclass
class PeriodAnalysis:
    """Everything a page, the API or a report says about one set of observations over one
    period, with the rules above already applied: `stated_*` is False where a figure may not
    be given, and the surfaces then say why (scenes.wording)."""

    start: date
    end: date
    total: int
    min_observations: int
    matrix: list[list[int]]
    peaks: Peaks
    months: list[MonthCount]
    cells: list[HotspotCell]
    concentration: Concentration
    categories: list[tuple[str, str, int]]
    groups: list[tuple[str, str, int]]
    change: Change | None = None
    rollup_through: date | None = None  # the last day read from the daily rollup, if any
    rollup_refreshed_at: datetime | None = None  # when that rollup was last brought up to date

    @property
    def enough(self) -> bool:
        return self.total >= self.min_observations

    @property
    def hotspots(self) -> list[HotspotCell]:
        return self.cells[:10] if self.enough else []

    @property
    def classes(self) -> list[tuple[int, int]]:
        return count_classes([c.count for c in self.cells]) if self.enough else []

    @property
    def colours(self) -> list[str]:
        return class_colours(self.classes)

    @property
    def any_partial_month(self) -> bool:
        return any(m.partial for m in self.months)

    def cell_colour(self, count: int) -> str | None:
        classes = self.classes
        return self.colours[class_of(count, classes)] if classes else None

    def _share(self, n: int) -> float | None:
        return n / self.total if self.enough and self.total else None

    def as_dict(self) -> dict:
        """Numbers only (plus each figure's stated flag): for the API and the snapshot."""
        c = self.concentration
        enough_ = self.enough
        return {
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "observations": self.total,
            "min_observations": self.min_observations,
            "enough_data": enough_,
            "matrix": self.matrix,
            "peaks": self.peaks.as_dict() if enough_ else None,
            "months": [m.as_dict() for m in self.months],
            "concentration": {
                "cells": c.cells,
                "top_cells": c.top_cells,
                "cell_share": c.top_cells / c.cells if c.cells else None,
                "observations": c.observations,
                "top_observations": c.top_observations,
                "share": c.share,
            }
            if enough_
            else None,
            "hotspots": [
                {
                    "rank": i,
                    "count": h.count,
                    "share": h.share,
                    "lat": round(h.centre_lat, 6),
                    "lon": round(h.centre_lon, 6),
                }
                for i, h in enumerate(self.hotspots, start=1)
            ]
            if enough_
            else None,
            "map_classes": [
                {"low": low, "high": high, "colour": colour}
                for (low, high), colour in zip(self.classes, self.colours, strict=True)
            ],
            "categories": [
                {"value": v, "label": label, "count": n, "share": self._share(n)}
                for v, label, n in self.categories
            ],
            "groups": [
                {"value": v, "label": label, "count": n, "share": self._share(n)}
                for v, label, n in self.groups
            ],
            "change": self.change.as_dict() if self.change else None,
        }


def analyse(
    observations: QuerySet,
    start: date,
    end: date,
    *,
    compare_with: QuerySet | None = None,
    data_from: date | None = None,
    today: date | None = None,
    cell_m: int | None = None,
    rollup: DaySplit | None = None,
    compare_rollup: DaySplit | None = None,
    cell_limit: int | None = None,
) -> PeriodAnalysis:
    """The figures of `observations` (already narrowed to the user, the scene or sub-place
    and the inclusive period [start, end]).

    With `compare_with` (the same observations over the equally long period just before) the
    change is worked out under the rules above; `data_from` is the first day with data
    (`first_observation_date` of everything visible there). With `rollup` (and
    `compare_rollup`) the figures are those of the observations plus the rollup's days
    (`rollups.split`: the observations are then narrowed to what the rollup does not hold).
    With `cell_limit` only that many of the busiest cells are kept (their shares still of
    all): a summarised report needs its ten hotspots, not the county's ten thousand cells."""
    from django.utils import timezone

    if end < start:
        raise ValueError("The end date is before the start date.")
    counts = observation_counts(observations, COUNT_PARTS, rollup)
    matrix = counts.matrix
    total = sum(sum(row) for row in matrix)
    cells = hotspot_cells(observations, cell_m, limit=cell_limit, rollup=rollup)
    result = PeriodAnalysis(
        start=start,
        end=end,
        total=total,
        min_observations=min_observations(),
        matrix=matrix,
        peaks=ranked_peaks(matrix, start, end),
        months=_month_counts(_trend(counts.months, start, end), start, end),
        cells=cells,
        # With every cell at hand, their concentration needs no second pass over the rows.
        concentration=concentration(observations, cell_m, rollup=rollup)
        if cell_limit is not None
        else concentration_of(cells),
        categories=_ranked(Category, counts.categories),
        groups=_ranked(AffectedGroup, counts.groups),
    )
    if compare_with is not None:
        days = (end - start).days + 1
        previous_start = start - timedelta(days=days)
        result.change = compare(
            total,
            compare_with.count() + (compare_rollup.total() if compare_rollup else 0),
            previous_start,
            end,
            data_from,
            today or timezone.localdate(),
        )
    return result


def _local_start(day: date):
    from datetime import datetime, time

    return datetime.combine(day, time.min, tzinfo=_local_zone())


def analyse_period(
    observations: QuerySet, start: date, end: date, *, scene_id: int | None = None
) -> PeriodAnalysis:
    """`analyse` for the observations of a scene or sub-place that the user may see, at any
    time: narrowed here to the inclusive period [start, end] (local days), compared with the
    equally long period before it, with data counted from the first visible observation.
    The scene page, a sub-place's page and the API's analysis all call this.

    With `scene_id` (the observations are all the viewer's counted ones of that scene), a
    period longer than `ODS_DAY_ROLLUP_MIN_DAYS` reads its whole past days from the daily
    rollup (scenes/rollups.py) and the rest from the observations: the same figures.
    `result.rollup_through` then says up to which day the rollup served."""
    from . import rollups

    days = (end - start).days + 1
    begin, finish = _local_start(start), _local_start(end + timedelta(days=1))
    previous_start = start - timedelta(days=days)
    current = observations.filter(occurred_at__gte=begin, occurred_at__lt=finish)
    previous = observations.filter(
        occurred_at__gte=_local_start(previous_start), occurred_at__lt=begin
    )
    rollup = compare_rollup = None
    if scene_id is not None and days > settings.ODS_DAY_ROLLUP_MIN_DAYS:
        now_split, before = rollups.split_periods(
            observations,
            scene_id,
            [(start, end), (previous_start, start - timedelta(days=1))],
            _cell_size(None),
        )
        if now_split is not None:
            current, rollup = now_split
            if before is not None:
                previous, compare_rollup = before
    result = analyse(
        current,
        start,
        end,
        compare_with=previous,
        data_from=first_observation_date(observations),
        rollup=rollup,
        compare_rollup=compare_rollup,
    )
    result.rollup_through = rollup.last if rollup else None
    result.rollup_refreshed_at = rollup.refreshed_at if rollup else None
    return result
