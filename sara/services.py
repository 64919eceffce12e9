"""SARA workflows: every way in (pages, API, demo loader) calls these verbs.

The phase rules live here once. Moving forward needs what the phase is for: a problem
statement before Analysis, an analysis entry before Response, an action before Assessment and
an assessment before Closed. Moving back one phase is allowed with a reason. A blocked move
says what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenes.permissions import writing_organisation

from .models import (
    PHASE_ORDER,
    Action,
    ActionStatus,
    ActionUpdate,
    Analysis,
    Assessment,
    Case,
    EffectEvaluation,
    Phase,
    PhaseChange,
)
from .notifications import queue_assignment_notification
from .permissions import overdue_condition


class TransitionBlocked(Exception):
    """A phase move that is not allowed; the message says why, for the user."""


def _requirement(case: Case, to_phase: str) -> str | None:
    """What is missing before the case may enter `to_phase` going forward, or None."""
    if to_phase == Phase.ANALYSIS and not case.problem_statement.strip():
        return _("Write the problem statement before moving on to Analysis.")
    if to_phase == Phase.RESPONSE and not case.analyses.exists():
        return _("Add at least one analysis entry before moving on to Response.")
    if to_phase == Phase.ASSESSMENT and not case.actions.exists():
        return _("Add at least one action before moving on to Assessment.")
    if to_phase == Phase.CLOSED and not case.assessments.exists():
        return _("Write an assessment before closing the case.")
    return None


def next_phase(case: Case) -> str | None:
    index = PHASE_ORDER.index(case.phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def previous_phase(case: Case) -> str | None:
    index = PHASE_ORDER.index(case.phase)
    return PHASE_ORDER[index - 1] if index > 0 else None


def blocked_reason(case: Case) -> str | None:
    """Why the case cannot move forward now, or None when it can."""
    target = next_phase(case)
    return _("The case is closed.") if target is None else _requirement(case, target)


def _writer(by, case: Case, *prefer):
    """The organisation a note on the case is written for (see scenes.permissions)."""
    return writing_organisation(by, case.scene, prefer=(*prefer, case.owner_id))


@transaction.atomic
def open_case(*, by, scene, owner, title, **fields) -> Case:
    case = Case(scene=scene, owner=owner, title=title, created_by=by, **fields)
    case.full_clean()
    case.save()
    PhaseChange.objects.create(
        case=case, to_phase=case.phase, changed_by=by, organisation=_writer(by, case)
    )
    return case


@transaction.atomic
def move_phase(case: Case, to_phase: str, *, by, comment: str = "") -> Case:
    """Move one phase forward (if its requirement is met) or back (with a reason)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_phase == next_phase(case):
        missing = _requirement(case, to_phase)
        if missing:
            raise TransitionBlocked(missing)
    elif to_phase == previous_phase(case):
        if not comment.strip():
            raise TransitionBlocked(_("Give a reason for going back a phase."))
    else:
        raise TransitionBlocked(_("A case moves one phase at a time."))
    PhaseChange.objects.create(
        case=case,
        from_phase=case.phase,
        to_phase=to_phase,
        changed_by=by,
        comment=comment,
        organisation=_writer(by, case),
    )
    case.phase = to_phase
    case.save(update_fields=["phase", "updated_at"])
    return case


@transaction.atomic
def link_observations(case: Case, observations) -> int:
    """Link observations (already limited to what the user may see) at the case's scene to
    the case as showing the problem. Returns how many were newly linked."""
    ids = set(observations.filter(scene_id=case.scene_id).values_list("pk", flat=True))
    new = ids - set(case.observations.values_list("pk", flat=True))
    case.observations.add(*new)
    return len(new)


@transaction.atomic
def add_analysis(case: Case, *, by, **fields) -> Analysis:
    """Add an analysis entry (a finding for one area, maybe one sub-place) to the case."""
    analysis = Analysis(case=case, created_by=by, organisation=_writer(by, case), **fields)
    analysis.full_clean()
    analysis.save()
    return analysis


@transaction.atomic
def add_action(case: Case, *, by, notify: bool = True, **fields) -> Action:
    """Add an action to the case; the responsible organisation's coordinators and the
    assignee are e-mailed once the transaction commits (unless `notify` is off)."""
    action = Action(case=case, created_by=by, organisation=_writer(by, case), **fields)
    action.full_clean()
    action.save()
    if notify:
        queue_assignment_notification(action)
    return action


@transaction.atomic
def change_action(action: Action, *, by, **fields) -> Action:
    """Change an action's fields; when its responsible organisation or assignee changed, the
    new ones are e-mailed once the transaction commits."""
    current = Action.objects.select_for_update().get(pk=action.pk)
    before = (current.responsible_id, current.assignee_id)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if (current.responsible_id, current.assignee_id) != before:
        queue_assignment_notification(current)
    return current


@transaction.atomic
def post_action_update(
    action: Action,
    *,
    by,
    text: str = "",
    status: str = "",
    output_achieved=None,
    restricted: bool = False,
) -> ActionUpdate:
    """Record progress on an action; a status or output given updates the action too. A
    `restricted` update is kept to the organisation it is written for."""
    action = Action.objects.select_for_update().select_related("case__scene").get(pk=action.pk)
    update = ActionUpdate(
        action=action,
        written_by=by,
        text=text,
        status=status if status and status != action.status else "",
        output_achieved=output_achieved,
        organisation=_writer(by, action.case, action.responsible_id),
        restricted=restricted,
    )
    update.full_clean()
    update.save()
    changed = ["updated_at"]
    if update.status:
        action.status = update.status
        changed.append("status")
        if update.status == ActionStatus.DONE and action.completed_on is None:
            action.completed_on = timezone.localdate()
            changed.append("completed_on")
    if output_achieved is not None:
        action.output_achieved = output_achieved
        changed.append("output_achieved")
    action.save(update_fields=changed)
    return update


@dataclass(frozen=True)
class ProcessFigures:
    """Were the actions carried out as planned: counts by status, overdue, output."""

    by_status: dict[str, int]
    total: int
    overdue: int
    with_output_target: int
    output_target_met: int


def process_figures(case: Case) -> ProcessFigures:
    """The assessment's process figures, in one query."""
    today = timezone.localdate()
    row = case.actions.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue_condition(today)),
        with_target=Count("pk", filter=Q(output_target__isnull=False)),
        met=Count(
            "pk",
            filter=Q(output_target__isnull=False, output_achieved__gte=F("output_target")),
        ),
        **{f"s_{s}": Count("pk", filter=Q(status=s)) for s in ActionStatus.values},
    )
    return ProcessFigures(
        by_status={s: row[f"s_{s}"] for s in ActionStatus.values},
        total=row["total"],
        overdue=row["overdue"],
        with_output_target=row["with_target"],
        output_target_met=row["met"],
    )


@dataclass(frozen=True)
class GoalFigures:
    """The goal's measure before the case opened and since.

    Measured by the case's indicator when it has one (the latest value for a period that
    ended before the case opened, and the latest since), else by counting observations in the
    `days` before opening and the latest `days`."""

    indicator: object  # the Indicator, or None for observations
    days: int
    before_start: object
    opened: object
    before: object  # a number, or None when the indicator has no value yet
    after: object


def goal_figures(case: Case, observations, days: int = 90) -> GoalFigures:
    """`observations` is already limited to what the user may see; so is the indicator,
    which hangs on the case's scene."""
    opened = case.created_at
    before_start = opened - timedelta(days=days)
    if case.goal_measure_id:
        values = case.goal_measure.values.all()
        before = values.filter(period_end__lt=timezone.localdate(opened)).first()
        after = values.filter(period_start__gte=timezone.localdate(opened)).first()
        return GoalFigures(
            case.goal_measure, days, before_start, opened,
            before.value if before else None, after.value if after else None,
        )  # fmt: skip
    now = timezone.now()
    after_start = max(opened, now - timedelta(days=days))
    # Both windows bound the rows in WHERE too, so the scene-and-time index limits what is
    # read (with the bounds only in FILTER every observation of the scene was counted
    # through: a parallel sequential scan at 10 M, bench/README.md). Duplicates count nowhere.
    observations = observations.counted().filter(
        scene_id=case.scene_id,
        occurred_at__gte=min(before_start, after_start),
        occurred_at__lte=now,
    )
    place_ids = [p.pk for p in case.places.all()]
    if place_ids:
        observations = observations.filter(place_id__in=place_ids)
    row = observations.aggregate(
        before=Count("pk", filter=Q(occurred_at__gte=before_start, occurred_at__lt=opened)),
        after=Count("pk", filter=Q(occurred_at__gte=after_start, occurred_at__lte=now)),
    )
    return GoalFigures(None, days, before_start, opened, row["before"], row["after"])


@transaction.atomic
def record_assessment(case: Case, *, by, effect_setup=None, **fields) -> Assessment:
    """Write an assessment of the case, keeping the process and goal figures as they are now
    (the goal counted from the observations the assessor may see), and, when `effect_setup`
    (an `effect.Setup`) is given, the effect and displacement measured as the assessor may see
    the data now, stored with it."""
    from scenes.models import Observation

    process = process_figures(case)
    goal = goal_figures(case, Observation.objects.visible_to(by))
    assessment = Assessment(
        case=case,
        created_by=by,
        organisation=_writer(by, case),
        figures={
            "process": process.__dict__,
            "goal": {
                "measure": str(goal.indicator) if goal.indicator else "observations",
                "days": goal.days,
                "before": None if goal.before is None else str(goal.before),
                "after": None if goal.after is None else str(goal.after),
            },
        },
        **fields,
    )
    assessment.full_clean()
    assessment.save()
    if effect_setup is not None:
        record_effect(assessment, effect_setup, by=by)
    return assessment


def record_effect(assessment: Assessment, setup, *, by) -> EffectEvaluation:
    """Count and compute the effect and displacement for an assessment and store it with it
    (the counts are made again here, never taken from a form)."""
    from dataclasses import asdict

    from .effect import evaluate

    if setup.scene.pk != assessment.case.scene_id:
        raise ValueError("the effect is measured at the case's own scene")
    evaluation = evaluate(setup, by)
    row = EffectEvaluation(
        assessment=assessment,
        case=assessment.case,
        counts=asdict(evaluation.counts),
        results=evaluation.results.as_dict(),
        verdict=evaluation.verdict,
        **setup.fields(),
    )
    row.full_clean()
    row.save()
    return row
