"""The åtgärdsplan (action plan) of a municipality: the SARA work decided from its lägesbild.

Lag (2023:196), 4 §: from the lägesbild the municipality decides which actions to take. The
plan lists, per scene and case, the problem and its goal, and each action: the chosen method
from the catalogue, the responsible organisation, its dates and status. It is a report kind
of its own (`Report.Kind.ATGARDSPLAN`), built by the same pipeline as a lägesbild: a frozen
snapshot (this module's `build_action_plan`, read with the requester's permissions), a PDF
(`render_html`, template `situation_reports/pdf/atgardsplan.html`) and an XLSX table of the
same rows (`rows`). The period selects the cases: those not closed before it began.

Snapshot (version 1)::

    {"version": 1, "kind": "atgardsplan", "title": str,
     "scope": {"kind": "municipality", "label": str, "scenes": int},
     "period": {"start": date, "end": date, "days": int},
     "requested_by": {"name": str, "organisation": str}, "generated_at": datetime,
     "cases": [{"title", "scene", "phase", "owner", "problem",
                "goal": {"indicator", "baseline", "target", "date"},
                "actions": [{"title", "method", "method_kind", "responsible", "status",
                             "start_on", "due_on", "completed_on", "overdue": bool}]}]}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ods_platform.lib import formatting as fmt
from sara.models import Action, Case, Phase
from scenes.filters import _day_start

from .snapshot import NothingToReport, SnapshotBuilder, _goal

VERSION = 1
TEMPLATE_NAME = "situation_reports/pdf/atgardsplan.html"
HEADERS = [
    "Scen",
    "Ärende (problem)",
    "Fas",
    "Mål",
    "Åtgärd",
    "Metod",
    "Ansvarig organisation",
    "Status",
    "Start",
    "Klar senast",
    "Genomförd",
    "Försenad",
]


def build_action_plan(report) -> dict:
    """The plan's frozen snapshot, as the requester may see it now."""
    base = SnapshotBuilder(report)
    with translation.override("sv"):
        scenes = base.scenes()
        if not scenes:
            raise NothingToReport
        ids = [s.pk for s in scenes]
        actions = (
            Action.objects.visible_to(base.user)
            .select_related("method", "responsible")
            .order_by("due_on", "pk")
        )
        cases = (
            Case.objects.visible_to(base.user)
            .filter(
                scene_id__in=ids,
                created_at__lt=_day_start(report.period_end + timedelta(days=1)),
            )
            .exclude(phase=Phase.CLOSED, updated_at__lt=_day_start(report.period_start))
            .select_related("scene", "owner")
            .prefetch_related(Prefetch("actions", queryset=actions))
            .order_by("scene__name", "title", "pk")
        )
        return {
            "version": VERSION,
            "kind": "atgardsplan",
            "title": report.title,
            "scope": {"kind": report.scope, "label": str(report.municipality), "scenes": len(ids)},
            "period": {
                "start": report.period_start.isoformat(),
                "end": report.period_end.isoformat(),
                "days": report.period_days,
            },
            "requested_by": base.requester(),
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "cases": [
                {
                    "title": c.title,
                    "scene": c.scene.name,
                    "phase": c.get_phase_display(),
                    "owner": str(c.owner),
                    "problem": c.problem_statement,
                    "goal": _goal(c),
                    "actions": [
                        {
                            "title": a.title,
                            "method": a.method.name if a.method_id else "",
                            "method_kind": a.method.get_kind_display() if a.method_id else "",
                            "responsible": str(a.responsible),
                            "status": a.get_status_display(),
                            "start_on": a.start_on.isoformat() if a.start_on else None,
                            "due_on": a.due_on.isoformat() if a.due_on else None,
                            "completed_on": a.completed_on.isoformat() if a.completed_on else None,
                            "overdue": a.is_overdue,
                        }
                        for a in c.actions.all()
                    ],
                }
                for c in cases
            ],
        }


def _goal_text(goal: Mapping[str, Any]) -> str:
    from .pdf import _goal as goal_text

    return goal_text(goal)


def rows(snapshot: Mapping[str, Any]) -> Iterator[list]:
    """The plan as table rows (HEADERS), one per action; a case without actions gets one."""
    for case in snapshot["cases"]:
        goal = _goal_text(case["goal"])
        first = [case["scene"], case["title"], case["phase"], goal]
        if not case["actions"]:
            yield [*first, "", "", "", "", "", "", "", ""]
        for a in case["actions"]:
            yield [
                *first,
                a["title"],
                a["method"],
                a["responsible"],
                a["status"],
                a["start_on"] or "",
                a["due_on"] or "",
                a["completed_on"] or "",
                "Ja" if a["overdue"] else "",
            ]


def render_html(snapshot: Mapping[str, Any]) -> str:
    from .pdf import GENERATOR, STATIC_BASE_URL, STYLESHEET

    cases = []
    for case in snapshot["cases"]:
        cases.append(
            {
                **case,
                "goal": _goal_text(case["goal"]),
                "actions": [
                    {
                        **a,
                        "start_on": fmt.date(a["start_on"]) if a["start_on"] else fmt.DASH,
                        "due_on": fmt.date(a["due_on"]) if a["due_on"] else fmt.DASH,
                        "completed_on": fmt.date(a["completed_on"])
                        if a["completed_on"]
                        else fmt.DASH,
                    }
                    for a in case["actions"]
                ],
            }
        )
    actions = [a for c in snapshot["cases"] for a in c["actions"]]
    by_org: dict[str, int] = {}
    for a in actions:
        by_org[a["responsible"]] = by_org.get(a["responsible"], 0) + 1
    with translation.override("sv"):
        return render_to_string(
            TEMPLATE_NAME,
            {
                "title": snapshot["title"],
                "stylesheet_url": STATIC_BASE_URL + STYLESHEET,
                "generator": GENERATOR,
                "created": snapshot["generated_at"],
                "municipality": snapshot["scope"]["label"],
                "scenes": fmt.count(snapshot["scope"]["scenes"], "scen", "scener"),
                "period": fmt.period(snapshot["period"]["start"], snapshot["period"]["end"]),
                "requested_by": snapshot["requested_by"],
                "generated_at": fmt.datetime(snapshot["generated_at"]),
                "cases": cases,
                "summary": {
                    "cases": fmt.count(len(cases), "ärende", "ärenden"),
                    "actions": fmt.count(len(actions), "åtgärd", "åtgärder"),
                    "overdue": fmt.integer(sum(1 for a in actions if a["overdue"])),
                },
                "by_organisation": [(name, fmt.integer(n)) for name, n in sorted(by_org.items())],
            },
        )
