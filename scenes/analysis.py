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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, Count, F, Func, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth

from .models import SWEREF99TM, AffectedGroup, Category

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
    observations: QuerySet, cell_m: int, select: str, params: list
) -> list[tuple] | None:
    """Run `select` over the observations' cell counts; None when the queryset is surely empty."""
    inner = observations.order_by().values("location")
    try:
        inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
    except EmptyResultSet:
        return None
    # Only this module's constant SQL and Django's compiled, parameterised SQL are joined here.
    sql = _CELLS.replace("{observations}", inner_sql) + select
    with connections[inner.db].cursor() as cursor:
        cursor.execute(sql, [cell_m, cell_m, SWEREF99TM, *inner_params, *params])
        return cursor.fetchall()


def hotspot_cells(
    observations: QuerySet, cell_m: int | None = None, limit: int | None = None
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
    observations: QuerySet, cell_m: int | None = None, top_share: float = 0.10
) -> Concentration:
    """The share of observations in the busiest `top_share` of the cells that have any."""
    size = _cell_size(cell_m)
    if not 0 < top_share <= 1:
        raise ValueError("top_share must be above 0 and at most 1.")
    # Decimal keeps ceil(0.28 × 25) at 7: in binary floating point 0.28 × 25 is 7.000000000000001.
    rows = _cell_query(observations, size, _CONCENTRATION, [Decimal(str(top_share))])
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


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def time_matrix(observations: QuerySet) -> list[list[int]]:
    """Counts by local weekday (Monday = 0 … Sunday = 6) and hour (0–23): a 7 × 24 matrix."""
    zone = _local_zone()
    rows = (
        observations.order_by()
        .annotate(
            weekday=ExtractIsoWeekDay("occurred_at", tzinfo=zone),
            hour=ExtractHour("occurred_at", tzinfo=zone),
        )
        .values_list("weekday", "hour")
        .annotate(n=Count("pk"))
    )
    matrix = [[0] * 24 for _ in range(7)]
    for weekday, hour, n in rows:
        matrix[weekday - 1][hour] = n
    return matrix


def monthly_trend(observations: QuerySet, start: date, end: date) -> list[tuple[date, int]]:
    """Counts per local calendar month from start's month to end's month, zero months included.

    Months are given by their first day. Observations outside those months are not counted.
    """
    if end < start:
        raise ValueError("The end date is before the start date.")
    rows = (
        observations.order_by()
        .annotate(month=TruncMonth("occurred_at", tzinfo=_local_zone()))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    counts = {month.date(): n for month, n in rows}
    trend = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = date(year, month, 1)
        trend.append((first, counts.get(first, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return trend


def _label(choices: type[Category] | type[AffectedGroup], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def counts_by_category(observations: QuerySet) -> list[tuple[str, str, int]]:
    """(value, label in the active language, count) per category, most frequent first."""
    rows = (
        observations.order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")
    )
    return [(value, _label(Category, value), n) for value, n in rows]


def counts_by_affected_group(observations: QuerySet) -> list[tuple[str, str, int]]:
    """(value, label, count) per affected group, most frequent first; an observation counts
    once for each group it names."""
    rows = (
        observations.order_by()
        .annotate(group=Func(F("affected_groups"), function="unnest", output_field=CharField()))
        .values_list("group")
        .annotate(n=Count("pk"))
        .order_by("-n", "group")
    )
    return [(value, _label(AffectedGroup, value), n) for value, n in rows]


def peak_hours(matrix: list[list[int]], top: int = 3) -> list[int]:
    """The `top` hours of day with the most observations over the week, in hour order.

    Ties go to the earlier hour; hours without observations are never peaks.
    """
    totals = [sum(day[hour] for day in matrix) for hour in range(24)]
    ranked = sorted((h for h in range(24) if totals[h] > 0), key=lambda h: (-totals[h], h))
    return sorted(ranked[:top])


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
    observations: QuerySet, bbox: tuple[float, float, float, float] | None, cell_m: int
) -> list[dict]:
    """Counts per grid cell of the observations inside bbox (all when None), for the map:
    `[{"lat": centre_lat, "lon": centre_lon, "count": n}, …]`, busiest first."""
    size = _cell_size(cell_m)
    if bbox is not None:
        observations = observations.filter(location__intersects=bbox_polygon(bbox))
    rows = _cell_query(observations, size, _GRID, [size, size, SWEREF99TM])
    return [{"lat": lat, "lon": lon, "count": n} for lat, lon, n in rows or []]
