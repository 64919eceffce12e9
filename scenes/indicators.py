"""Indicators: their list, periods and numbers as people write them, and the CSV/XLSX import.

The import works like the observation import (scenes/imports.py, whose file reading it uses,
and import_jobs.py): upload, then the dry run in a worker with a progress bar, then confirm;
nothing saved before the confirm, and then all rows or none. A file holds one value per row:
the indicator's name, the scene or the municipality it is about, the period, the value and
optionally the unit, source, whether lower is better and a note. Each row is checked before
anything is saved, and the preview lists every row with what would happen to it or why it
cannot:

- the scene (by name or number) or municipality (by name or four-digit code) must be one the
  user sees ("unknown scene") and may add values to;
- the period (2026-03, 2026-Q1 or 2026-K1, 2026, or a date on the first day of the period,
  as Excel writes "2026-03") must have begun, lie after 1990 and be of the indicator's kind;
- the value must be a number: "1 234,5", "1234.5", "12,5 %" are read, "abc" is not;
- the same indicator, place and period twice in the file is a duplicate; a value already
  stored for that period is left alone when it is the same ("already stored") and refused
  when it differs (change it on the indicator's page).

So importing the same file again changes nothing. A series that does not exist yet is
created from the row (its unit, source and "lower is better"; its period kind from the
period). Every value keeps its source, who imported it and the file's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from actors.models import Organisation
from actors.permissions import memberships_of
from audit.reads import noting, record_read
from ods_platform.lib import formatting
from ods_platform.lib.export import FORMATS, table_response

from . import import_jobs, permissions, uploads
from .filtersets import IndicatorFilterSet
from .imports import MAX_ROWS, _norm, read_table
from .models import (
    EARLIEST_PERIOD,
    ImportJob,
    Indicator,
    IndicatorLevel,
    IndicatorValue,
    PeriodKind,
    Scene,
    period_bounds,
)

SUMMARY_LIMIT = 50
PAGE_SIZE = 100

# --- Periods and numbers --------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[QK]([1-4])$|^[QK]([1-4])\s*[-/ ]?\s*(\d{4})$", re.I)
_YEAR = re.compile(r"^(\d{4})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


class PeriodError(ValueError):
    pass


def parse_period(text: str, kind: str | None = None) -> tuple[str, date, date]:
    """(kind, first day, last day) of a period written 2026-03, 2026-Q1/2026-K1, 2026, or as
    the date of its first day (2026-03-01; the kind then comes from `kind`, else month).
    Raises PeriodError."""
    text = " ".join(str(text).split())
    try:
        if match := _MONTH.match(text):
            found, start = PeriodKind.MONTH, date(int(match[1]), int(match[2]), 1)
        elif match := _QUARTER.match(text):
            year = int(match[1] or match[4])
            quarter = int(match[2] or match[3])
            found, start = PeriodKind.QUARTER, date(year, 3 * quarter - 2, 1)
        elif match := _YEAR.match(text):
            found, start = PeriodKind.YEAR, date(int(match[1]), 1, 1)
        elif match := _DATE.match(text):
            start = date(int(match[1]), int(match[2]), int(match[3]))
            found = kind if kind in (PeriodKind.QUARTER, PeriodKind.YEAR) else PeriodKind.MONTH
            begins = {
                PeriodKind.QUARTER: start.month in (1, 4, 7, 10),
                PeriodKind.YEAR: start.month == 1,
            }
            if start.day != 1 or not begins.get(found, True):
                raise PeriodError(text)
        else:
            raise PeriodError(text)
    except ValueError:
        raise PeriodError(text) from None
    return (found, *period_bounds(found, start))


def period_label(kind: str, start: date, end: date) -> str:
    """A period as people name it: "mars 2026", "2026 kv. 1", "2026"."""
    if kind == PeriodKind.MONTH:
        return formatting.month(start)
    if kind == PeriodKind.QUARTER:
        return _("%(year)d Q%(quarter)d") % {"year": start.year, "quarter": (start.month + 2) // 3}
    if kind == PeriodKind.YEAR:
        return str(start.year)
    return formatting.period(start, end)


def period_code(kind: str, start: date) -> str:
    """A period as the import reads it back: 2026-03, 2026-Q1, 2026."""
    if kind == PeriodKind.MONTH:
        return f"{start:%Y-%m}"
    if kind == PeriodKind.QUARTER:
        return f"{start.year}-Q{(start.month + 2) // 3}"
    return str(start.year)


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_number(text: str) -> Decimal:
    """A number as people write it: "1 234,5", "1234.5", "1.234,5", "12,5 %", "−3". The last
    of a point or comma is the decimal mark; spaces and the other mark group thousands.
    Raises ValueError."""
    cleaned = str(text).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.replace("\u2212", "-").removesuffix("%")
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.match(cleaned):
        raise ValueError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None


# --- The file's columns ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    help: str


COLUMNS = (
    Column("indicator", gettext_lazy("Indicator"), True,
           gettext_lazy("The indicator's name, e.g. Police-reported drug crimes.")),
    Column("scene", gettext_lazy("Scene"), False,
           gettext_lazy("For a scene's figure: the scene's name or number.")),
    Column("municipality", gettext_lazy("Municipality"), False,
           gettext_lazy("For a municipality's figure: its name or four-digit code. Give a "
                        "scene or a municipality.")),
    Column("period", gettext_lazy("Period"), True,
           gettext_lazy("A month 2026-03, a quarter 2026-Q1 (or 2026-K1) or a year 2026. It "
                        "must have begun.")),
    Column("value", gettext_lazy("Value"), True,
           gettext_lazy("A number with a decimal comma or point, e.g. 12 or 12,5.")),
    Column("unit", gettext_lazy("Unit"), False,
           gettext_lazy("For a new indicator: its unit, e.g. crimes or per cent.")),
    Column("source", gettext_lazy("Source"), False,
           gettext_lazy("Where the figure comes from; for a new indicator also its source.")),
    Column("lower_is_better", gettext_lazy("Lower is better"), False,
           gettext_lazy("For a new indicator: yes (the default) or no.")),
    Column("note", gettext_lazy("Note"), False,
           gettext_lazy("Optional. About places and groups, never people.")),
)  # fmt: skip
KEYS = tuple(c.key for c in COLUMNS)
_YES = {"ja", "j", "yes", "y", "1", "sant", "true", "x"}
_NO = {"nej", "n", "no", "0", "falskt", "false"}


# --- Checking the rows ----------------------------------------------------------------------


@dataclass
class RowResult:
    number: int
    cells: dict
    errors: list[tuple[str, str]] = field(default_factory=list)
    outcome: str = ""  # "new", "new_indicator", "unchanged"
    series: tuple | None = None  # (level, place id, name): the series the row belongs to
    value: IndicatorValue | None = None


class Lookups:
    """What a user's rows may name, read once per check: the scenes and municipalities they
    may name, and the series and stored values the file's rows can be about (no more)."""

    def __init__(self, user, rows: list[list]):
        from django.db.models.functions import Lower

        self.user = user
        visible = list(Scene.objects.visible_to(user).only("pk", "name", "municipality_id"))
        self.editable_scenes = set(Scene.objects.editable_by(user).values_list("pk", flat=True))
        self.scenes_by_id = {s.pk: s for s in visible}
        self.scenes_by_name: dict[str, list[Scene]] = {}
        for s in visible:
            self.scenes_by_name.setdefault(_norm(s.name), []).append(s)
        municipalities = list(
            Organisation.objects.filter(kind=Organisation.Kind.KOMMUN, is_active=True)
        )
        self.editable_municipalities = set(
            permissions.municipality_indicator_choices(user).values_list("pk", flat=True)
        )
        self.municipalities: dict[str, Organisation] = {}
        for m in municipalities:
            self.municipalities[m.municipality_code] = m
            self.municipalities[_norm(m.name)] = m
            for suffix in (" kommun", " stad"):
                if _norm(m.name).endswith(suffix):
                    # "Stockholms stad" is also "Stockholm", "Danderyds kommun" "Danderyd".
                    short = _norm(m.name)[: -len(suffix)]
                    self.municipalities.setdefault(short, m)
                    if short.endswith("s"):
                        self.municipalities.setdefault(short[:-1], m)
        names = {" ".join(cells[0].split()).lower() for _n, cells in rows if cells[0]}
        self.series: dict[tuple, Indicator] = {}
        candidates = (
            Indicator.objects.visible_to(user)
            .annotate(lowered=Lower("name"))
            .filter(lowered__in=names)
        )
        for i in candidates:
            place = i.scene_id if i.level == IndicatorLevel.SCENE else i.municipality_id
            self.series[(i.level, place, _norm(i.name))] = i
        starts = set()
        for _n, cells in rows:
            try:
                starts.add(parse_period(cells[KEYS.index("period")])[1])
            except PeriodError:
                continue
        # A series' kind may read a date differently (a quarter's first day): its starts too.
        self.stored: dict[tuple[int, date, date], Decimal] = {
            (v.indicator_id, v.period_start, v.period_end): v.value
            for v in IndicatorValue.objects.filter(
                indicator__in=[i.pk for i in self.series.values()],
                period_start__in=starts,
            ).only("indicator_id", "period_start", "period_end", "value")
        }

    def scene(self, text: str):
        """(scene, error message)."""
        found = []
        if text.isdigit() and int(text) in self.scenes_by_id:
            found = [self.scenes_by_id[int(text)]]
        else:
            found = self.scenes_by_name.get(_norm(text), [])
        if not found:
            return None, _("Unknown scene “%(name)s”.") % {"name": text}
        if len(found) > 1:
            return None, _("Several scenes are called “%(name)s”: give the scene's number.") % {
                "name": text
            }
        if found[0].pk not in self.editable_scenes:
            return None, _("You may not add figures for %(name)s.") % {"name": found[0].name}
        return found[0], None

    def municipality(self, text: str):
        found = self.municipalities.get(text.strip()) or self.municipalities.get(_norm(text))
        if found is None:
            return None, _("Unknown municipality “%(name)s”.") % {"name": text}
        return found, None


def _writer_organisation(user, scene=None, municipality=None):
    if scene is not None:
        return permissions.writing_organisation(user, scene, prefer=(scene.municipality_id,))
    memberships = memberships_of(user)
    for m in memberships:
        if m.organisation_id == getattr(municipality, "pk", None):
            return m.organisation
    return memberships[0].organisation if memberships else None


def check_rows(user, rows: list[list], filename: str) -> list[RowResult]:
    """Every row checked; nothing is saved. Rows without errors carry an unsaved value."""
    lookups = Lookups(user, rows)
    labels = {c.key: str(c.label) for c in COLUMNS}
    today = timezone.localdate()
    seen: dict[tuple, int] = {}
    new_series: dict[tuple, Indicator] = {}
    writers: dict[tuple, Organisation | None] = {}
    results = []
    for number, cells in rows:
        raw = dict(zip(KEYS, cells, strict=True))
        result = RowResult(number=number, cells=dict(raw))
        errors = result.errors
        name = raw["indicator"].strip()
        if not name:
            errors.append((labels["indicator"], _("This field is required.")))
        elif len(name) > 200:
            errors.append((labels["indicator"], _("At most 200 characters.")))
        scene = municipality = None
        if raw["scene"]:
            scene, error = lookups.scene(raw["scene"])
            if error:
                errors.append((labels["scene"], error))
            elif raw["municipality"]:
                given, error = lookups.municipality(raw["municipality"])
                if given is not None and given.pk != scene.municipality_id:
                    message = _("%(scene)s is not in %(municipality)s.") % {
                        "scene": scene.name, "municipality": given.name,
                    }  # fmt: skip
                    errors.append((labels["municipality"], message))
        elif raw["municipality"]:
            municipality, error = lookups.municipality(raw["municipality"])
            if error:
                errors.append((labels["municipality"], error))
            elif municipality.pk not in lookups.editable_municipalities:
                errors.append((labels["municipality"],
                               _("You may not add figures for %(name)s.")
                               % {"name": municipality.name}))  # fmt: skip
                municipality = None
        else:
            errors.append((labels["scene"], _("Give a scene or a municipality.")))
        level = IndicatorLevel.SCENE if raw["scene"] else IndicatorLevel.MUNICIPALITY
        place = scene or municipality
        key = (level, place.pk, _norm(name)) if place is not None and name else None
        series = lookups.series.get(key) if key else None
        if series is None and key in new_series:
            series = new_series[key]
        kind = series.period if series is not None else None
        period = None
        if not raw["period"]:
            errors.append((labels["period"], _("This field is required.")))
        else:
            try:
                period = parse_period(raw["period"], kind)
            except PeriodError:
                errors.append((labels["period"],
                               _("Give the period as 2026-03 (a month), 2026-Q1 (a quarter) or "
                                 "2026 (a year).")))  # fmt: skip
        if period is not None:
            found, start, end = period
            result.cells["period"] = period_label(found, start, end)
            if kind not in (None, PeriodKind.OTHER, found):
                errors.append((labels["period"],
                               _("%(name)s has a value per %(kind)s; this row gives a %(found)s.")
                               % {"name": name, "kind": PeriodKind(kind).label.lower(),
                                  "found": PeriodKind(found).label.lower()}))  # fmt: skip
            if start > today or start < EARLIEST_PERIOD:
                errors.append((labels["period"],
                               _("The period is out of range: it must have begun, and not "
                                 "before %(year)d.") % {"year": EARLIEST_PERIOD.year}))  # fmt: skip
        value = None
        if not raw["value"]:
            errors.append((labels["value"], _("This field is required.")))
        else:
            try:
                value = parse_number(raw["value"])
                result.cells["value"] = formatting.number(value)
            except ValueError:
                errors.append((labels["value"],
                               _("“%(text)s” is not a number: write e.g. 12 or 12,5.")
                               % {"text": raw["value"]}))  # fmt: skip
        lower = True
        if raw["lower_is_better"]:
            answer = _norm(raw["lower_is_better"])
            if answer in _YES:
                lower = True
            elif answer in _NO:
                lower = False
            else:
                errors.append((labels["lower_is_better"], _("Write yes or no.")))
        if key and period is not None and not errors:
            duplicate = seen.get((key, period[1], period[2]))
            if duplicate:
                errors.append((labels["period"],
                               _("Duplicate: row %(row)d has the same indicator, place and period.")
                               % {"row": duplicate}))  # fmt: skip
            seen.setdefault((key, period[1], period[2]), number)
        if not errors:
            if series is None:
                series = Indicator(
                    level=level, scene=scene, municipality=municipality, name=name,
                    unit=raw["unit"][:100], source=raw["source"][:300], lower_is_better=lower,
                    period=period[0],
                )  # fmt: skip
                try:
                    series.full_clean(validate_unique=False, validate_constraints=False)
                except ValidationError as error:
                    errors += _model_errors(error, labels)
                new_series[key] = series
                result.outcome = "new_indicator"
            if series.pk and (series.pk, period[1], period[2]) in lookups.stored:
                stored = lookups.stored[(series.pk, period[1], period[2])]
                if stored == value:
                    result.outcome = "unchanged"
                else:
                    errors.append((labels["value"],
                                   _("A different value (%(stored)s) is already stored for this "
                                     "period. Change it on the indicator's page, or leave the row "
                                     "out.") % {"stored": formatting.number(stored)}))  # fmt: skip
            result.outcome = result.outcome or "new"
        if not errors and result.outcome != "unchanged":
            if (level, place.pk) not in writers:
                writers[(level, place.pk)] = _writer_organisation(user, scene, municipality)
            candidate = IndicatorValue(
                period_start=period[1], period_end=period[2], value=value,
                note=raw["note"], source=(raw["source"] or series.source)[:300],
                entered_by=user, imported_from=filename[:200],
                organisation=writers[(level, place.pk)],
            )  # fmt: skip
            try:
                candidate.full_clean(
                    # (the related rows come from this check: no query per row for them)
                    exclude=["indicator", "entered_by", "organisation"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                errors += _model_errors(error, labels)
            result.value = candidate
        result.series = key
        if errors:
            result.outcome = ""
            result.value = None
        results.append(result)
    for result in results:
        if result.value is not None:
            result.value.indicator = lookups.series.get(result.series) or new_series[result.series]
    return results


def _model_errors(error: ValidationError, labels) -> list[tuple[str, str]]:
    names = {"period_start": "period", "period_end": "period", "name": "indicator"}
    out = []
    for name, messages_ in error.message_dict.items():
        column = labels.get(names.get(name, name), _("Row"))
        out += [(column, m) for m in messages_]
    return out


@transaction.atomic
def save_rows(user, rows: list[list], filename: str) -> tuple[list[RowResult], int]:
    """Check the rows again and, only when none has an error, save all new values (and the
    indicators they need). Returns the results and how many values were saved."""
    results = check_rows(user, rows, filename)
    if any(r.errors for r in results):
        return results, 0
    new = [r.value for r in results if r.value is not None]
    for indicator in {id(v.indicator): v.indicator for v in new}.values():
        if indicator.pk is None:
            indicator.save()
    for value in new:
        value.indicator_id = value.indicator.pk
    IndicatorValue.objects.bulk_create(new)
    return results, len(new)


# --- The check, in the worker -----------------------------------------------------------------


def check_job(job, content: bytes, progress) -> tuple[dict, list | None]:
    """The preview of an uploaded file, and its rows when they may be imported (run by
    `scenes.tasks.check_import`). Raises ImportFileError for a file that cannot be read and
    PermissionDenied when the uploader may no longer import."""
    if not permissions.can_import_indicators(job.user):
        raise PermissionDenied
    rows = read_table(content, COLUMNS)
    progress(40)
    results = check_rows(job.user, rows, job.filename)
    failed = [r for r in results if r.errors]
    new = [r for r in results if r.value is not None]
    preview = {
        "rows": [
            {"number": r.number, "cells": r.cells, "errors": [list(e) for e in r.errors],
             "outcome": r.outcome}
            for r in results
        ],
        "new_count": len(new),
        "unchanged_count": sum(1 for r in results if r.outcome == "unchanged"),
        "new_indicators": len({r.series for r in new if r.value.indicator.pk is None}),
        "error_count": len(failed),
    }  # fmt: skip
    return preview, (rows if not failed and new else None)


# --- Pages ----------------------------------------------------------------------------------


class IndicatorImportForm(uploads.UploadForm):
    max_rows = MAX_ROWS


def _render_import(request, form, *, job=None, results=None, confirm_error=""):
    context = {"form": form, "columns": COLUMNS, "confirm_error": confirm_error,
               "max_rows": MAX_ROWS, "job": job}  # fmt: skip
    if job is not None and job.is_checking:
        context["progress_url"] = reverse("scenes:indicator_import_progress", args=[job.pk])
    if job is not None and job.status == ImportJob.Status.FAILED:
        context["file_error"] = job.error
    if results is not None:
        failed = [r for r in results["rows"] if r["errors"]]
        context.update(
            results=results["rows"],
            new_count=results["new_count"],
            unchanged_count=results["unchanged_count"],
            new_indicators=results["new_indicators"],
            error_count=results["error_count"],
            summary=failed[:SUMMARY_LIMIT],
            summary_more=max(len(failed) - SUMMARY_LIMIT, 0),
            token=str(job.pk) if job is not None and import_jobs.confirmable(job) else None,
            filename=job.filename if job is not None else "",
        )
    return render(request, "scenes/indicator_import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_import(request):
    if not permissions.can_import_indicators(request.user):
        raise PermissionDenied
    if request.method == "GET":
        fmt = request.GET.get("template")
        if fmt in FORMATS:
            return table_response("indikatorer-mall", [c.label for c in COLUMNS], [], fmt)
        return _render_import(request, IndicatorImportForm())
    form = IndicatorImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_import(request, form)
    job = import_jobs.start(
        request.user,
        kind=ImportJob.Kind.INDICATORS,
        upload=form.cleaned_data["file"],
        file_type=form.file_type,
        content=form.content,
    )
    return redirect("scenes:indicator_import_job", job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_import_job(request, job):
    """An upload being checked (a progress bar), its preview, and the confirm."""
    job = permissions.get_import_for_user(request.user, job, ImportJob.Kind.INDICATORS)
    if request.method == "POST":
        return _confirm(request, job)
    if job.is_checking or job.status == ImportJob.Status.FAILED:
        return _render_import(request, IndicatorImportForm(), job=job)
    if job.results and not job.is_expired():
        return _render_import(request, IndicatorImportForm(), job=job, results=job.results)
    return _render_import(request, IndicatorImportForm(), confirm_error=_expired_message())


@login_required
@require_GET
def indicator_import_progress(request, job):
    job = permissions.get_import_for_user(request.user, job, ImportJob.Kind.INDICATORS)
    return import_jobs.progress_response(
        request,
        job,
        reverse("scenes:indicator_import_progress", args=[job.pk]),
        reverse("scenes:indicator_import_job", args=[job.pk]),
    )


def _expired_message() -> str:
    return _("The preview is no longer available or belongs to another upload. Nothing was "
             "imported. Upload the file again.")  # fmt: skip


def _confirm(request, job):
    try:
        with transaction.atomic():
            # The job's row orders two confirms of one import: the second finds it spent.
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if not import_jobs.confirmable(locked):
                return _render_import(
                    request, IndicatorImportForm(), confirm_error=_expired_message()
                )
            results, saved = save_rows(request.user, locked.rows, locked.filename)
            failed = any(r.errors for r in results)
            locked.rows = None
            locked.status = ImportJob.Status.SPENT if failed else ImportJob.Status.IMPORTED
            locked.confirmed_at = None if failed else timezone.now()
            if failed:
                locked.results = {
                    "rows": [
                        {"number": r.number, "cells": r.cells, "outcome": r.outcome,
                         "errors": [list(e) for e in r.errors]}
                        for r in results
                    ],
                    "new_count": 0, "unchanged_count": 0, "new_indicators": 0,
                    "error_count": sum(1 for r in results if r.errors),
                }  # fmt: skip
            else:
                locked.results = None
            locked.save(update_fields=["rows", "results", "status", "confirmed_at"])
    except IntegrityError:
        ImportJob.objects.filter(pk=job.pk).update(
            rows=None, results=None, status=ImportJob.Status.SPENT
        )
        messages.error(request, _("Nothing was imported: the values changed meanwhile. Upload "
                                  "the file again."))  # fmt: skip
        return redirect("scenes:indicator_import")
    if failed:
        messages.error(request, _("Nothing was imported: some rows are no longer valid. Correct "
                                  "the file and upload it again."))  # fmt: skip
        return _render_import(request, IndicatorImportForm(), job=locked, results=locked.results)
    messages.success(
        request,
        ngettext("%(count)d value was imported.", "%(count)d values were imported.", saved)
        % {"count": saved},
    )
    return redirect("scenes:indicator_list")


def _place(indicator) -> str:
    return indicator.place_name


@login_required
def indicator_list(request):
    """Every indicator the user sees, scene and municipality level, with filters."""
    from django.db.models import Count, Max, Min

    indicators = (
        Indicator.objects.visible_to(request.user)
        .select_related("scene", "municipality")
        .annotate(
            n_values=Count("values"),
            first=Min("values__period_start"),
            latest=Max("values__period_end"),
        )
        .order_by("name", "level", "scene__name", "municipality__name", "pk")
    )
    filterset = IndicatorFilterSet(request.GET or None, queryset=indicators, request=request)
    indicators = filterset.qs
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        seen: list[int] = []
        # The indicator list: one row per indicator, small; a direct download.
        response = table_response(
            "indikatorer",
            [_("Indicator"), _("Level"), _("Scene or municipality"), _("Unit"), _("Values per"),
             _("Lower is better"), _("Source"), _("Values"), _("From"), _("To")],
            (
                (i.name, i.get_level_display(), _place(i), i.unit, i.get_period_display(),
                 _("Yes") if i.lower_is_better else _("No"), i.source, i.n_values,
                 formatting.iso_date(i.first) if i.first else "",
                 formatting.iso_date(i.latest) if i.latest else "")
                for i in noting(indicators.iterator(chunk_size=500), seen)
            ),
            fmt,
        )  # fmt: skip
        record_read(request, "export", Indicator, seen)
        return response
    page = Paginator(indicators, PAGE_SIZE).get_page(request.GET.get("page"))
    record_read(request, "list", Indicator, [i.pk for i in page.object_list],
                scene_ids=[i.scene_id for i in page.object_list if i.scene_id])  # fmt: skip
    return render(
        request,
        "scenes/indicator_list.html",
        {
            "page": page,
            "form": filterset.form,
            "query": request.GET.urlencode(),
            "may_import": permissions.can_import_indicators(request.user),
            "may_create": permissions.municipality_indicator_choices(request.user).exists(),
        },
    )
