"""Who sees and does what in SARA work.

Visibility follows the scene: a case, its analyses, actions, updates and assessments are
visible exactly when the case's scene is (the rule in scenes/permissions.py, reached through
each model's path to its scene). What a user may do:

- coordinators of the case's owner organisation, and regional coordinators, create and edit
  cases, move phases and assign actions to any organisation on the scene's team;
- staff of an action's responsible organisation (not viewers or evaluators) post updates on
  it, but cannot edit the case or other organisations' actions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from actors.permissions import COORDINATOR_ROLES, is_regional_coordinator, memberships_of
from ods_platform.lib.access import get_visible_or_404
from scenes.permissions import PrivateSceneChildQuerySet, SceneChildQuerySet, team_memberships

if TYPE_CHECKING:
    from scenes.models import Scene

    from .models import Action, Case

# Roles that work on actions their organisation is responsible for.
ACTION_ROLES = frozenset({"coordinator", "case_officer", "analyst"})


class MethodQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Self:
        """The catalogue is shared knowledge: every signed-in user reads all of it."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.all()


def managed_organisation_ids(user: Any) -> list[int]:
    """The organisations whose cases the user manages (as their coordinator)."""
    return [m.organisation_id for m in memberships_of(user) if m.role in COORDINATOR_ROLES]


class CaseQuerySet(SceneChildQuerySet):
    scene_lookup = "scene_id"

    # The visible scene ids read first and given as a list: for a viewer of one scene the
    # planner then reads the index (scene, -updated_at, -id) in the lists' order and stops
    # after a page, where the subquery made it fetch and sort every case of the scene
    # (1,000,000 cases, 4 % seen: 3.8 x the unfiltered list; bench/permission_bench.py).
    scene_ids_as_list = True

    def manageable_by(self, user: Any) -> Any:
        """Visible cases the user may edit, move and add to (`can_manage_case` as a set)."""
        if is_regional_coordinator(user):
            return self.visible_to(user)
        return self.visible_to(user).filter(owner_id__in=managed_organisation_ids(user))


class CaseChildQuerySet(SceneChildQuerySet):
    scene_lookup = "case__scene_id"


class PhaseChangeQuerySet(PrivateSceneChildQuerySet):
    scene_lookup = "case__scene_id"
    text_fields = ("comment",)
    logged_lookup = "changed_at"


class AnalysisQuerySet(PrivateSceneChildQuerySet):
    """Analysis entries; the finding is free text, the controllers (who handles, guards,
    manages) name the roles around the problem and are shown with the entry."""

    scene_lookup = "case__scene_id"
    text_fields = ("finding",)
    keepable = True


class AssessmentQuerySet(PrivateSceneChildQuerySet):
    scene_lookup = "case__scene_id"
    text_fields = ("process", "effect", "conclusion")


class ActionUpdateQuerySet(PrivateSceneChildQuerySet):
    scene_lookup = "action__case__scene_id"
    text_fields = ("text",)
    logged_lookup = "written_at"
    keepable = True


def open_condition(via: str = "") -> Q:
    """An action that is still to be done (planned or ongoing); `via` is the path to the
    action from the model queried ("actions__" from a case)."""
    from .models import OPEN_STATUSES

    return Q(**{f"{via}status__in": OPEN_STATUSES})


def overdue_condition(today: date, via: str = "") -> Q:
    """An open action whose due date has passed: the one definition of "overdue"."""
    return open_condition(via) & Q(**{f"{via}due_on__lt": today})


def due_within_condition(today: date, days: int, via: str = "") -> Q:
    """An open action due from today up to `days` days ahead (not yet overdue)."""
    return open_condition(via) & Q(**{f"{via}due_on__range": (today, today + timedelta(days=days))})


def responsible_organisation_ids(user: Any) -> list[int]:
    """The organisations whose actions the user works on (with a role that does)."""
    return [m.organisation_id for m in memberships_of(user) if m.role in ACTION_ROLES]


class ActionQuerySet(PrivateSceneChildQuerySet):
    scene_lookup = "case__scene_id"
    text_fields = ("description",)

    def open(self) -> Self:
        return self.filter(open_condition())

    def overdue(self, today: date) -> Any:
        return self.filter(overdue_condition(today))

    def due_within(self, today: date, days: int) -> Any:
        """Open actions due from today up to `days` days ahead (not yet overdue)."""
        return self.filter(due_within_condition(today, days))

    def responsible_of(self, user: Any) -> Any:
        """Visible actions whose responsible organisation the user works on actions for."""
        return self.visible_to(user).filter(responsible_id__in=responsible_organisation_ids(user))

    def on_desk_of(self, user: Any) -> Any:
        """The user's actions ("Mina åtgärder"): those of the organisations they work on
        actions for, and those assigned to them, among the actions they may see."""
        mine = Q(responsible_id__in=responsible_organisation_ids(user))
        if getattr(user, "is_authenticated", False):
            mine |= Q(assignee_id=user.pk)
        return self.visible_to(user).filter(mine)

    def updatable_by(self, user: Any) -> Any:
        """Visible actions the user may post updates on: those of the cases they manage and
        those of the organisations they work on actions for."""
        if is_regional_coordinator(user):
            return self.visible_to(user)
        return self.visible_to(user).filter(
            Q(case__owner_id__in=managed_organisation_ids(user))
            | Q(responsible_id__in=responsible_organisation_ids(user))
        )


class ActionChildQuerySet(SceneChildQuerySet):
    scene_lookup = "action__case__scene_id"


def works_on_actions(user: Any) -> bool:
    """Whether the user has a role that works on their organisation's actions (the menu)."""
    return any(m.role in ACTION_ROLES for m in memberships_of(user))


def can_edit_methods(user: Any) -> bool:
    return is_regional_coordinator(user)


def can_create_case(user: Any, scene: Scene) -> bool:
    return bool(case_owner_choices(user, scene))


def case_owner_choices(user: Any, scene: Scene) -> list[int]:
    """Team organisations the user may open a case for: those they coordinate."""
    if is_regional_coordinator(user):
        return [t.organisation_id for t in scene.team.all()]
    return [m.organisation_id for m in team_memberships(user, scene) if m.role in COORDINATOR_ROLES]


def can_manage_case(user: Any, case: Case) -> bool:
    return is_regional_coordinator(user) or case.owner_id in managed_organisation_ids(user)


def can_update_action(user: Any, action: Action) -> bool:
    return can_manage_case(
        user, action.case
    ) or action.responsible_id in responsible_organisation_ids(user)


def get_case_for_user(user: Any, pk: Any, *, manage: bool = False) -> Case:
    """The case if the user may see it (else 404) and manage it when asked (else 403)."""
    from .models import Case

    case: Case = get_visible_or_404(Case.objects.select_related("scene", "owner"), user, pk)
    # A case is visible exactly when its scene is: the scene is authorised for the user
    # (scenes.permissions.SceneChildQuerySet.in_scene).
    setattr(case.scene, "_authorised_for", user.pk)  # noqa: B010
    if manage and not can_manage_case(user, case):
        raise PermissionDenied
    return case


def get_action_for_user(
    user: Any, pk: Any, *, update: bool = False, manage: bool = False
) -> Action:
    from .models import Action

    action: Action = get_visible_or_404(
        Action.objects.select_related("case", "case__scene", "responsible", "method"), user, pk
    )
    if manage and not can_manage_case(user, action.case):
        raise PermissionDenied
    if update and not can_update_action(user, action):
        raise PermissionDenied
    return action
