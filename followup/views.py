"""The follow-up pages for STAD, the regional coordinators and a municipality's coordinators:
scenes and symptoms, SARA work, what worked, reporting completeness and indicators, each a
set of tables with a chart beside each, exportable one by one (CSV, XLSX) or all together
(an XLSX workbook with a sheet that explains every column).

Who sees which follow-up is decided in permissions.py; every figure comes from figures.py
with its small counts withheld.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audit.reads import record_read
from ods_platform.lib import suppression
from ods_platform.lib.export import FORMATS, table_response, workbook_response
from scenes.models import Scene

from . import permissions
from .figures import FollowUp, Scope
from .tables import column_rows

SECTIONS = {
    "scenes": (
        gettext_lazy("Scenes and symptoms"),
        gettext_lazy(
            "How many scenes there are and their status over time, by municipality and area "
            "type; which symptoms they show at their latest assessment, and which have not "
            "been assessed in six months."
        ),
        lambda f: f.scene_tables(),
    ),
    "sara": (
        gettext_lazy("SARA work"),
        gettext_lazy(
            "The cases by phase and the time they spend in each; the actions by the kind of "
            "organisation responsible and the kind of method, the share done on time and the "
            "output against its target."
        ),
        lambda f: f.sara_tables(),
    ),
    "methods": (
        gettext_lazy("What worked"),
        gettext_lazy(
            "Per method of the catalogue, the cases that used it and what their measured "
            "effect says; and every effect and displacement measurement stored with an "
            "assessment."
        ),
        lambda f: [f.what_worked(), f.effects()],
    ),
    "completeness": (
        gettext_lazy("Reporting completeness"),
        gettext_lazy(
            "How much each organisation logged week by week against its own usual level, so "
            "that gaps in the data are seen before the figures are read."
        ),
        lambda f: [f.completeness_summary(), f.completeness()],
    ),
    "indicators": (
        gettext_lazy("Indicators"),
        gettext_lazy("The figures from outside the platform and the periods they cover."),
        lambda f: [f.indicators()],
    ),
}


def scope_for(request) -> Scope:
    municipality, scenes = permissions.get_scope_for_user(
        request.user, request.GET.get("municipality")
    )
    ids = tuple(scenes.order_by("pk").values_list("pk", flat=True))
    return Scope(user=request.user, scene_ids=ids, municipality=municipality,
                 end=timezone.localdate())  # fmt: skip


@login_required
@require_GET
def section(request, name="scenes"):
    if name not in SECTIONS:
        raise Http404
    scope = scope_for(request)
    title, intro, build = SECTIONS[name]
    tables = build(FollowUp(scope))
    fmt = request.GET.get("format")
    record_read(
        request, "export" if fmt in FORMATS else "view", Scene, scope.scene_ids,
        scene_ids=scope.scene_ids,
    )  # fmt: skip
    filename = f"uppfoljning-{name}"
    if fmt in FORMATS:
        key = request.GET.get("table")
        if key:
            table = next((t for t in tables if t.key == key), None)
            if table is None:
                raise Http404
            # Follow-up tables are aggregates (a row per organisation, method or period): small;
            # direct downloads.
            return table_response(f"{filename}-{key}", table.headers(), table.export_rows(), fmt)
        if fmt != "xlsx":
            raise Http404
        return workbook_response(filename, workbook_sheets(tables))
    for table in tables:
        table.chart_json = table.chart_data()
        table.aria = table.aria_description() if table.chart_json else ""
    municipality_id = scope.municipality.pk if scope.municipality else ""
    return render(
        request,
        "followup/section.html",
        {
            "section": name,
            "title": title,
            "intro": intro,
            "tables": tables,
            "sections": [(key, label) for key, (label, _i, _b) in SECTIONS.items()],
            "scope": scope,
            "municipalities": permissions.municipality_choices(request.user),
            "county": permissions.may_follow_up_county(request.user),
            "municipality_id": municipality_id,
            "query": f"municipality={municipality_id}" if municipality_id else "",
            "legend": suppression.legend(),
            "scene_count": suppression.shown(len(scope.scene_ids)),
        },
    )


def workbook_sheets(tables) -> list[tuple[str, list, list]]:
    """One sheet per table, then a sheet that explains every column."""
    sheets = [(t.title, t.headers(), t.export_rows()) for t in tables]
    sheets.append(
        (_("Columns"), [_("Table"), _("Column"), _("What it holds")], column_rows(tables))
    )
    return sheets
