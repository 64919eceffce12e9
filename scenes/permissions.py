"""Who sees and changes which scene, and everything that hangs on a scene.

One rule: a user sees a scene when their role is county-wide (regional coordinator, STAD
evaluator) or when an organisation they belong to is on the scene's team. Team membership
is recorded as django-guardian grants to the organisation's group (direct-FK table
`SceneGroupObjectPermission`), so a list's visibility is one indexed lookup of the visible
scene ids, never a scan of the observation table. Everything hanging on a scene (sub-places,
observations, team, status history, symptom assessments) is visible exactly when the scene is.

What a user may change on a visible scene depends on their role in a team organisation:
coordinators edit the scene and its team; case officers and analysts log observations;
viewers and evaluators only read. Regional coordinators may do all of it on every scene.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models

from actors.permissions import (
    COORDINATOR_ROLES,
    is_county_wide,
    is_regional_coordinator,
    memberships_of,
)
from ods_platform.lib.access import get_visible_or_404

if TYPE_CHECKING:
    from actors.models import Membership

    from .models import Scene

VIEW_SCENE = "view_scene"
# Roles that may log observations at a scene their organisation works.
LOGGING_ROLES = frozenset({"coordinator", "case_officer", "analyst"})
# The grants an organisation's group holds while it is on a scene's team.
TEAM_PERMISSIONS = ("view_scene", "log_observation")


def visible_scene_ids(user):
    """The ids of the scenes the user may see, as a subquery; None means every scene."""
    from .models import SceneGroupObjectPermission

    if is_county_wide(user):
        return None
    groups = [m.organisation.group_id for m in memberships_of(user)]
    return SceneGroupObjectPermission.objects.filter(
        group_id__in=groups, permission__codename=VIEW_SCENE
    ).values("content_object_id")


class SceneQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ids = visible_scene_ids(user)
        return self if ids is None else self.filter(pk__in=ids)


class SceneChildQuerySet(models.QuerySet):
    """For models that hang on a scene: visible exactly when their scene is.

    `scene_lookup` is the path from the model to the scene's id; models further down (a SARA
    case's actions, say) subclass with a longer path and keep the same rule."""

    scene_lookup = "scene_id"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ids = visible_scene_ids(user)
        return self if ids is None else self.filter(**{f"{self.scene_lookup}__in": ids})


class IndicatorValueQuerySet(SceneChildQuerySet):
    scene_lookup = "indicator__scene_id"


def team_memberships(user, scene: Scene) -> list[Membership]:
    """The user's memberships in organisations on the scene's team."""
    team = {t.organisation_id for t in scene.team.all()}
    return [m for m in memberships_of(user) if m.organisation_id in team]


def can_edit_scene(user, scene: Scene) -> bool:
    if is_regional_coordinator(user):
        return True
    return any(m.role in COORDINATOR_ROLES for m in team_memberships(user, scene))


def logging_memberships(user, scene: Scene) -> list[Membership]:
    """The memberships under which the user may log observations at the scene."""
    if is_regional_coordinator(user):
        own = team_memberships(user, scene)
        return own or [m for m in memberships_of(user) if m.role == "regional_coordinator"]
    return [m for m in team_memberships(user, scene) if m.role in LOGGING_ROLES]


def logging_organisation(user, scene: Scene, chosen_id: int | None = None):
    """The organisation an observation at the scene is logged for: the chosen one if the user
    may log for it there, else their first; None when they may not log for it."""
    for m in logging_memberships(user, scene):
        if chosen_id is None or m.organisation_id == chosen_id:
            return m.organisation
    return None


def can_log_observation(user, scene: Scene) -> bool:
    return bool(logging_memberships(user, scene))


def may_log_anywhere(user) -> bool:
    """Whether the user may log observations at some scene (for the menu); one query."""
    if is_regional_coordinator(user):
        return True
    orgs = [m.organisation_id for m in memberships_of(user) if m.role in LOGGING_ROLES]
    if not orgs:
        return False
    cached = getattr(user, "_ods_may_log", None)
    if cached is None:
        from .models import SceneTeam

        cached = SceneTeam.objects.filter(organisation_id__in=orgs).exists()
        user._ods_may_log = cached
    return cached


def creatable_municipality_ids(user) -> set[int] | None:
    """Municipalities the user may create scenes in; None means all of them."""
    if is_regional_coordinator(user):
        return None
    return {
        m.organisation_id
        for m in memberships_of(user)
        if m.role == "coordinator" and m.organisation.kind == "kommun"
    }


def can_create_scene(user) -> bool:
    ids = creatable_municipality_ids(user)
    return ids is None or bool(ids)


def get_scene_for_user(user, pk, *, edit=False, log=False) -> Scene:
    """The scene if the user may see it (else 404) and do what is asked (else 403)."""
    from .models import Scene

    scene = get_visible_or_404(Scene.objects.prefetch_related("team"), user, pk)
    if edit and not can_edit_scene(user, scene):
        raise PermissionDenied
    if log and not can_log_observation(user, scene):
        raise PermissionDenied
    return scene


def get_place_for_user(user, pk, *, edit=False):
    from .models import Place

    place = get_visible_or_404(Place.objects.select_related("scene"), user, pk)
    if edit and not can_edit_scene(user, place.scene):
        raise PermissionDenied
    return place


def get_landmark_for_user(user, pk, *, edit=False):
    from .models import Landmark

    landmark = get_visible_or_404(Landmark.objects.select_related("scene"), user, pk)
    if edit and not can_edit_scene(user, landmark.scene):
        raise PermissionDenied
    return landmark


def get_observation_for_user(user, pk):
    from .models import Observation

    return get_visible_or_404(
        Observation.objects.select_related("scene", "place", "organisation", "reported_by"),
        user,
        pk,
    )


def get_indicator_for_user(user, pk):
    from .models import Indicator

    return get_visible_or_404(
        Indicator.objects.select_related("scene").prefetch_related("scene__team"), user, pk
    )
