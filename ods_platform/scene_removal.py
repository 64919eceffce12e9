"""Removing a scene created by mistake: what goes with it, what keeps it, and the verb.

It spans the apps (a scene's SARA cases, reports and effect measurements keep it), so it
lives here rather than in scenes, which knows nothing of the apps built on it
(ods_platform/tests/test_layers.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.events import record_event
from scenes.models import Scene, SceneTeam


@dataclass
class Removal:
    """What removing a scene takes with it (`goes`), and what stops it (`blocks`): each a list
    of (what, how many), only those with a count; `counts` is `goes` by a fixed key (for the
    audit trail, in no language)."""

    goes: list[tuple[str, int]]
    blocks: list[tuple[str, int]]
    counts: dict[str, int]

    @property
    def allowed(self) -> bool:
        return not self.blocks


def removal_of(scene: Scene) -> Removal:
    """Count what goes with the scene and what protects it (a fixed number of queries).

    Its own lägesbilder go with it; SARA cases (the work of a team, kept for the follow-up),
    reports of a municipality or the county that cover it (stored records that never change),
    and effect measurements of other cases that use it or its indicators as a control keep it:
    such a scene can only be archived."""
    from sara.models import Case, EffectEvaluation
    from scenes.models import (
        Indicator,
        IndicatorValue,
        Landmark,
        Place,
        StatusChange,
        SymptomAssessment,
    )
    from situation_reports.models import Report

    own_reports = Report.objects.filter(scope="scene", scene=scene)
    goes = [
        ("observations", _("observations"), scene.observations.count()),
        ("places", _("sub-places"), Place.objects.filter(scene=scene).count()),
        ("landmarks", _("landmarks"), Landmark.objects.filter(scene=scene).count()),
        (
            "symptom_assessments",
            _("symptom assessments"),
            SymptomAssessment.objects.filter(scene=scene).count(),
        ),
        ("indicators", _("indicators"), Indicator.objects.filter(scene=scene).count()),
        (
            "indicator_values",
            _("indicator values"),
            IndicatorValue.objects.filter(indicator__scene=scene).count(),
        ),
        (
            "status_changes",
            _("entries of the status history"),
            StatusChange.objects.filter(scene=scene).count(),
        ),
        ("team", _("team organisations"), SceneTeam.objects.filter(scene=scene).count()),
        ("reports", _("situation reports of the scene"), own_reports.count()),
        ("subscriptions", _("report subscriptions"), scene.subscriptions.count()),
    ]
    blocks = [
        (_("SARA cases"), Case.objects.filter(scene=scene).count()),
        (
            _("situation reports of a municipality or the county that cover the scene"),
            Report.objects.filter(scenes=scene).exclude(pk__in=own_reports.values("pk")).count(),
        ),
        (
            _("effect measurements of other cases that use the scene as a control"),
            EffectEvaluation.objects.exclude(case__scene=scene)
            .filter(
                Q(control_scene=scene)
                | Q(indicator__scene=scene)
                | Q(control_indicator__scene=scene)
            )
            .count(),
        ),
    ]
    return Removal(
        goes=[(label, n) for _key, label, n in goes if n],
        blocks=[b for b in blocks if b[1]],
        counts={key: n for key, _label, n in goes if n},
    )


class RemovalRefused(Exception):
    """The scene cannot be removed: `reasons` says what keeps it."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def delete_scene(scene: Scene, *, by) -> dict[str, int]:
    """Remove a scene created by mistake, with everything on it (see `removal_of`), recorded
    in the audit trail with what went with it (the rows themselves are recorded by the
    database's triggers). RemovalRefused when something keeps it; nothing changes then."""
    from django.db.models import ProtectedError, RestrictedError

    from situation_reports.models import Report, report_storage

    try:
        with transaction.atomic():
            locked = Scene.objects.select_for_update().get(pk=scene.pk)
            removal = removal_of(locked)
            if not removal.allowed:
                raise RemovalRefused([f"{n} {label}" for label, n in removal.blocks])
            reports = Report.objects.filter(scope="scene", scene=locked)
            files = [name for name in reports.values_list("file", flat=True) if name]
            reports.delete()
            record_event(
                "scene_deleted",
                user=by,
                object_type="scenes.scene",
                object_id=locked.pk,
                name=locked.name,
                municipality=locked.municipality_id,
                removed=removal.counts,
            )
            locked.delete()
            transaction.on_commit(lambda: [report_storage().delete(f) for f in files])
    except (ProtectedError, RestrictedError) as protected:
        kinds = sorted({str(o._meta.verbose_name_plural) for o in protected.args[1]})
        raise RemovalRefused(
            [_("other data refers to it (%(kinds)s)") % {"kinds": ", ".join(kinds)}]
        ) from protected
    return removal.counts
