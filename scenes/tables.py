"""The observation table: its columns as the export writes them and the import reads them.

One list, so that an exported file can be imported again: the same headings (in the user's
language), in the same order, with the same cell formats. The export adds the organisation
an observation was logged for; the import takes that from the request instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language, gettext_lazy

from ods_platform.lib import formatting

from .models import AffectedGroup, Category, Observation, Source


@lru_cache(maxsize=32)
def _labels(choices, language: str | None) -> dict[str, str]:
    """A choice class's labels in a language, built once (`get_FOO_display` rebuilt a dict
    of lazy translations for every row: half the export's time at 100,000 rows)."""
    return {value: str(label) for value, label in choices.choices}


def _label(choices, value: str) -> str:
    return _labels(choices, get_language()).get(value, value)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # a lazy msgid: the heading
    required: bool  # by the import
    cell: Callable[[Observation], Any]


COLUMNS = (
    Column(
        "occurred_at", gettext_lazy("When"), True, lambda o: formatting.iso_datetime(o.occurred_at)
    ),
    Column("category", gettext_lazy("Category"), True, lambda o: _label(Category, o.category)),
    Column("source", gettext_lazy("Source"), True, lambda o: _label(Source, o.source)),
    Column("place", gettext_lazy("Sub-place"), False, lambda o: o.place.name if o.place else ""),
    Column("people_count", gettext_lazy("Number of people"), False, lambda o: o.people_count),
    Column(
        "affected_groups",
        gettext_lazy("Affected groups"),
        False,
        lambda o: ", ".join(_label(AffectedGroup, g) for g in o.affected_groups),
    ),
    Column("insecurity", gettext_lazy("Insecurity (1–5)"), True, lambda o: o.insecurity),
    Column("latitude", gettext_lazy("Latitude"), True, lambda o: round(o.location.y, 6)),
    Column("longitude", gettext_lazy("Longitude"), True, lambda o: round(o.location.x, 6)),
    Column("description", gettext_lazy("Description"), False, lambda o: o.description),
)
KEYS = tuple(c.key for c in COLUMNS)
# Columns of the export that the import does not take from the file.
ORGANISATION = gettext_lazy("Organisation")
# The id of the observation a duplicate repeats (a duplicate is exported, and counted nowhere).
DUPLICATE_OF = gettext_lazy("Duplicate of")


def export_headings() -> list[str]:
    return [str(c.label) for c in COLUMNS] + [str(ORGANISATION), str(DUPLICATE_OF)]


# Where each column's value comes from in `export_value_rows` (a values query: no model
# instances, no GEOS points; the description is the text guard's own annotation, so hidden
# text stays None exactly as on the model path).
_VALUE_FIELDS = {
    "occurred_at": "occurred_at",
    "category": "category",
    "source": "source",
    "place": "place__name",
    "people_count": "people_count",
    "affected_groups": "affected_groups",
    "insecurity": "insecurity",
    "latitude": "_export_lat",
    "longitude": "_export_lon",
    "description": "_shown_description",
}


def export_value_rows(observations, chunk_size: int = 2000):
    """The same rows as `export_rows`, read as values in chunks (for the streamed CSV): at
    40,000 rows building the model instances and their points was most of the export's
    time. `observations` must come from `visible_to` / `in_scene` (the text guard)."""
    for _pk, _scene, row in export_value_rows_with_ids(observations, chunk_size):
        yield row


def export_value_rows_with_ids(observations, chunk_size: int = 2000):
    """(id, scene id, row) for each observation, as `export_value_rows` reads them (the XLSX export
    notes the ids for the read log as it writes the rows)."""
    from django.db.models import FloatField, Func

    rows = observations.annotate(
        _export_lat=Func("location", function="ST_Y", output_field=FloatField()),
        _export_lon=Func("location", function="ST_X", output_field=FloatField()),
    ).values_list(
        "pk", "scene_id", *(_VALUE_FIELDS[k] for k in KEYS), "organisation__name", "duplicate_of"
    )
    for (pk, scene_id, when, category, source, place, people, groups, insecurity, lat, lon, text,
         organisation, duplicate_of) in rows.iterator(chunk_size=chunk_size):  # fmt: skip
        yield (
            pk,
            scene_id,
            [
                formatting.iso_datetime(when),
                _label(Category, category),
                _label(Source, source),
                place or "",
                people,
                ", ".join(_label(AffectedGroup, g) for g in groups),
                insecurity,
                round(lat, 6),
                round(lon, 6),
                text,
                organisation,
                duplicate_of,
            ],
        )


def observation_export_source(user, parameters: dict):
    """The XLSX export of a scene's observation list (ods_platform/exports.py), with the
    page's own filters and visibility (`filtersets.scene_observations`)."""
    from django.http import QueryDict

    from ods_platform.exports import Source

    from .filtersets import scene_observations
    from .permissions import get_scene_for_user

    data = QueryDict(mutable=True)
    for key, values in parameters.items():
        data.setlist(key, [str(v) for v in values])
    scene = get_scene_for_user(user, data.get("scene_pk"))
    _filterset, observations, _suspected = scene_observations(user, scene, data)
    return Source(
        title=scene.name,
        headings=export_headings(),
        rows=export_value_rows_with_ids(observations),
        total=observations.order_by().count(),
    )


def export_rows(observations: Iterable[Observation]):
    """The export's rows (select the place and the organisation with the observations)."""
    for o in observations:
        yield [c.cell(o) for c in COLUMNS] + [o.organisation.name, o.duplicate_of_id]
