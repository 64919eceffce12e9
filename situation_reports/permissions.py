"""Who may see and ask for which lägesbild.

One rule for seeing a report: the user may see every scene it covers (`Report.scenes`), and
its scope: a municipality's report is for county-wide roles and that municipality's own
staff, the county's report for county-wide roles only. A report is built from aggregates
and the texts that define the work (scene, sub-place and case descriptions); it never holds
free text notes nor rows kept to one organisation (the snapshot counts `shared()` rows
only), so everyone who may see all of its scenes may read it; someone who has lost sight of
one of its scenes no longer sees the report.

Asking for a report: a scene report by anyone who sees the scene; a municipality report by
county-wide roles and the municipality's staff; the county report by county-wide roles. An
evaluation report (the follow-up for STAD) follows the follow-up's rule instead: the county's
by STAD and the regional coordinators, a municipality's by them and its coordinators, who
alone of the municipality's staff see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

from actors.permissions import is_county_wide, memberships_of, organisation_ids
from followup.permissions import followup_municipality_ids, followup_scenes, may_follow_up
from followup.permissions import may_follow_up_county as may_evaluate_county
from followup.permissions import municipality_choices as evaluation_municipality_choices
from ods_platform.lib.access import get_visible_or_404
from scenes.permissions import SceneChildQuerySet, visible_scene_ids

if TYPE_CHECKING:
    from .models import Report


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ids = visible_scene_ids(user)
        if ids is None:
            return self
        from scenes.models import Scene

        in_scope = Q(scope="scene") | Q(
            scope="municipality", municipality_id__in=organisation_ids(user)
        )
        # An evaluation report is read by those who follow its municipality up (the rule in
        # followup/permissions.py): its coordinators, not all of its staff.
        followed = followup_municipality_ids(user) or frozenset()
        evaluation = Q(kind="evaluation") & ~Q(municipality_id__in=sorted(followed))
        return (
            self.filter(in_scope)
            .exclude(evaluation)
            .exclude(scenes__in=Scene.objects.exclude(pk__in=ids))
        )


class SubscriptionQuerySet(SceneChildQuerySet):
    """A scene's report subscriptions are visible exactly when the scene is."""


def municipality_choices(user: Any) -> Any:
    """The municipalities the user may ask a municipality-wide report for."""
    from actors.models import Organisation

    municipalities = Organisation.objects.filter(kind=Organisation.Kind.KOMMUN, is_active=True)
    if is_county_wide(user):
        return municipalities
    own = [m.organisation_id for m in memberships_of(user)]
    return municipalities.filter(pk__in=own)


def may_request_county(user: Any) -> bool:
    return is_county_wide(user)


def report_scenes(user: Any, scope: str, scene_id: Any = None, municipality_id: Any = None) -> Any:
    """The scenes a report of this scope may cover for this user: those they may see, within
    the scope they may ask for. Used when a report is asked for and again when it is built."""
    from scenes.models import Scene

    scenes = Scene.objects.visible_to(user)
    if scope == "scene":
        return scenes.filter(pk=scene_id)
    if scope == "municipality":
        if not municipality_choices(user).filter(pk=municipality_id).exists():
            return scenes.none()
        return scenes.filter(municipality_id=municipality_id)
    if scope == "county" and may_request_county(user):
        return scenes
    return scenes.none()


def may_request_evaluation(user: Any) -> bool:
    """Evaluation reports are ordered by those who follow up (followup/permissions.py)."""
    return may_follow_up(user)


def evaluation_scenes(user: Any, scope: str, municipality_id: Any = None) -> Any:
    """The scenes an evaluation report of this scope may cover for this user: the follow-up's
    own rule (the county for STAD and regional coordinators, a municipality for its
    coordinators)."""
    from scenes.models import Scene

    if scope == "county" and may_evaluate_county(user):
        return followup_scenes(user)
    if (
        scope == "municipality"
        and municipality_id is not None
        and evaluation_municipality_choices(user).filter(pk=municipality_id).exists()
    ):
        return followup_scenes(user, municipality_id)
    return Scene.objects.none()


def may_subscribe(user: Any, scene: Any) -> bool:
    """Coordinators of the scene's team (and regional coordinators) order recurring reports."""
    from scenes.permissions import can_edit_scene

    return can_edit_scene(user, scene)


def get_report_for_user(user: Any, pk: Any) -> Report:
    from .models import Report

    # The snapshot (up to a few hundred kB of JSON) is never shown on a page: the progress
    # box reads this every second while a report is built.
    return get_visible_or_404(
        Report.objects.select_related("scene", "municipality", "requested_by").defer("snapshot"),
        user,
        pk,
    )


def get_subscription_for_user(user: Any, pk: Any) -> Any:
    from .models import ReportSubscription

    return get_visible_or_404(ReportSubscription.objects.select_related("scene"), user, pk)
