"""Per-scene observation rollup: how many observations a scene has and when the last one
happened, per writing organisation and kept flag, so the scene list and the county map count
without reading the observations.

One row per (scene, organisation, restricted). A trigger on the observation table (migration
`scenes.0011_observation_rollup`) keeps the rows exact on every insert, update and delete,
whatever writes (the form, the API, the import, `bulk_create`, raw SQL). `refresh_all()`
recomputes every row from the observations and stamps `checked_at`; Celery beat runs it
(`scenes.tasks.refresh_observation_rollup`) to repair what bypassed the trigger (a bulk load
with triggers off, a restore). The pages say when the counts were last checked.

Duplicates (`duplicate_of` set) are left out, as from every count.

Counting for a user keeps the rule of `permissions.countable_kept_q`: rows not kept
to an organisation, and the rows kept by the user's own organisations.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

if TYPE_CHECKING:
    from .analysis import Counts


class ObservationRollup(models.Model):
    # No index of its own: the unique key below starts with it.
    scene = models.ForeignKey(
        "scenes.Scene", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    organisation = models.ForeignKey(
        "actors.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    restricted = models.BooleanField()
    count = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True)
    checked_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "scenes"
        constraints = [
            models.UniqueConstraint(
                fields=["scene", "organisation", "restricted"], name="observation_rollup_key"
            )
        ]

    def __str__(self):
        return f"{self.scene_id}/{self.organisation_id}/{self.restricted}: {self.count}"


def _countable(user):
    from .permissions import countable_kept_q

    return countable_kept_q(user, via="")


def annotate_counts(scenes, user):
    """`scenes` with `observation_count` and `last_seen` as the user may count them, from
    the rollup (one small subquery per scene row, on the rollup's unique index)."""
    rows = ObservationRollup.objects.filter(_countable(user), scene_id=OuterRef("pk")).order_by()
    count = rows.values("scene_id").annotate(n=Sum("count")).values("n")
    last = rows.values("scene_id").annotate(m=Max("last_at")).values("m")
    return scenes.annotate(
        observation_count=Coalesce(Subquery(count), 0, output_field=models.BigIntegerField()),
        last_seen=Subquery(last),
    )


def checked_at():
    """When the rollup was last recomputed from the observations (None: never)."""
    return ObservationRollup.objects.aggregate(m=Max("checked_at"))["m"]


REFRESH_SQL = """
    WITH fresh AS (
        SELECT scene_id, organisation_id, restricted, count(*) AS n, max(occurred_at) AS last
        FROM scenes_observation WHERE duplicate_of_id IS NULL
        GROUP BY scene_id, organisation_id, restricted
    ), gone AS (
        DELETE FROM scenes_observationrollup r
        WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.scene_id = r.scene_id
                          AND f.organisation_id = r.organisation_id
                          AND f.restricted = r.restricted)
    )
    INSERT INTO scenes_observationrollup
        (scene_id, organisation_id, restricted, count, last_at, checked_at)
    SELECT scene_id, organisation_id, restricted, n, last, %s FROM fresh
    ON CONFLICT (scene_id, organisation_id, restricted)
    DO UPDATE SET count = EXCLUDED.count, last_at = EXCLUDED.last_at,
                  checked_at = EXCLUDED.checked_at
"""


def refresh_all() -> None:
    """Recompute every row from the observations (one grouped scan), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(REFRESH_SQL, [timezone.now()])


# --- The daily rollup: figures over long periods --------------------------------------------
#
# One row per scene, local day (settings.TIME_ZONE) and keeper of the counted observations
# (not a duplicate): `kept_by` 0 for the openly shared rows, else the organisation the rows are
# kept to (scenes.permissions: its readers see them, others only what is shared with theirs).
# Each row holds the total, the counts per local
# hour, per category, affected group, source, organisation, sub-place and insecurity rating,
# and, in ObservationDayCell, per hotspot grid cell (SWEREF 99 TM, `cell_m` metres, as
# scenes.analysis counts them). The scene page, the API's analysis, the scene map and the
# lägesbild (situation_reports.snapshot, for one scene or many) read whole past days of a long
# period from here (`DaySplit`) and the rest from the observations: the days after the
# rollup's last day (today), the days changed since their row was made, and the kept rows
# shared with the viewer's organisations by others (a share is per row and per reader; a
# lägesbild counts no kept rows). The sum is exactly what the observations give.
#
# A trigger (migrations scenes.0013 and 0015) marks the (scene, day) of every written,
# changed or deleted observation in ObservationDayStale, whatever writes; a stale day is read
# from the observations until `refresh_days` (Celery beat,
# scenes.tasks.refresh_observation_days) has made its row again. `rebuild_days` (manage.py
# rebuild_observation_days) recomputes all, for what bypassed the trigger (a bulk load with
# triggers off, a restore).
#
# No audit triggers on these tables: they are caches computed from the audited observations.


class ObservationDay(models.Model):
    # No index of its own: the unique key below starts with it.
    scene = models.ForeignKey(
        "scenes.Scene", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    kept_by = models.BigIntegerField(default=0)  # 0: openly shared; else the keeping organisation
    total = models.IntegerField()
    hours = ArrayField(models.IntegerField(), size=24)  # [0] = 00:00–00:59 local time
    categories = models.JSONField(default=dict)  # {category: count}
    groups = models.JSONField(default=dict)  # {affected group: count}
    # What a lägesbild also counts (situation_reports/snapshot.py), so that its long periods
    # and wide scopes are read from here as well.
    sources = models.JSONField(default=dict)  # {source: count}
    organisations = models.JSONField(default=dict)  # {organisation id: count}
    places = models.JSONField(default=dict)  # {sub-place id, "" for none: count}
    insecurity = ArrayField(models.IntegerField(), size=5, default=list)  # [0] = rating 1

    class Meta:
        app_label = "scenes"
        constraints = [
            models.UniqueConstraint(
                fields=["scene", "day", "kept_by"], name="observation_day_kept_key"
            )
        ]

    def __str__(self):
        return f"{self.scene_id}/{self.day}/{self.kept_by}: {self.total}"


class ObservationDayCell(models.Model):
    # No index of its own: the unique key below starts with it.
    scene = models.ForeignKey(
        "scenes.Scene", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    kept_by = models.BigIntegerField(default=0)  # as ObservationDay's
    cell_m = models.IntegerField()
    cx = models.BigIntegerField()
    cy = models.BigIntegerField()
    n = models.IntegerField()

    class Meta:
        app_label = "scenes"
        constraints = [
            models.UniqueConstraint(
                fields=["scene", "cell_m", "day", "kept_by", "cx", "cy"],
                name="observation_day_cell_kept_key",
            )
        ]

    def __str__(self):
        return f"{self.scene_id}/{self.day}/{self.cx},{self.cy}: {self.n}"


class ObservationDayStale(models.Model):
    """A (scene, day) whose observations changed after its rollup row was made. No foreign
    key: the trigger writes here while a scene's observations are deleted with the scene."""

    scene_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        app_label = "scenes"
        constraints = [
            models.UniqueConstraint(fields=["scene_id", "day"], name="observation_day_stale_key")
        ]

    def __str__(self):
        return f"{self.scene_id}/{self.day}"


class ObservationDayState(models.Model):
    """One row: every day up to `through` is rolled up (stale days aside), at `cell_m`."""

    through = models.DateField(null=True)
    cell_m = models.IntegerField(null=True)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "scenes"

    def __str__(self):
        return f"through {self.through} at {self.cell_m} m"


def _tz() -> str:
    from django.conf import settings

    return settings.TIME_ZONE


_HOUR_ARRAY = (
    "ARRAY["
    + ", ".join(f"coalesce(sum(n) FILTER (WHERE hour = {h}), 0)" for h in range(24))
    + "]::integer[]"
)
_INSECURITY_ARRAY = (
    "ARRAY["
    + ", ".join(f"count(*) FILTER (WHERE insecurity = {i})" for i in range(1, 6))
    + "]::integer[]"
)

# {where} narrows the observations (alias o); parameters: tz, tz, then those of {where}, then
# tz (the cells' srid comes as a constant), cell_m, cell_m.
_DAY_SQL = """
    WITH obs AS (
        SELECT o.scene_id, (o.occurred_at AT TIME ZONE %s)::date AS day,
               CASE WHEN o.restricted THEN o.organisation_id ELSE 0 END AS kept_by,
               extract(hour FROM o.occurred_at AT TIME ZONE %s)::int AS hour,
               o.category, o.affected_groups, o.location, o.source, o.organisation_id,
               o.place_id, o.insecurity
        FROM scenes_observation o JOIN scenes_scene s ON s.id = o.scene_id
        WHERE o.duplicate_of_id IS NULL AND ({where})
    ), h AS (
        SELECT scene_id, day, kept_by, hour, count(*) AS n FROM obs GROUP BY 1, 2, 3, 4
    ), d AS (
        SELECT scene_id, day, kept_by, sum(n)::int AS total, {hours} AS hours
        FROM h GROUP BY 1, 2, 3
    ), c AS (
        SELECT scene_id, day, kept_by, jsonb_object_agg(category, n) AS categories FROM (
            SELECT scene_id, day, kept_by, category, count(*) AS n FROM obs GROUP BY 1, 2, 3, 4
        ) AS x GROUP BY 1, 2, 3
    ), g AS (
        SELECT scene_id, day, kept_by, jsonb_object_agg(grp, n) AS groups FROM (
            SELECT scene_id, day, kept_by, grp, count(*) AS n
            FROM obs, unnest(obs.affected_groups) AS grp
            GROUP BY 1, 2, 3, 4
        ) AS x GROUP BY 1, 2, 3
    ), k AS (
        SELECT scene_id, day, kept_by, {insecurity} AS insecurity FROM obs GROUP BY 1, 2, 3
    ), src AS (
        SELECT scene_id, day, kept_by, jsonb_object_agg(source, n) AS sources FROM (
            SELECT scene_id, day, kept_by, source, count(*) AS n FROM obs GROUP BY 1, 2, 3, 4
        ) AS x GROUP BY 1, 2, 3
    ), org AS (
        SELECT scene_id, day, kept_by, jsonb_object_agg(organisation_id::text, n)
               AS organisations FROM (
            SELECT scene_id, day, kept_by, organisation_id, count(*) AS n
            FROM obs GROUP BY 1, 2, 3, 4
        ) AS x GROUP BY 1, 2, 3
    ), pl AS (
        SELECT scene_id, day, kept_by, jsonb_object_agg(coalesce(place_id::text, ''), n)
               AS places FROM (
            SELECT scene_id, day, kept_by, place_id, count(*) AS n FROM obs GROUP BY 1, 2, 3, 4
        ) AS x GROUP BY 1, 2, 3
    ), days AS (
        INSERT INTO scenes_observationday (scene_id, day, kept_by, total, hours, categories,
                                           groups, sources, organisations, places, insecurity)
        SELECT d.scene_id, d.day, d.kept_by, d.total, d.hours, coalesce(c.categories, '{{}}'),
               coalesce(g.groups, '{{}}'), src.sources, org.organisations, pl.places,
               k.insecurity
        FROM d LEFT JOIN c USING (scene_id, day, kept_by)
             LEFT JOIN g USING (scene_id, day, kept_by)
             JOIN k USING (scene_id, day, kept_by) JOIN src USING (scene_id, day, kept_by)
             JOIN org USING (scene_id, day, kept_by) JOIN pl USING (scene_id, day, kept_by)
        RETURNING 1
    )
    INSERT INTO scenes_observationdaycell (scene_id, day, kept_by, cell_m, cx, cy, n)
    SELECT scene_id, day, kept_by, %s, floor(ST_X(p) / %s)::bigint,
           floor(ST_Y(p) / %s)::bigint, count(*)
    FROM (SELECT scene_id, day, kept_by, ST_Transform(location, {srid}) AS p FROM obs) AS t
    GROUP BY 1, 2, 3, 5, 6
"""


def _recompute(cursor, where: str, params: list, delete_where: str, delete_params: list,
               cell_m: int) -> None:  # fmt: skip
    from .models import SWEREF99TM

    for table in ("scenes_observationday", "scenes_observationdaycell"):
        # Constant SQL of this module only; values are parameters.
        cursor.execute(f"DELETE FROM {table} r WHERE {delete_where}", delete_params)  # noqa: S608
    tz = _tz()
    sql = _DAY_SQL.format(
        where=where, hours=_HOUR_ARRAY, insecurity=_INSECURITY_ARRAY, srid=int(SWEREF99TM)
    )
    # The CTEs' row counts are guessed (a freshly loaded table has no statistics yet): a
    # guess of one row made nested loops over every pair of (scene, day) rows, 47 s for 140
    # rows in a test. Every join here is of whole aggregates: hash joins, for this statement
    # only: the setting is put back, also inside a caller's longer transaction (a failed
    # statement rolls it back with the transaction or savepoint).
    cursor.execute("SELECT current_setting('enable_nestloop')")
    (before,) = cursor.fetchone()
    cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
    cursor.execute(sql, [tz, tz, *params, cell_m, cell_m, cell_m])
    cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [before])


def _state_for_update(cursor) -> tuple:
    cursor.execute("SELECT id, through, cell_m FROM scenes_observationdaystate FOR UPDATE")
    row = cursor.fetchone()
    if row is None:
        cursor.execute(
            "INSERT INTO scenes_observationdaystate (through, cell_m, refreshed_at) "
            "VALUES (NULL, NULL, NULL) RETURNING id, through, cell_m"
        )
        row = cursor.fetchone()
    return row


def rebuild_days() -> None:
    """Recompute the daily rollup of every scene and every day before today."""
    from django.conf import settings
    from django.db import transaction

    cell_m = settings.ODS_HOTSPOT_CELL_M
    yesterday = timezone.localdate() - timedelta(days=1)
    with transaction.atomic(), connection.cursor() as cursor:
        state_id, _through, _cell = _state_for_update(cursor)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DELETE FROM scenes_observationdaystale WHERE day <= %s", [yesterday])
        _recompute(cursor, "o.occurred_at < %s", [_local_start(yesterday + timedelta(days=1))],
                   "true", [], cell_m)  # fmt: skip
        cursor.execute(
            "UPDATE scenes_observationdaystate SET through = %s, cell_m = %s, refreshed_at = %s"
            " WHERE id = %s",
            [yesterday, cell_m, timezone.now(), state_id],
        )


def refresh_days() -> None:
    """Bring the daily rollup up to yesterday: the stale days, the days since the last
    refresh and the last `ODS_DAY_ROLLUP_RECENT_DAYS` days are made again from the
    observations. A full rebuild when there is none yet (or the cell size changed)."""
    from django.conf import settings
    from django.db import transaction

    cell_m = settings.ODS_HOTSPOT_CELL_M
    yesterday = timezone.localdate() - timedelta(days=1)
    with transaction.atomic(), connection.cursor() as cursor:
        state_id, through, state_cell = _state_for_update(cursor)
        if through is None or state_cell != cell_m:
            rebuild_days()  # the same transaction; the state row is locked already
            return
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "DELETE FROM scenes_observationdaystale WHERE day <= %s RETURNING scene_id, day",
            [max(through, yesterday)],
        )
        stale = cursor.fetchall()
        recent = yesterday - timedelta(days=settings.ODS_DAY_ROLLUP_RECENT_DAYS - 1)
        first = min(through + timedelta(days=1), recent)
        if first <= yesterday:
            _recompute(
                cursor,
                "o.occurred_at >= %s AND o.occurred_at < %s",
                [_local_start(first), _local_start(yesterday + timedelta(days=1))],
                "r.day >= %s AND r.day <= %s",
                [first, yesterday],
                cell_m,
            )
        older: dict[int, list[date]] = {}
        for scene_id, day in stale:
            if day < first:
                older.setdefault(scene_id, []).append(day)
        for scene_id, days in sorted(older.items()):
            # One statement per scene: its stale days, read on the scene-and-time index.
            _recompute(
                cursor,
                "o.scene_id = %s AND o.occurred_at >= %s AND o.occurred_at < %s"
                " AND (o.occurred_at AT TIME ZONE %s)::date = ANY(%s::date[])",
                [scene_id, _local_start(min(days)),
                 _local_start(max(days) + timedelta(days=1)), _tz(), days],
                "r.scene_id = %s AND r.day = ANY(%s::date[])",
                [scene_id, days],
                cell_m,
            )  # fmt: skip
        cursor.execute(
            "UPDATE scenes_observationdaystate SET through = %s, refreshed_at = %s WHERE id = %s",
            [max(through, yesterday), timezone.now(), state_id],
        )


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(_tz()))


def day_state() -> ObservationDayState | None:
    return ObservationDayState.objects.first()


@dataclass
class DaySplit:
    """How a long period of some scenes is read: `days` (first, last) of rollup rows, minus
    the `stale` (scene, day) pairs, of the keepers `kept_by` (0, the openly shared rows, and
    the organisations whose kept rows the viewer reads); everything else of the period from
    the observations (`raw`, the viewer's visible observations narrowed to the rest)."""

    scene_ids: list[int]
    first: date
    last: date
    stale: list[tuple[int, date]]
    cell_m: int
    refreshed_at: datetime | None = None  # when the rollup was last brought up to date
    kept_by: list[int] = field(default_factory=lambda: [0])

    # --- the rollup's part of each figure (parameters: scenes, first, last, keepers, stale
    # pairs) ---
    _WHERE = (
        "scene_id = ANY(%s) AND day >= %s AND day <= %s AND kept_by = ANY(%s::bigint[]) "
        "AND (scene_id, day) NOT IN (SELECT * FROM unnest(%s::bigint[], %s::date[]))"
    )

    def _params(self) -> list:
        return [
            self.scene_ids,
            self.first,
            self.last,
            self.kept_by,
            [scene for scene, _day in self.stale],
            [day for _scene, day in self.stale],
        ]

    def only(self, scene_ids) -> DaySplit:
        """The same split narrowed to some of its scenes."""
        keep = set(scene_ids)
        return DaySplit(
            [s for s in self.scene_ids if s in keep],
            self.first,
            self.last,
            [(s, d) for s, d in self.stale if s in keep],
            self.cell_m,
            self.refreshed_at,
            self.kept_by,
        )

    def _rows(self, sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(where=self._WHERE), self._params())
            return cursor.fetchall()

    def total(self) -> int:
        ((n,),) = self._rows(
            "SELECT coalesce(sum(total), 0) FROM scenes_observationday WHERE {where}"
        )
        return int(n)

    def by_scene(self) -> dict[int, int]:
        """{scene: count} of the scenes with any."""
        return {
            int(scene): int(n)
            for scene, n in self._rows(
                "SELECT scene_id, sum(total) FROM scenes_observationday WHERE {where} GROUP BY 1"
            )
        }

    def days(self) -> set[date]:
        """The local days with any observation, of any of the scenes."""
        return {
            day
            for (day,) in self._rows(
                "SELECT DISTINCT day FROM scenes_observationday WHERE {where} AND total > 0"
            )
        }

    def matrix_by_scene(self, grouped: bool = True) -> list[tuple[int, int, int, int]]:
        """(scene, ISO weekday, hour, count) of the rollup's days (scene 0 when not
        `grouped`)."""
        scene = "scene_id" if grouped else "0"
        # 24 sums per weekday (no unnest: a county's 27,000 days unnested took 190 ms).
        hours = ", ".join(f"sum(hours[{h + 1}])" for h in range(24))
        return [
            (int(s), int(d), h, int(n))
            for s, d, *by_hour in self._rows(
                f"SELECT {scene}, extract(isodow FROM day)::int, {hours} "  # noqa: S608
                "FROM scenes_observationday WHERE {where} GROUP BY 1, 2"
            )
            for h, n in enumerate(by_hour)
            if n
        ]

    def add_counts(self, counts: Counts, parts: tuple[str, ...]) -> None:
        """Add the rollup's days to the `parts` of `counts` (scenes.analysis.Counts), in one
        query: (figure, key, counts) rows, the hours of a weekday as one array of 24 sums (no
        unnest: a county's 27,000 days unnested took 190 ms). The CTE is not materialised:
        each part reads the rollup's index itself (copying a county's 27,000 days with their
        JSON into a work table cost more than the four reads, 204 against 160 ms)."""
        hours = ", ".join(f"sum(hours[{h + 1}])" for h in range(24))
        selects = {
            "slots": f"SELECT 'slots', extract(isodow FROM day)::int::text, ARRAY[{hours}] "  # noqa: S608
            "FROM d GROUP BY 2",
            "months": "SELECT 'months', date_trunc('month', day)::date::text, ARRAY[sum(total)] "
            "FROM d GROUP BY 2",
            "categories": "SELECT 'categories', e.key, ARRAY[sum(e.value::bigint)] "
            "FROM d CROSS JOIN LATERAL jsonb_each_text(categories) AS e GROUP BY 2",
            "groups": "SELECT 'groups', e.key, ARRAY[sum(e.value::bigint)] "
            "FROM d CROSS JOIN LATERAL jsonb_each_text(groups) AS e GROUP BY 2",
        }
        sql = (
            "WITH d AS NOT MATERIALIZED (SELECT day, total, hours, categories, groups "
            "FROM scenes_observationday WHERE {where}) "
            + " UNION ALL ".join(selects[p] for p in parts)
        )
        for figure, key, sums in self._rows(sql):
            for hour, n in enumerate(sums):
                counts.add(figure, key, hour, n or 0)

    def keyed_by_scene(self, column: str, grouped: bool = True) -> dict[tuple[int, str], int]:
        """{(scene, key): count} of one of the rollup's JSON columns (scene 0 when not
        `grouped`)."""
        if column not in ("categories", "groups", "sources", "organisations", "places"):
            raise ValueError(f"No such column of counts: {column!r}")
        scene = "scene_id" if grouped else "0"
        return {
            (int(s), k): int(n)
            for s, k, n in self._rows(
                f"SELECT {scene}, e.key, sum(e.value::bigint) "  # noqa: S608
                f"FROM scenes_observationday, jsonb_each_text({column}) AS e "
                "WHERE {where} GROUP BY 1, 2"
            )
        }

    def insecurity_by_scene(self, grouped: bool = True) -> dict[tuple[int, int], int]:
        """{(scene, rating 1–5): count} (scene 0 when not `grouped`)."""
        scene = "scene_id" if grouped else "0"
        ratings = ", ".join(f"coalesce(sum(insecurity[{i}]), 0)" for i in range(1, 6))
        return {
            (int(s), rating): int(n)
            for s, *by_rating in self._rows(
                f"SELECT {scene}, {ratings} FROM scenes_observationday "  # noqa: S608
                "WHERE {where} GROUP BY 1"
            )
            for rating, n in enumerate(by_rating, start=1)
            if n
        }

    def cells_sql(self, cell_m: int | None = None) -> tuple[str, list]:
        """A SELECT of (cx, cy, n) of the rollup's days, with its parameters; with `cell_m` a
        whole multiple of the rollup's cell size, in cells of that size (the rollup's cells
        merged: floor(floor(x / a) / k) is floor(x / (a * k)) for whole k)."""
        size = self.cell_m if cell_m is None else cell_m
        if size <= 0 or size % self.cell_m:
            raise ValueError(f"{size} m cells cannot be made of {self.cell_m} m cells.")
        return (
            "SELECT floor(cx::float8 / %s)::bigint, floor(cy::float8 / %s)::bigint, n "
            "FROM scenes_observationdaycell WHERE cell_m = %s AND " + self._WHERE,
            [size // self.cell_m, size // self.cell_m, self.cell_m, *self._params()],
        )


def split(observations, scene_ids, start: date, end: date, cell_m: int, *, kept: bool = True):
    """(raw observations, DaySplit) for the inclusive period [start, end] of one scene (an
    id) or several (a list of ids), or None when the rollup cannot serve it (none yet, cells
    of `cell_m` not made of its cells, no rolled-up day in the period, stale rows on too many
    days). `observations` are the viewer's visible, counted observations of the scenes (any
    time); the raw part keeps the viewer's rules. The split keeps the rollup's own cell size:
    `cells_sql` merges them into `cell_m`. `kept=False` says the observations hold no kept
    rows (a lägesbild's): the raw part is then only the days the rollup lacks, and nothing
    to read when it holds them all."""
    return split_periods(observations, scene_ids, [(start, end)], cell_m, kept=kept)[0]


def split_periods(
    observations, scene_ids, periods: list[tuple[date, date]], cell_m: int, *, kept: bool = True
) -> list:
    """`split` for each of several periods of the same scenes (a period and the one before
    it), reading the rollup's state and its stale days once for all of them."""
    ids = [scene_ids] if isinstance(scene_ids, int) else sorted(set(scene_ids))
    state = day_state()
    if (
        not periods
        or state is None
        or state.through is None
        or not state.cell_m
        or cell_m % state.cell_m
    ):
        return [None] * len(periods)
    first = min(start for start, _end in periods)
    last = min(max(end for _start, end in periods), state.through)
    stale = (
        sorted(
            ObservationDayStale.objects.filter(
                scene_id__in=ids, day__gte=first, day__lte=last
            ).values_list("scene_id", "day")
        )
        if ids and first <= last
        else []
    )
    # The kept rows of the viewer's own organisations come from the rollup with the open ones;
    # the others' kept rows they may see (shared with theirs) from the observations
    # (scenes.permissions `kept_split`). Observations without the row rules (every row
    # visible) read all their kept rows from the observations.
    kept_split = observations.kept_split() if kept else (frozenset(), None)
    return [
        _split(observations, ids, start, end, state, stale, kept_split) for start, end in periods
    ]


def _split(observations, ids, start, end, state, all_stale, kept_split):
    from django.conf import settings
    from django.db.models import Q

    last = min(end, state.through)
    if last < start or not ids:
        return None
    stale = [(scene, day) for scene, day in all_stale if start <= day <= last]
    # One term of the raw part per stale day, for the scenes stale on it.
    stale_days: dict[date, list[int]] = {}
    for scene, day in stale:
        stale_days.setdefault(day, []).append(scene)
    if len(stale_days) > settings.ODS_DAY_ROLLUP_MAX_STALE_DAYS:
        return None
    keepers, others = kept_split if kept_split else (frozenset(), Q(restricted=True))
    held = DaySplit(
        ids, start, last, stale, state.cell_m, state.refreshed_at, [0, *sorted(keepers)]
    )
    # What the rollup does not hold: kept rows of others, the days after its last, stale days.
    rest = [others] if others is not None else []
    if last < end:
        rest.append(Q(occurred_at__gte=_local_start(last + timedelta(days=1))))
    for day, scenes in sorted(stale_days.items()):
        on_day = Q(
            occurred_at__gte=_local_start(day),
            occurred_at__lt=_local_start(day + timedelta(days=1)),
        )
        rest.append(on_day & Q(scene_id__in=scenes) if len(ids) > 1 else on_day)
    if not rest:
        # Nothing is read: a condition that can never hold would still make the database
        # walk the period's rows (an OR of ranges is not an index range).
        return observations.none(), held
    raw = observations.filter(
        occurred_at__gte=_local_start(start), occurred_at__lt=_local_start(end + timedelta(days=1))
    ).filter(reduce(operator.or_, rest))
    return raw, held
