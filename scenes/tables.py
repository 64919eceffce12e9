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
# A column of the export that the import does not take from the file.
ORGANISATION = gettext_lazy("Organisation")


def export_headings() -> list[str]:
    return [str(c.label) for c in COLUMNS] + [str(ORGANISATION)]


def export_rows(observations: Iterable[Observation]):
    """The export's rows (select the place and the organisation with the observations)."""
    for o in observations:
        yield [c.cell(o) for c in COLUMNS] + [o.organisation.name]
