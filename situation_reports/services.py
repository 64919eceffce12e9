"""Asking for a lägesbild, and handing it to the workers.

`request_report` is the one way a report comes to exist (the page, the API and the
subscriptions all use it): it checks what the requester may ask for, creates the queued row
with the scenes it covers in the caller's transaction, and publishes the build task once that
transaction commits. Publishing never blocks the user: it fails fast when the broker is down,
and the row simply stays queued until the beat task `republish_stuck_reports` hands it out.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Kind, Report, ReportSubscription, Scope
from .permissions import evaluation_scenes, may_request_evaluation, report_scenes

logger = logging.getLogger(__name__)

# The longest period one report may cover (two years and a day for a leap year).
MAX_PERIOD_DAYS = 731


TITLES = {Kind.LAGESBILD: "Lägesbild", Kind.ATGARDSPLAN: "Åtgärdsplan",
          Kind.EVALUATION: "Utvärderingsrapport"}  # fmt: skip


def report_title(label: str, start: date, end: date, kind: str = Kind.LAGESBILD) -> str:
    return f"{TITLES[kind]} {label} {start:%Y-%m-%d} – {end:%Y-%m-%d}"


def validate_period(start: date, end: date) -> None:
    today = timezone.localdate()
    if start > end:
        raise ValidationError(_("The period must start before it ends."), code="order")
    if start > today:
        raise ValidationError(_("The period cannot start in the future."), code="future")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(
            _("A report covers at most %(days)d days.") % {"days": MAX_PERIOD_DAYS},
            code="too_long",
        )


def request_report(
    user,
    *,
    scope: str,
    start: date,
    end: date,
    scene=None,
    municipality=None,
    subscription: ReportSubscription | None = None,
    kind: str = Kind.LAGESBILD,
    schedule_key: str | None = None,
) -> Report:
    """Create a queued report and publish its build once the transaction commits.

    Raises ValidationError when the period is wrong or the user may not ask for this scope
    (the page shows it; the API answers 400). The scene and municipality are only looked at
    for their own scope."""
    validate_period(start, end)
    if kind not in (Kind.LAGESBILD, Kind.ATGARDSPLAN, Kind.EVALUATION):
        raise ValidationError(_("Choose a kind of report."), code="kind")
    if kind == Kind.ATGARDSPLAN and scope != Scope.MUNICIPALITY:
        raise ValidationError(_("An action plan is made for a municipality."), code="kind")
    if kind == Kind.EVALUATION and scope == Scope.SCENE:
        raise ValidationError(
            _("An evaluation report covers the county or a municipality."), code="kind"
        )
    if kind == Kind.EVALUATION and not may_request_evaluation(user):
        raise ValidationError(
            _("Evaluation reports are ordered by STAD, the regional coordinators and a "
              "municipality's coordinators."),
            code="kind",
        )  # fmt: skip
    scene_id = scene.pk if scope == Scope.SCENE and scene is not None else None
    municipality_id = (
        municipality.pk if scope == Scope.MUNICIPALITY and municipality is not None else None
    )
    found = (
        evaluation_scenes(user, scope, municipality_id)
        if kind == Kind.EVALUATION
        else report_scenes(user, scope, scene_id, municipality_id)
    )
    scenes = list(found.select_related("municipality"))
    if scope == Scope.SCENE and not scenes:
        raise ValidationError(_("Choose a scene you may see."), code="scene")
    if scope == Scope.MUNICIPALITY and municipality_id is None:
        raise ValidationError(_("Choose a municipality."), code="municipality")
    if scope == Scope.MUNICIPALITY and not scenes:
        raise ValidationError(
            _("There is no scene you may see in that municipality."), code="municipality"
        )
    if scope == Scope.COUNTY and not scenes:
        raise ValidationError(
            _("Only county-wide roles may ask for a report on the whole county."), code="county"
        )
    if scope == Scope.SCENE:
        label = scenes[0].name
    elif scope == Scope.MUNICIPALITY:
        label = str(municipality)
    else:
        label = "Stockholms län"
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind,
            scope=scope,
            scene=scenes[0] if scope == Scope.SCENE else None,
            municipality=municipality if scope == Scope.MUNICIPALITY else None,
            period_start=start,
            period_end=end,
            title=report_title(label, start, end, kind),
            requested_by=user,
            subscription=subscription,
            schedule_key=schedule_key,
        )
        report.scenes.set(scenes)
        queue_build(report)
    return report


def again(report: Report, user) -> Report:
    """A new report with the same scope and period (a stored report never changes)."""
    return request_report(
        user,
        scope=report.scope,
        start=report.period_start,
        end=report.period_end,
        scene=report.scene,
        municipality=report.municipality,
        kind=report.kind,
    )


def publish(report_id: int) -> bool:
    """Hand the build to the workers now; False (logged) when the broker cannot be reached."""
    from .tasks import build_report

    try:
        # One quick retry on a fresh connection: a pooled one may predate a broker restart.
        build_report.apply_async(
            (report_id,),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0},
        )
    except Exception:
        logger.warning(
            "Could not queue report %s; the sweeper will hand it out later.",
            report_id,
            exc_info=True,
        )
        return False
    Report.objects.filter(
        pk=report_id, status__in=[Report.Status.QUEUED, Report.Status.RUNNING]
    ).update(published_at=timezone.now())
    return True


def queue_build(report: Report) -> None:
    """Publish the build when the current transaction commits (at once outside one)."""
    report_id = report.pk
    transaction.on_commit(lambda: publish(report_id))


# -- subscriptions ----------------------------------------------------------------------------


def period_ending_before(frequency: str, today: date) -> tuple[date, date]:
    """The last whole week (Monday–Sunday) or calendar month before today."""
    if frequency == "weekly":
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end
