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

from django.db import connection, models
from django.db.models import Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone


class ObservationRollup(models.Model):
    scene = models.ForeignKey("scenes.Scene", on_delete=models.CASCADE, related_name="+")
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
