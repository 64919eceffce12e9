"""Importing observations from a CSV or XLSX file: upload, check in the worker, confirm.

Nothing is saved before the confirm, and then all rows or none:

1. Upload. The request checks the file's size and type by its content (uploads.py), stores
   it privately and hands the check to a worker (import_jobs.py); the page shows a progress
   bar at once.
2. Check (dry run, in the worker). tablib reads the file (XLSX when the bytes are a zip
   archive, otherwise CSV in UTF-8 or, as Swedish Excel writes it, Windows-1252, separated
   by commas or semicolons). Every row becomes an unsaved `Observation` for this scene, with
   the organisation and the logging user taken from the uploader, never from the file, and
   `full_clean()` runs the model's rules on it: the same rules as the form and the API. The
   preview shows every row with its errors. Only when no row has an error are the rows kept
   (on the job, never in the page) and the confirm offered.
3. Confirm. Only the uploader can reach the job (404 for anyone else). With the job's row
   and the scene's row locked, every row is validated again (the boundary, the sub-places or
   the clock may have changed since the preview), and only if no row has an error are they
   all created with one `bulk_create`, in one transaction that also spends the job. A second
   confirm of the same job (a double click, a second tab) waits for the lock, finds the job
   spent and imports nothing.

Headings and choices are accepted in Swedish and in English (the export writes them in the
user's language) and choices also by their stored codes.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

import tablib
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ods_platform.lib import formatting
from ods_platform.lib.export import FORMATS, table_response, unescape_formula
from ods_platform.lib.localtime import aware_local

from . import duplicates, import_jobs, permissions, services, uploads
from .models import AffectedGroup, Category, ImportJob, Observation, Scene, Source
from .tables import COLUMNS, DUPLICATE_OF, KEYS, ORGANISATION

MAX_UPLOAD_MB = uploads.MAX_UPLOAD_MB
MAX_UPLOAD_BYTES = uploads.MAX_UPLOAD_BYTES
MAX_ROWS = 5000
# The preview's error summary lists at most this many rows; the table shows all of them.
SUMMARY_LIMIT = 50

_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


# Columns of the export that an import does not take from the file.
IGNORED_HEADINGS = (ORGANISATION, DUPLICATE_OF)


class ImportFileError(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# --- Reading the file -----------------------------------------------------------------------


def _norm(text) -> str:
    """Headings and choices compared without case, extra spaces or en dash/hyphen mix-ups."""
    text = str(text).replace("\ufeff", "").replace("\u2013", "-").replace("\u00a0", " ")
    return " ".join(text.split()).casefold()


def _in_every_language(text) -> set[str]:
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(_norm(text))
    return found


def _heading_keys(columns=COLUMNS, ignored=IGNORED_HEADINGS) -> dict[str, str | None]:
    """Accepted headings: the export's in every language, and the model's field names."""
    keys: dict[str, str | None] = {}
    for heading in ignored:
        keys.update(dict.fromkeys(_in_every_language(heading)))
    for column in columns:
        keys.update(dict.fromkeys(_in_every_language(column.label), column.key))
        keys[column.key] = column.key
    return keys


def _load_dataset(content: bytes) -> tablib.Dataset:
    unreadable = ImportFileError(
        _(
            "The file could not be read. Upload a CSV file (comma or semicolon separated) "
            "or an XLSX workbook."
        ),
        "unreadable",
    )
    if content.startswith(uploads.ZIP_MAGIC):
        # (checked on the upload already; again here, before openpyxl opens it)
        try:
            uploads.check_xlsx(content)
        except ValidationError as error:
            raise ImportFileError(" ".join(error.messages), error.code or "unreadable") from None
        try:
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except tablib.InvalidDimensions:
            raise _too_many_cells() from None
        except Exception:  # openpyxl raises many kinds of errors on a broken workbook
            raise unreadable from None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # Swedish Excel's "CSV (semicolon separated)"
        except UnicodeDecodeError:
            raise unreadable from None
    if "\x00" in text:
        raise unreadable
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except tablib.InvalidDimensions:
        raise _too_many_cells() from None
    except (csv.Error, ValueError):
        raise unreadable from None


def _too_many_cells() -> ImportFileError:
    return ImportFileError(
        _(
            "Some rows have more cells than there are headings. If decimals are written with "
            "a comma, separate the columns with semicolons or put the numbers in quotes."
        ),
        "too_many_cells",
    )


def _cell_text(value) -> str:
    """A cell as text, as the import stores and re-validates it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return unescape_formula(str(value).strip())


def read_rows(content: bytes) -> list[list]:
    """[row number, [cell text in COLUMNS order]] for every non-empty row of the file.

    Raises ImportFileError for a file that cannot be imported at all.
    """
    return read_table(content, COLUMNS, IGNORED_HEADINGS)


def read_table(content: bytes, columns, ignored=()) -> list[list]:
    """[row number, [cell text in the order of `columns`]] for every non-empty row of a CSV
    or XLSX file whose headings name the columns (`key`, `label`, `required`) in any of the
    platform's languages. Raises ImportFileError for a file that cannot be imported at all.
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)d MB. Split it into smaller files.")
            % {"limit": MAX_UPLOAD_MB},
            "too_large",
        )
    dataset = _load_dataset(content)
    headings = list(dataset.headers or [])
    if not any(_cell_text(h) for h in headings):
        raise ImportFileError(_("The file has no heading row."), "no_headings")
    known = _heading_keys(columns, ignored)
    keys_in_order = [c.key for c in columns]
    positions: dict[str, int] = {}
    unnamed, unknown = [], []
    for index, heading in enumerate(headings):
        text = _cell_text(heading)
        if not text:
            unnamed.append(index)
            continue
        if _norm(text) not in known:
            unknown.append(text)
            continue
        key = known[_norm(text)]
        if key is None:
            continue
        if key in positions:
            raise ImportFileError(
                _("The column %(column)s appears more than once.") % {"column": text},
                "duplicate_column",
            )
        positions[key] = index
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s. Use the headings of the template.")
            % {"columns": ", ".join(unknown)},
            "unknown_columns",
        )
    missing = [str(c.label) for c in columns if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(
            _("Columns are missing: %(columns)s. Use the headings of the template.")
            % {"columns": ", ".join(missing)},
            "missing_columns",
        )
    rows = []
    for offset, row in enumerate(dataset):
        if any(_cell_text(row[i]) for i in unnamed):
            raise ImportFileError(
                _(
                    "A column without a heading contains data. Give every column a heading "
                    "from the template."
                ),
                "unnamed_column",
            )
        cells = [_cell_text(row[positions[k]]) if k in positions else "" for k in keys_in_order]
        if any(cells):
            rows.append([offset + 2, cells])  # the heading is row 1, as in a spreadsheet
        if len(rows) > MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(limit)d rows; import at most %(limit)d at a time.")
                % {"limit": MAX_ROWS},
                "too_many_rows",
            )
    if not rows:
        raise ImportFileError(_("The file has no rows to import."), "no_rows")
    return rows


# --- Validating the rows --------------------------------------------------------------------


@dataclass
class RowResult:
    number: int
    cells: list[str]  # what the preview shows, in COLUMNS order
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    observation: Observation | None = None
    # Possibly the same event as an earlier row of the file or a stored observation the
    # user sees (a warning: the row is imported all the same).
    duplicate_notes: list[str] = field(default_factory=list)


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        lookup[_norm(value)] = value
        lookup.update(dict.fromkeys(_in_every_language(label), value))
    return lookup


def _parse_time(text: str):
    for fmt in _TIME_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return aware_local(naive)
    raise ValueError(text)


def _parse_coordinate(text: str, limit: int) -> float:
    text = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    number = float(text)
    if not (math.isfinite(number) and -limit <= number <= limit):
        raise ValueError(text)
    return number


def _field_labels() -> dict[str, str]:
    labels = {c.key: str(c.label) for c in COLUMNS}
    labels["location"] = f"{labels['latitude']}/{labels['longitude']}"
    return labels


def _error_order(name: str) -> int:
    order = [*KEYS, "location"]
    return order.index(name) if name in order else len(order)


def _parse_row(raw: dict, lookups: dict) -> tuple[services.ObservationRow, dict]:
    """A row's cells as the logging verb's fields, with the cells it could not read refused,
    and the cells as the preview shows them."""
    fields: dict = {}
    refused: dict[str, list[str]] = {}
    shown = dict(raw)
    if raw["occurred_at"]:
        try:
            fields["occurred_at"] = _parse_time(raw["occurred_at"])
            shown["occurred_at"] = timezone.localtime(fields["occurred_at"]).strftime(
                "%Y-%m-%d %H:%M"
            )
        except ValueError:
            refused["occurred_at"] = [
                _("Give the time as YYYY-MM-DD HH:MM, e.g. 2025-03-14 21:30.")
            ]
    fields["category"] = lookups["categories"].get(_norm(raw["category"]), raw["category"])
    fields["source"] = lookups["sources"].get(_norm(raw["source"]), raw["source"])
    fields["affected_groups"] = [
        lookups["groups"].get(_norm(part), part.strip())
        for part in re.split(r"[,;]", raw["affected_groups"])
        if part.strip()
    ]
    fields["people_count"] = raw["people_count"] or None
    fields["insecurity"] = raw["insecurity"] or None
    fields["description"] = raw["description"]
    if raw["place"]:
        fields["place"] = lookups["places"].get(_norm(raw["place"]))
        if fields["place"] is None:
            refused["place"] = [
                _("There is no sub-place called “%(name)s” at this scene.") % {"name": raw["place"]}
            ]
    coordinates = {}
    for key, limit in (("latitude", 90), ("longitude", 180)):
        if not raw[key]:
            refused[key] = [_("This field is required.")]
            continue
        try:
            coordinates[key] = _parse_coordinate(raw[key], limit)
            shown[key] = str(coordinates[key])
        except ValueError:
            refused[key] = [
                _("Give a number between -%(limit)d and %(limit)d, e.g. %(example)s.")
                % {"limit": limit, "example": "59.3326" if limit == 90 else "18.0649"}
            ]
    if len(coordinates) == 2:
        fields["location"] = Point(coordinates["longitude"], coordinates["latitude"], srid=4326)
    else:
        refused.setdefault("location", [])
    return services.ObservationRow(fields, refused), shown


def validate_rows(
    scene: Scene, user, organisation, rows: list[list], *, dry_run: bool = True
) -> list[RowResult]:
    """Each row checked by the logging verb (the model's own rules), and saved, all rows or
    none, when it is not a dry run and no row has an error."""
    lookups = {
        "categories": _choice_lookup(Category),
        "sources": _choice_lookup(Source),
        "groups": _choice_lookup(AffectedGroup),
        "places": {_norm(p.name): p for p in scene.places.all()},
    }
    labels = _field_labels()
    parsed = [_parse_row(dict(zip(KEYS, cells, strict=True)), lookups) for _n, cells in rows]
    checked = services.log_observations(
        by=user,
        scene=scene,
        organisation=organisation,
        rows=[row for row, _shown in parsed],
        dry_run=dry_run,
    )
    notes = _duplicate_notes(rows, checked, user) if dry_run else {}
    results = []
    for (number, _cells), (_row, shown), result in zip(rows, parsed, checked, strict=True):
        observation, errors = result.observation, result.errors
        if observation.category in Category.values:
            shown["category"] = observation.get_category_display()
        if observation.source in Source.values:
            shown["source"] = observation.get_source_display()
        if all(g in AffectedGroup.values for g in observation.affected_groups):
            shown["affected_groups"] = ", ".join(observation.affected_group_labels())
        results.append(
            RowResult(
                number=number,
                cells=[shown[k] for k in KEYS],
                errors=[
                    (labels.get(name, _("Row")), message)
                    for name in sorted(errors, key=_error_order)
                    for message in errors[name]
                ],
                observation=None if errors else observation,
                duplicate_notes=notes.get(number, []),
            )
        )
    return results


def _duplicate_notes(rows: list[list], checked, user) -> dict[int, list[str]]:
    """Per row number: the earlier row of the file (an exact copy said so) and the stored
    observation the user sees that the duplicate rule calls possibly the same event."""
    observations = [None if c.errors else c.observation for c in checked]
    numbers = [number for number, _cells in rows]
    notes: dict[int, list[str]] = {}
    for index, earlier in duplicates.within_file(observations).items():
        this, that = observations[index], observations[earlier]
        if this is None or that is None:  # within_file pairs valid rows only
            continue
        if duplicates.exact_copy(this, that):
            text = _("exact copy of row %(row)d") % {"row": numbers[earlier]}
        else:
            text = _("possible duplicate of row %(row)d") % {"row": numbers[earlier]}
        notes.setdefault(numbers[index], []).append(text)
    for index, candidate in duplicates.against_stored(observations, user).items():
        notes.setdefault(numbers[index], []).append(
            _("possible duplicate of observation %(id)d (%(when)s, %(distance)s m)")
            % {
                "id": candidate.id,
                "when": formatting.datetime(candidate.observation.occurred_at),
                "distance": formatting.integer(round(candidate.distance_m)),
            }
        )
    return notes


# --- The check, in the worker -----------------------------------------------------------------


def _serialised(results: list[RowResult]) -> dict:
    failed = [r for r in results if r.errors]
    return {
        "rows": [
            {
                "number": r.number,
                "cells": r.cells,
                "errors": [list(e) for e in r.errors],
                "duplicate_notes": [str(note) for note in r.duplicate_notes],
            }
            for r in results
        ],
        "ok_count": len(results) - len(failed),
        "error_count": len(failed),
    }


def check_job(job, content: bytes, progress) -> tuple[dict, list | None]:
    """The preview of an uploaded file, and its rows when every row may be imported (run by
    `scenes.tasks.check_import`). Raises ImportFileError for a file that cannot be read and
    PermissionDenied when the uploader may no longer log observations at the scene."""
    if not permissions.can_log_observation(job.user, job.scene):
        raise PermissionDenied
    rows = read_rows(content)
    progress(40)
    results = validate_rows(job.scene, job.user, _organisation(job.user, job.scene), rows)
    preview = _serialised(results)
    # Only a file without errors keeps its rows: one with errors can never be confirmed.
    return preview, (rows if not preview["error_count"] else None)


# --- The page -------------------------------------------------------------------------------


class ObservationImportForm(uploads.UploadForm):
    max_rows = MAX_ROWS


def _organisation(user, scene):
    return permissions.logging_organisation(user, scene)


def _column_help(scene):
    return {
        "categories": [str(label) for label in Category.labels],
        "sources": [str(label) for label in Source.labels],
        "groups": [str(label) for label in AffectedGroup.labels],
        "places": [p.name for p in scene.places.all()],
        "max_distance": settings.ODS_OBSERVATION_MAX_DISTANCE_M,
    }


def _render(request, scene, form, *, job=None, results=None, confirm_error="", status=200):
    context = {
        "scene": scene,
        "form": form,
        "columns": COLUMNS,
        "organisation": _organisation(request.user, scene),
        "help": _column_help(scene),
        "max_rows": MAX_ROWS,
        "confirm_error": confirm_error,
        "job": job,
    }
    if job is not None and job.is_checking:
        context["progress_url"] = reverse(
            "scenes:observation_import_progress", args=[scene.pk, job.pk]
        )
    if job is not None and job.status == ImportJob.Status.FAILED:
        context["file_error"] = job.error
    if results is not None:
        failed = [r for r in results["rows"] if r["errors"]]
        context.update(
            results=results["rows"],
            ok_count=results["ok_count"],
            error_count=results["error_count"],
            summary=failed[:SUMMARY_LIMIT],
            summary_more=max(len(failed) - SUMMARY_LIMIT, 0),
            duplicate_count=sum(1 for r in results["rows"] if r.get("duplicate_notes")),
            token=str(job.pk) if job is not None and import_jobs.confirmable(job) else None,
            filename=job.filename if job is not None else "",
        )
    return render(request, "scenes/observation_import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def observation_import(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, log=True)
    if request.method == "GET":
        fmt = request.GET.get("template")
        if fmt in FORMATS:
            return table_response("observationer-mall", [c.label for c in COLUMNS], [], fmt)
        return _render(request, scene, ObservationImportForm())
    form = ObservationImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, scene, form)
    job = import_jobs.start(
        request.user,
        kind=ImportJob.Kind.OBSERVATIONS,
        scene=scene,
        upload=form.cleaned_data["file"],
        file_type=form.file_type,
        content=form.content,
    )
    return redirect("scenes:observation_import_job", scene.pk, job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def observation_import_job(request, pk, job):
    """An upload being checked (a progress bar), its preview, and the confirm."""
    scene, job = _scene_and_job(request, pk, job)
    if request.method == "POST":
        return _confirm(request, scene, job)
    if job.is_checking or job.status == ImportJob.Status.FAILED:
        return _render(request, scene, ObservationImportForm(), job=job)
    if job.results and not job.is_expired():
        return _render(request, scene, ObservationImportForm(), job=job, results=job.results)
    return _expired(request, scene)


@login_required
@require_GET
def observation_import_progress(request, pk, job):
    scene, job = _scene_and_job(request, pk, job)
    return import_jobs.progress_response(
        request,
        job,
        reverse("scenes:observation_import_progress", args=[scene.pk, job.pk]),
        reverse("scenes:observation_import_job", args=[scene.pk, job.pk]),
    )


def _scene_and_job(request, pk, job_id):
    """The scene and the user's own upload to it (404 for anyone else's, whoever asks); 403
    if the uploader may no longer log observations there."""
    scene = permissions.get_scene_for_user(request.user, pk)
    job = permissions.get_import_for_user(request.user, job_id, ImportJob.Kind.OBSERVATIONS, scene)
    if not permissions.can_log_observation(request.user, scene):
        raise PermissionDenied
    return scene, job


def _confirm(request, scene, job):
    organisation = _organisation(request.user, scene)
    with transaction.atomic():
        # The job's row orders two confirms of one import: the second finds it spent.
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not import_jobs.confirmable(locked):
            return _expired(request, scene)
        scene = Scene.objects.select_for_update().get(pk=scene.pk)
        results = validate_rows(scene, request.user, organisation, locked.rows, dry_run=False)
        failed = any(r.errors for r in results)
        # Spent either way: after an error the corrected file is uploaded again.
        locked.rows = None
        locked.results = _serialised(results) if failed else None
        locked.status = ImportJob.Status.SPENT if failed else ImportJob.Status.IMPORTED
        locked.confirmed_at = None if failed else timezone.now()
        locked.save(update_fields=["rows", "results", "status", "confirmed_at"])
    if failed:
        messages.error(
            request,
            _(
                "Nothing was imported: some rows are no longer valid. Correct the file and "
                "upload it again."
            ),
        )
        return _render(request, scene, ObservationImportForm(), job=locked, results=locked.results)
    messages.success(
        request,
        ngettext(
            "%(count)d observation was imported.",
            "%(count)d observations were imported.",
            len(results),
        )
        % {"count": len(results)},
    )
    return redirect("scenes:observation_list", scene.pk)


def _expired(request, scene):
    return _render(
        request,
        scene,
        ObservationImportForm(),
        confirm_error=_(
            "The preview is no longer available or belongs to another upload. Nothing was "
            "imported. Upload the file again."
        ),
    )
