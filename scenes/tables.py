"""The observation table: its columns as the export writes them and the import reads them.

One list, so that an exported file can be imported again: the same headings (in the user's
language), in the same order, with the same cell formats. The export adds the organisation
an observation was logged for; the import takes that from the request instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from ods_platform.lib import formatting

from .models import Observation


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
    Column("category", gettext_lazy("Category"), True, lambda o: o.get_category_display()),
    Column("source", gettext_lazy("Source"), True, lambda o: o.get_source_display()),
    Column("place", gettext_lazy("Sub-place"), False, lambda o: o.place.name if o.place else ""),
    Column("people_count", gettext_lazy("Number of people"), False, lambda o: o.people_count),
    Column(
        "affected_groups",
        gettext_lazy("Affected groups"),
        False,
        lambda o: ", ".join(o.affected_group_labels()),
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


def export_rows(observations: Iterable[Observation]):
    """The export's rows (select the place and the organisation with the observations)."""
    for o in observations:
        yield [c.cell(o) for c in COLUMNS] + [o.organisation.name, o.duplicate_of_id]
