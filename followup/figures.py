"""The follow-up's figures, as tables: scenes, symptoms, SARA work, what worked, reporting
completeness, effect results and indicators, for the county or one municipality.

`FollowUp(scope)` reads each kind of row once (a fixed number of aggregate queries, however
many scenes, cases or observations there are) and builds `tables.Table`s whose every count has
gone through `ods_platform.lib.suppression`. The pages and the evaluation report use the same
methods: a page follows up "as of today" since the first data; the report covers its period
(`Scope.start`–`Scope.end`), with statuses and phases as they were at its end.

What is counted: scenes the scope covers (permissions.followup_scenes); their status history,
symptom assessments (latest by the end date), SARA cases, phase changes and actions, seen
through each model's `visible_to`; observations and action updates only where no organisation
keeps them to itself (`.shared()`). No free text is read: every query selects structured
columns only.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.models import Organisation
from ods_platform.lib import formatting, suppression
from ods_platform.lib.suppression import Shown, protect, protect_list, share_cell, statistic_cell
from sara import effect
from sara.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    Case,
    EffectEvaluation,
    Method,
    Phase,
    PhaseChange,
    Verdict,
)
from scenes.indicators import period_label
from scenes.models import (
    AreaType,
    Indicator,
    Observation,
    Scene,
    Status,
    StatusChange,
    Symptom,
    SymptomAssessment,
)

from .tables import Column, Table

MAX_QUARTERS = 40
MAX_WEEKS = 26
PAGE_WEEKS = 13
USUAL_WEEKS = 12
ASSESSMENT_FRESH_DAYS = 183


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), _zone())


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), _zone())


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    index = start.year * 12 + start.month - 1 + 3
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def quarter_label(start: date) -> str:
    return period_label("quarter", start, quarter_end(start))


@dataclass(frozen=True)
class Scope:
    """What a follow-up covers: the user's scenes (of a municipality or the county) and a
    period (`start` None: since the first data), as of `end`."""

    user: object
    scene_ids: tuple[int, ...]
    municipality: Organisation | None
    end: date
    start: date | None = None

    @property
    def label(self) -> str:
        return str(self.municipality) if self.municipality else _("Stockholm County")


def _counts(rows: list[list[int]], **kwargs):
    return protect(rows, **kwargs)


class FollowUp:
    """The figures of one scope. Each query runs once, when a table first needs it."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.user = scope.user
        self.ids = list(scope.scene_ids)

    # -- rows read once -------------------------------------------------------------------

    @cached_property
    def scenes(self) -> list[dict]:
        return list(
            Scene.objects.filter(pk__in=self.ids)
            .order_by("name", "pk")
            .values(
                "pk", "name", "municipality_id", "municipality__name", "area_type", "status",
                "identified_on", "closed_on",
            )
        )  # fmt: skip

    @cached_property
    def status_history(self) -> dict[int, list[tuple[date, str]]]:
        history: dict[int, list[tuple[date, str]]] = defaultdict(list)
        rows = (
            StatusChange.objects.visible_to(self.user)
            .filter(scene_id__in=self.ids)
            .order_by("scene_id", "changed_at", "pk")
            .values_list("scene_id", "changed_at", "status")
        )
        for scene_id, changed_at, status in rows:
            history[scene_id].append((timezone.localtime(changed_at, _zone()).date(), status))
        return history

    def status_at(self, scene: dict, day: date) -> str | None:
        """The scene's status at the end of `day`, from its history; before its first
        recorded change it counts with its first recorded status; None before it was
        identified."""
        if scene["identified_on"] > day:
            return None
        history = self.status_history.get(scene["pk"], [])
        status = history[0][1] if history else scene["status"]
        for changed, value in history:
            if changed > day:
                break
            status = value
        return status

    # -- scenes ---------------------------------------------------------------------------

    def quarters(self) -> list[date]:
        end = self.scope.end
        if self.scope.start is not None:
            first = quarter_start(self.scope.start)
        elif self.scenes:
            first = quarter_start(min(s["identified_on"] for s in self.scenes))
        else:
            first = quarter_start(end)
        starts = []
        current = quarter_start(end)
        while current >= first and len(starts) < MAX_QUARTERS:
            starts.append(current)
            current = quarter_start(current - timedelta(days=1))
        return list(reversed(starts))

    def _status_columns(self, first: str, first_help: str, total_help: str) -> list[Column]:
        return [
            Column(first, first_help, numeric=False),
            *[
                Column(str(label), _("Scenes with the status %(status)s.") % {"status": label})
                for _value, label in Status.choices
            ],
            Column(_("Scenes"), total_help),
        ]

    def status_by_quarter(self) -> Table:
        quarters = self.quarters()
        counts = []
        for start in quarters:
            end = min(quarter_end(start), self.scope.end)
            tally = Counter(self.status_at(s, end) for s in self.scenes)
            counts.append([tally.get(value, 0) for value in Status.values])
        protected = _counts(counts, row_totals=True)
        rows = [
            [quarter_label(start), *cells, total]
            for start, cells, total in zip(quarters, protected.cells, protected.row_totals,
                                           strict=True)
        ]  # fmt: skip
        notes = []
        if len(quarters) == MAX_QUARTERS:
            notes.append(_("Only the latest %(n)d quarters are shown.") % {"n": MAX_QUARTERS})
        return Table(
            key="status_by_quarter",
            title=_("Scenes by status, per quarter"),
            description=_(
                "How many scenes had each status at the end of each quarter, from the status "
                "history (before a scene's first recorded change, its first recorded status)."
            ),
            columns=self._status_columns(
                _("Quarter"),
                _(
                    "The calendar quarter; a scene counts with its status on the quarter's last "
                    "day (or the follow-up's end date)."
                ),
                _("Scenes identified by the end of the quarter."),
            ),
            rows=rows,
            chart={
                "series": list(range(1, len(Status.values) + 1)),
                "stacked": True,
                "lines": [len(Status.values) + 1],
            },
            notes=notes,
        )

    def _status_by(self, key: str, labels: dict, title: str, first: str, first_help: str,
                   description: str) -> Table:  # fmt: skip
        groups: dict[str, Counter] = {}
        for scene in self.scenes:
            status = self.status_at(scene, self.scope.end)
            if status is None:
                continue
            groups.setdefault(labels[scene[key]], Counter())[status] += 1
        names = sorted(groups)
        counts = [[groups[n].get(v, 0) for v in Status.values] for n in names]
        protected = _counts(counts, row_totals=True, column_totals=True)
        rows = [
            [name, *cells, total]
            for name, cells, total in zip(names, protected.cells, protected.row_totals,
                                          strict=True)
        ]  # fmt: skip
        footer = [_("Total"), *protected.column_totals, protected.grand_total] if names else None
        return Table(
            key=f"status_by_{key.removesuffix('_id')}",
            title=title,
            description=description,
            columns=self._status_columns(first, first_help, _("Scenes in all.")),
            rows=rows,
            footer=footer,
            chart={"series": list(range(1, len(Status.values) + 1)), "stacked": True},
        )

    def status_by_municipality(self) -> Table:
        names = {s["municipality_id"]: s["municipality__name"] for s in self.scenes}
        return self._status_by(
            "municipality_id", names,
            _("Scenes by municipality and status"), _("Municipality"),
            _("The municipality the scene lies in."),
            _("The scenes' status on the follow-up's end date, by municipality."),
        )  # fmt: skip

    def status_by_area_type(self) -> Table:
        return self._status_by(
            "area_type", {v: str(label) for v, label in AreaType.choices},
            _("Scenes by area type and status"), _("Area type"),
            _("Suburb, city centre or vulnerable area."),
            _("The scenes' status on the follow-up's end date, by area type."),
        )  # fmt: skip

    def opened_closed(self) -> Table:
        quarters = self.quarters()
        counts = []
        for start in quarters:
            end = quarter_end(start)
            opened = sum(1 for s in self.scenes if start <= s["identified_on"] <= end)
            closed = sum(
                1 for s in self.scenes if s["closed_on"] and start <= s["closed_on"] <= end
            )
            counts.append([opened, closed])
        protected = _counts(counts, row_totals=False)
        rows = [
            [quarter_label(q), *cells] for q, cells in zip(quarters, protected.cells, strict=True)
        ]
        return Table(
            key="opened_closed",
            title=_("Scenes identified and closed, per quarter"),
            description=_("Scenes first identified and scenes closed down in each quarter."),
            columns=[
                Column(_("Quarter"), _("The calendar quarter."), numeric=False),
                Column(
                    _("Identified"), _("Scenes whose first identification falls in the quarter.")
                ),
                Column(_("Closed"), _("Scenes closed down in the quarter.")),
            ],
            rows=rows,
            chart={"series": [1, 2], "stacked": False},
        )

    @cached_property
    def latest_assessments(self) -> dict[int, tuple[date, list[str]]]:
        rows = (
            SymptomAssessment.objects.visible_to(self.user)
            .filter(scene_id__in=self.ids, assessed_on__lte=self.scope.end)
            .order_by("scene_id", "-assessed_on", "-pk")
            .distinct("scene_id")
            .values_list("scene_id", "assessed_on", "symptoms")
        )
        return {scene_id: (day, symptoms) for scene_id, day, symptoms in rows}

    def _existing(self) -> list[dict]:
        return [s for s in self.scenes if s["identified_on"] <= self.scope.end]

    def symptoms(self) -> Table:
        assessed = [self.latest_assessments[s["pk"]] for s in self._existing()
                    if s["pk"] in self.latest_assessments]  # fmt: skip
        whole = len(assessed)
        counts = [sum(1 for _d, found in assessed if value in found) for value in Symptom.values]
        cells, _total = protect_list(counts, total=False)
        whole_shown = suppression.shown(whole)
        rows = [
            [str(label), cell, share_cell(cell, whole_shown)]
            for (_v, label), cell in zip(Symptom.choices, cells, strict=True)
        ]
        return Table(
            key="symptoms",
            title=_("Symptoms at the latest assessment"),
            description=_(
                "For each of the seven symptoms: the scenes where it was present at their "
                "latest symptom assessment by the end date, and their share of the scenes "
                "assessed (%(n)s)."
            )
            % {"n": whole_shown.text},
            columns=[
                Column(
                    _("Symptom"),
                    _("One of the seven symptoms of an open drug scene."),
                    numeric=False,
                ),
                Column(
                    _("Scenes"), _("Scenes where the symptom was present at the latest assessment.")
                ),
                Column(_("Share"), _("Of the scenes with an assessment.")),
            ],
            rows=rows,
            chart={"series": [2], "percent": True},
        )

    def assessment_age(self) -> Table:
        fresh_from = self.scope.end - timedelta(days=ASSESSMENT_FRESH_DAYS)
        fresh = stale = never = 0
        for scene in self._existing():
            found = self.latest_assessments.get(scene["pk"])
            if found is None:
                never += 1
            elif found[0] >= fresh_from:
                fresh += 1
            else:
                stale += 1
        cells, total = protect_list([fresh, stale, never])
        labels = [
            _("Assessed in the last 6 months"),
            _("Last assessed more than 6 months ago"),
            _("Never assessed"),
        ]
        return Table(
            key="assessment_age",
            title=_("Symptom assessments: how recent"),
            description=_(
                "Scenes by the date of their latest symptom assessment, counted back from the "
                "end date; a scene without an assessment in 6 months is not followed up."
            ),
            columns=[
                Column(
                    _("Latest assessment"), _("When the scene was last assessed."), numeric=False
                ),
                Column(_("Scenes"), _("Scenes whose latest assessment is of this age.")),
            ],
            rows=[[label, cell] for label, cell in zip(labels, cells, strict=True)],
            footer=[_("Total"), total],
            chart={"series": [1]},
        )

    # -- SARA -----------------------------------------------------------------------------

    @cached_property
    def cases(self) -> list[tuple[int, datetime]]:
        rows = Case.objects.visible_to(self.user).filter(
            scene_id__in=self.ids, created_at__lt=_end_of(self.scope.end)
        )
        return list(rows.values_list("pk", "created_at"))

    @cached_property
    def phase_history(self) -> dict[int, list[tuple[datetime, str]]]:
        history: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        rows = (
            PhaseChange.objects.visible_to(self.user)
            .filter(case__scene_id__in=self.ids, changed_at__lt=_end_of(self.scope.end))
            .order_by("case_id", "changed_at", "pk")
            .values_list("case_id", "changed_at", "to_phase")
        )
        for case_id, changed_at, phase in rows:
            history[case_id].append((changed_at, phase))
        return history

    def phases(self) -> Table:
        until = min(_end_of(self.scope.end), timezone.now())
        now: Counter = Counter()
        ongoing: dict[str, list[float]] = defaultdict(list)
        ended: dict[str, list[float]] = defaultdict(list)
        for case_id, _created in self.cases:
            changes = self.phase_history.get(case_id, [])
            if not changes:
                continue
            for (start, phase), (following, _next) in pairwise(changes):
                ended[phase].append((following - start).total_seconds() / 86400)
            start, phase = changes[-1]
            now[phase] += 1
            if phase != Phase.CLOSED:
                ongoing[phase].append((until - start).total_seconds() / 86400)
        phases = list(Phase.values)
        now_cells, now_total = protect_list([now.get(p, 0) for p in phases])
        ended_cells, _t = protect_list([len(ended[p]) for p in phases], total=False)

        def median(values):
            return statistics.median(values) if values else None

        def days(value):
            return formatting.number(value, decimals=0)

        rows = []
        for index, phase in enumerate(phases):
            rows.append([
                str(Phase(phase).label),
                now_cells[index],
                statistic_cell(len(ongoing[phase]), median(ongoing[phase]), days),
                ended_cells[index],
                statistic_cell(len(ended[phase]), median(ended[phase]), days),
            ])  # fmt: skip
        return Table(
            key="phases",
            title=_("SARA cases by phase, and time in each phase"),
            description=_(
                "Cases in each phase at the end date, and how long cases stay in a phase: the "
                "median number of days, for the cases in it now (so far) and for those that "
                "have left it."
            ),
            columns=[
                Column(
                    _("Phase"),
                    _("Scanning, Analysis, Response, Assessment or Closed."),
                    numeric=False,
                ),
                Column(_("Cases now"), _("Cases in the phase at the end date.")),
                Column(
                    _("Median days so far"),
                    _(
                        "For the cases in the phase now: the median "
                        "number of days since they entered it."
                    ),
                ),
                Column(_("Cases that left it"), _("Stays in the phase that have ended.")),
                Column(
                    _("Median days in it"),
                    _("For the stays that have ended: the median number of days they lasted."),
                ),
            ],
            rows=rows,
            footer=[_("Total"), now_total, "", "", ""],
            chart={"series": [1]},
        )

    def _actions(self):
        """The actions begun by the end date (their start date, else the day they were
        added), of cases not closed before the period began."""
        end = self.scope.end
        rows = Action.objects.visible_to(self.user).filter(
            Q(start_on__lte=end) | Q(start_on__isnull=True, created_at__lt=_end_of(end)),
            case__scene_id__in=self.ids,
        )
        if self.scope.start is not None:
            rows = rows.exclude(
                case__phase=Phase.CLOSED, case__updated_at__lt=_start_of(self.scope.start)
            )
        return rows.order_by()

    @cached_property
    def action_counts(self) -> list[tuple]:
        """(organisation kind, method kind, status, done with due date, done on time, with an
        output target, target reached, n), one aggregate query."""
        return list(
            self._actions()
            .values_list("responsible__kind", "method__kind", "status")
            .annotate(
                n=Count("pk"),
                done_due=Count(
                    "pk",
                    filter=Q(
                        status=ActionStatus.DONE, due_on__isnull=False, completed_on__isnull=False
                    ),
                ),
                on_time=Count(
                    "pk", filter=Q(status=ActionStatus.DONE, completed_on__lte=F("due_on"))
                ),
                with_target=Count("pk", filter=Q(output_target__isnull=False)),
                reached=Count(
                    "pk",
                    filter=Q(output_target__isnull=False, output_achieved__gte=F("output_target")),
                ),
            )
        )

    def _status_table(self, key, title, description, first, first_help, labels, index) -> Table:
        groups: dict[str, Counter] = {}
        for row in self.action_counts:
            groups.setdefault(labels(row[index]), Counter())[row[2]] += row[3]
        names = sorted(groups)
        statuses = list(ActionStatus.values)
        protected = _counts([[groups[n].get(s, 0) for s in statuses] for n in names],
                            row_totals=True, column_totals=True)  # fmt: skip
        rows = [[n, *cells, total] for n, cells, total in
                zip(names, protected.cells, protected.row_totals, strict=True)]  # fmt: skip
        return Table(
            key=key,
            title=title,
            description=description,
            columns=[
                Column(first, first_help, numeric=False),
                *[
                    Column(str(label), _("Actions with the status %(s)s.") % {"s": label})
                    for _v, label in ActionStatus.choices
                ],
                Column(_("Actions"), _("Actions in all.")),
            ],
            rows=rows,
            footer=[_("Total"), *protected.column_totals, protected.grand_total] if names else None,
            chart={"series": list(range(1, len(statuses) + 1)), "stacked": True},
        )

    def actions_by_organisation_kind(self) -> Table:
        kinds = dict(Organisation.Kind.choices)
        return self._status_table(
            "actions_by_organisation_kind", _("Actions by kind of organisation and status"),
            _("The SARA cases' actions by the kind of organisation responsible for them."),
            _("Kind of organisation"), _("Municipality, police, region, … (the responsible one)."),
            lambda v: str(kinds.get(v, v)), 0,
        )  # fmt: skip

    def actions_by_method_kind(self) -> Table:
        kinds = {None: _("No method from the catalogue"), **dict(Method.Kind.choices)}
        return self._status_table(
            "actions_by_method_kind", _("Actions by kind of method and status"),
            _("The actions by the kind of the catalogue method they use."),
            _("Kind of method"), _("Situational or social prevention."),
            lambda v: str(kinds.get(v, v)), 1,
        )  # fmt: skip

    def on_time_and_output(self) -> Table:
        kinds = dict(Organisation.Kind.choices)
        groups: dict[str, list[int]] = {}
        for row in self.action_counts:
            tally = groups.setdefault(str(kinds.get(row[0], row[0])), [0, 0, 0, 0])
            for i, value in enumerate(row[4:8]):
                tally[i] += value
        names = sorted(groups)
        protected = _counts([groups[n] for n in names], row_totals=False, column_totals=True)

        def row_of(label, cells):
            done, on_time, with_target, reached = cells
            return [label, done, on_time, share_cell(on_time, done), with_target, reached,
                    share_cell(reached, with_target)]  # fmt: skip

        rows = [row_of(n, cells) for n, cells in zip(names, protected.cells, strict=True)]
        return Table(
            key="on_time_and_output",
            title=_("Actions done on time, and output against target"),
            description=_(
                "Of the actions done that had a due date, those done by it; of the actions "
                "with an output target (patrol hours, talks, …), those that reached it."
            ),
            columns=[
                Column(
                    _("Kind of organisation"),
                    _("The responsible organisation's kind."),
                    numeric=False,
                ),
                Column(_("Done, with a due date"), _("Actions done that had a due date.")),
                Column(_("Done on time"), _("Of those, done on or before the due date.")),
                Column(_("Share on time"), _("Done on time, of those done with a due date.")),
                Column(_("With an output target"), _("Actions with an output target.")),
                Column(_("Target reached"), _("Of those, the output reached the target.")),
                Column(_("Share reached"), _("Target reached, of those with a target.")),
            ],
            rows=rows,
            footer=row_of(_("Total"), protected.column_totals) if names else None,
            chart={"series": [3, 6], "percent": True},
        )

    # -- what worked and effects ----------------------------------------------------------

    def _scope_cases(self):
        return Case.objects.visible_to(self.user).filter(
            scene_id__in=self.ids, created_at__lt=_end_of(self.scope.end)
        )

    def what_worked(self) -> Table:
        outcomes = effect.what_worked(self._scope_cases())
        methods = {
            m.pk: m for m in Method.objects.filter(pk__in=list(outcomes)).only("name", "kind")
        }
        ordered = sorted(outcomes.values(), key=lambda o: (-o.used, methods[o.method_id].name))
        verdicts = [[o.decrease, o.unclear, o.increase, o.not_computable] for o in ordered]
        protected = _counts(verdicts, row_totals=True)
        rows = []
        for o, cells, measured in zip(ordered, protected.cells, protected.row_totals, strict=True):
            method = methods[o.method_id]
            rows.append([method.name, method.get_kind_display(), suppression.shown(o.used),
                         measured, *cells])  # fmt: skip
        return Table(
            key="what_worked",
            title=_("What worked, per method"),
            description=_(
                "For each method of the catalogue: the cases that used it (an action with the "
                "method, not cancelled), those where the effect was measured, and what the "
                "latest measurement said. %(not_causal)s"
            )
            % {"not_causal": effect.NOT_CAUSAL},
            columns=[
                Column(_("Method"), _("The method from the catalogue."), numeric=False),
                Column(_("Kind"), _("Situational or social prevention."), numeric=False),
                Column(_("Cases that used it"), _("Cases with an action using the method.")),
                Column(_("Effect measured"), _("Of those, cases with a measured effect.")),
                Column(
                    _("Decrease"),
                    str(Verdict.DECREASE.label)
                    + _(": the weighted displacement difference's interval below zero."),
                ),
                Column(_("No clear change"), str(Verdict.UNCLEAR.label) + "."),
                Column(_("Increase"), str(Verdict.INCREASE.label) + "."),
                Column(_("Not computable"), _("Too few events, or a division by zero.")),
            ],
            rows=rows,
            chart={"series": [2, 3]},
            note=str(effect.NOT_CAUSAL),
        )

    def effects(self) -> Table:
        rows_q = EffectEvaluation.objects.visible_to(self.user).filter(
            case__scene_id__in=self.ids, assessment__assessed_on__lte=self.scope.end
        )
        if self.scope.start is not None:
            rows_q = rows_q.filter(assessment__assessed_on__gte=self.scope.start)
        evaluations = list(
            rows_q.select_related("case__scene", "assessment").order_by(
                "-assessment__assessed_on", "case__title", "pk"
            )[:200]
        )
        rows = []
        for e in evaluations:
            presented = effect.present(e.counts, e.results)
            counts = [suppression.shown(e.counts.get(n)) for n in effect.NAMES]
            values = {m["key"]: m["value"] if not m["warning"] else "–" for m in
                      presented["measures"]}  # fmt: skip
            interval = formatting.DASH
            if e.results.get("ci_low") is not None:
                interval = (f"{formatting.number(e.results['ci_low'])} – "
                            f"{formatting.number(e.results['ci_high'])}")  # fmt: skip
            rows.append([
                e.case.title, e.case.scene.name, formatting.iso_date(e.assessment.assessed_on),
                formatting.period(e.before_start, e.before_end),
                formatting.period(e.after_start, e.after_end),
                *counts, values["ge"], values["ne"], values["wdq"], values["tne"],
                values["wdd"], interval, e.get_verdict_display(),
            ])  # fmt: skip
        count_help = {
            "Rb": _("Response area, before."), "Ra": _("Response area, after."),
            "Db": _("Buffer, before."), "Da": _("Buffer, after."),
            "Cb": _("Control area, before."), "Ca": _("Control area, after."),
            "CDb": _("Control area's buffer, before."), "CDa": _("Control area's buffer, after."),
        }  # fmt: skip
        return Table(
            key="effects",
            title=_("Effect and displacement of the cases assessed"),
            description=_(
                "Every effect measurement stored with an assessment in the period: the eight "
                "counts and the measures computed from them (a dash where too few events or "
                "a division by zero leave a measure without a number)."
            ),
            columns=[
                Column(_("Case"), _("The SARA case's title."), numeric=False),
                Column(_("Scene"), _("The case's scene."), numeric=False),
                Column(_("Assessed"), _("The assessment's date."), numeric=False),
                Column(_("Before"), _("The period before."), numeric=False),
                Column(_("After"), _("The period after."), numeric=False),
                *[Column(n, count_help[n]) for n in effect.NAMES],
                Column("GE", _("Gross effect, Rb − Ra."), numeric=False),
                Column("NE", _("Net effect, Rb/Cb − Ra/Ca."), numeric=False),
                Column("WDQ", _("Weighted displacement quotient."), numeric=False),
                Column("TNE", _("Total net effect."), numeric=False),
                Column("WDD", _("Weighted displacement difference."), numeric=False),
                Column(
                    _("Confidence interval"),
                    _("WDD ± 1.96 standard errors (95 per cent)."),
                    numeric=False,
                ),
                Column(_("Verdict"), _("What the interval says."), numeric=False),
            ],
            rows=rows,
            note=str(effect.CAVEAT),
        )

    # -- reporting completeness -----------------------------------------------------------

    def weeks(self) -> list[date]:
        """The ISO weeks shown (Mondays): the period's, or the latest 13 whole weeks; at most
        26, the latest."""
        end = self.scope.end
        last_monday = end - timedelta(days=end.weekday())
        if self.scope.start is None:
            if end - last_monday < timedelta(days=6):  # the current week is not over
                last_monday -= timedelta(days=7)
            first = last_monday - timedelta(weeks=PAGE_WEEKS - 1)
        else:
            first = self.scope.start - timedelta(days=self.scope.start.weekday())
        weeks = []
        current = last_monday
        while current >= first and len(weeks) < MAX_WEEKS:
            weeks.append(current)
            current -= timedelta(weeks=1)
        return list(reversed(weeks))

    @cached_property
    def logged(self) -> dict[str, dict[date, int]]:
        """Per organisation and week: observations (by when they happened) and action
        updates (by when they were written), two aggregate queries."""
        weeks = self.weeks()
        if not weeks:
            return {}
        start = weeks[0] - timedelta(weeks=USUAL_WEEKS)
        end = weeks[-1] + timedelta(days=7)
        zone = _zone()
        found: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        observations = (
            Observation.objects.visible_to(self.user).shared().counted()
            .filter(scene_id__in=self.ids, occurred_at__gte=_start_of(start),
                    occurred_at__lt=_start_of(end))
            .annotate(week=TruncWeek("occurred_at", tzinfo=zone))
            .order_by()
            .values_list("organisation__name", "week")
            .annotate(n=Count("pk"))
        )  # fmt: skip
        updates = (
            ActionUpdate.objects.visible_to(self.user).shared()
            .filter(action__case__scene_id__in=self.ids, written_at__gte=_start_of(start),
                    written_at__lt=_start_of(end), organisation__isnull=False)
            .annotate(week=TruncWeek("written_at", tzinfo=zone))
            .order_by()
            .values_list("organisation__name", "week")
            .annotate(n=Count("pk"))
        )  # fmt: skip
        for rows in (observations, updates):
            for name, week, n in rows:
                found[name][timezone.localtime(week, zone).date() if isinstance(week, datetime)
                            else week] += n  # fmt: skip
        return found

    def _completeness_rows(self):
        """(organisation, weekly counts, usual level, weeks below half of it)."""
        weeks = self.weeks()
        out = []
        for name in sorted(self.logged):
            per_week = self.logged[name]
            before = [per_week.get(weeks[0] - timedelta(weeks=k), 0)
                      for k in range(1, USUAL_WEEKS + 1)]  # fmt: skip
            usual = statistics.median(before)
            counts = [per_week.get(w, 0) for w in weeks]
            if not any(counts) and not any(before):
                continue
            low = [
                _week_label(w)
                for w, n in zip(weeks, counts, strict=True)
                if usual >= suppression.threshold() and n < usual / 2
            ]
            out.append((name, counts, usual, low))
        return out

    def _completeness_description(self) -> str:
        return _(
            "Observations (by the week they happened) and action updates (by the week they "
            "were written) each organisation logged, against its own usual level: the median "
            "of the %(n)d weeks before. Weeks below half of it point to gaps in the data, to "
            "look into before the figures are read."
        ) % {"n": USUAL_WEEKS}

    def _usual_column(self) -> list[Column]:
        return [
            Column(_("Usual per week"), _("The median of the %(n)d weeks before the first week "
                                          "shown.") % {"n": USUAL_WEEKS}),
            Column(_("Weeks below half the usual"),
                   _("Weeks with less than half the usual level (only where the usual level is "
                     "at least %(min)d).") % {"min": suppression.threshold()}, numeric=False),
        ]  # fmt: skip

    def completeness_summary(self) -> Table:
        found = self._completeness_rows()
        totals, _t = protect_list([sum(counts) for _n, counts, _u, _l in found], total=False)
        rows = [
            [name, total, suppression.shown(round(usual)), ", ".join(low) or formatting.DASH]
            for (name, _c, usual, low), total in zip(found, totals, strict=True)
        ]
        weeks = self.weeks()
        return Table(
            key="completeness_summary",
            title=_("Reporting completeness per organisation"),
            description=self._completeness_description(),
            columns=[
                Column(_("Organisation"), _("The organisation that logged."), numeric=False),
                Column(
                    _("Logged"),
                    _("Observations and action updates in the %(n)d weeks shown.")
                    % {"n": len(weeks)},
                ),
                *self._usual_column(),
            ],
            rows=rows,
        )

    def completeness(self) -> Table:
        weeks = self.weeks()
        rows = []
        for name, counts, usual, low in self._completeness_rows():
            cells, _t = protect_list(counts, total=False)
            rows.append([
                name, *cells, suppression.shown(round(usual)), ", ".join(low) or formatting.DASH,
            ])  # fmt: skip
        return Table(
            key="completeness",
            title=_("Reporting completeness per organisation and week"),
            description=self._completeness_description(),
            columns=[
                Column(_("Organisation"), _("The organisation that logged."), numeric=False),
                *[
                    Column(
                        _week_label(w),
                        _("Observations and action updates, week of %(day)s.")
                        % {"day": formatting.date(w)},
                    )
                    for w in weeks
                ],
                *self._usual_column(),
            ],
            rows=rows,
        )

    # -- indicators -----------------------------------------------------------------------

    def indicators(self) -> Table:
        from django.db.models import Max, Min

        municipalities = {s["municipality_id"] for s in self.scenes}
        rows_q = (
            Indicator.objects.visible_to(self.user)
            .filter(Q(scene_id__in=self.ids) | Q(municipality_id__in=municipalities))
            .select_related("scene", "municipality")
            .annotate(n=Count("values"), first=Min("values__period_start"),
                      last=Max("values__period_end"))
            .order_by("name", "level", "scene__name", "municipality__name")[:500]
        )  # fmt: skip
        rows = [
            [i.name, i.get_level_display(), i.place_name, i.unit, i.get_period_display(),
             i.source, _("Yes") if i.lower_is_better else _("No"), suppression.shown(i.n),
             formatting.iso_date(i.first) if i.first else formatting.DASH,
             formatting.iso_date(i.last) if i.last else formatting.DASH]
            for i in rows_q
        ]  # fmt: skip
        return Table(
            key="indicators",
            title=_("Indicators"),
            description=_(
                "The figures from outside the platform for these scenes and their "
                "municipalities, with their sources and the periods they cover."
            ),
            columns=[
                Column(_("Indicator"), _("The indicator's name."), numeric=False),
                Column(_("Level"), _("A scene's or a municipality's figure."), numeric=False),
                Column(_("Scene or municipality"), _("Whose figure it is."), numeric=False),
                Column(_("Unit"), _("The unit of its values."), numeric=False),
                Column(_("Values per"), _("Month, quarter or year."), numeric=False),
                Column(_("Source"), _("Where the figures come from."), numeric=False),
                Column(_("Lower is better"), _("Whether a lower value is better."), numeric=False),
                Column(_("Periods"), _("Periods with a value.")),
                Column(_("From"), _("The first period's first day."), numeric=False),
                Column(_("To"), _("The last period's last day."), numeric=False),
            ],
            rows=rows,
        )

    # -- sections -------------------------------------------------------------------------

    def scene_tables(self) -> list[Table]:
        return [self.status_by_quarter(), self.status_by_municipality(),
                self.status_by_area_type(), self.opened_closed(), self.symptoms(),
                self.assessment_age()]  # fmt: skip

    def sara_tables(self) -> list[Table]:
        return [self.phases(), self.actions_by_organisation_kind(),
                self.actions_by_method_kind(), self.on_time_and_output()]  # fmt: skip


def _week_label(monday: date) -> str:
    iso = monday.isocalendar()
    return _("w. %(week)d %(year)d") % {"week": iso.week, "year": iso.year}


def shown_cells(table: Table) -> list[Shown]:
    """Every count cell of a table (for checks that nothing small is shown)."""
    cells = [c for row in table.rows for c in row if isinstance(c, Shown)]
    return cells + [c for c in (table.footer or []) if isinstance(c, Shown)]
