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

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models

from actors.permissions import COORDINATOR_ROLES, is_regional_coordinator, memberships_of
from ods_platform.lib.access import get_visible_or_404
from scenes.permissions import SceneChildQuerySet, team_memberships

if TYPE_CHECKING:
    from scenes.models import Scene

    from .models import Action, Case

# Roles that work on actions their organisation is responsible for.
ACTION_ROLES = frozenset({"coordinator", "case_officer", "analyst"})


class MethodQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The catalogue is shared knowledge: every signed-in user reads all of it."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.all()


class CaseQuerySet(SceneChildQuerySet):
    scene_lookup = "scene_id"


class CaseChildQuerySet(SceneChildQuerySet):
    scene_lookup = "case__scene_id"

    def responsible_of(self, user):
        """Actions whose responsible organisation the user works for (with an action role)."""
        orgs = [m.organisation_id for m in memberships_of(user) if m.role in ACTION_ROLES]
        return self.visible_to(user).filter(responsible_id__in=orgs)


class ActionChildQuerySet(SceneChildQuerySet):
    scene_lookup = "action__case__scene_id"


def works_on_actions(user) -> bool:
    """Whether the user has a role that works on their organisation's actions (the menu)."""
    return any(m.role in ACTION_ROLES for m in memberships_of(user))


def can_edit_methods(user) -> bool:
    return is_regional_coordinator(user)


def can_create_case(user, scene: Scene) -> bool:
    return bool(case_owner_choices(user, scene))


def case_owner_choices(user, scene: Scene) -> list[int]:
    """Team organisations the user may open a case for: those they coordinate."""
    if is_regional_coordinator(user):
        return [t.organisation_id for t in scene.team.all()]
    return [m.organisation_id for m in team_memberships(user, scene) if m.role in COORDINATOR_ROLES]


def can_manage_case(user, case: Case) -> bool:
    if is_regional_coordinator(user):
        return True
    return any(
        m.organisation_id == case.owner_id and m.role in COORDINATOR_ROLES
        for m in memberships_of(user)
    )


def can_update_action(user, action: Action) -> bool:
    if can_manage_case(user, action.case):
        return True
    return any(
        m.organisation_id == action.responsible_id and m.role in ACTION_ROLES
        for m in memberships_of(user)
    )


def get_case_for_user(user, pk, *, manage=False) -> Case:
    """The case if the user may see it (else 404) and manage it when asked (else 403)."""
    from .models import Case

    case = get_visible_or_404(Case.objects.select_related("scene", "owner"), user, pk)
    if manage and not can_manage_case(user, case):
        raise PermissionDenied
    return case


def get_action_for_user(user, pk, *, update=False, manage=False) -> Action:
    from .models import Action

    action = get_visible_or_404(
        Action.objects.select_related("case", "case__scene", "responsible", "method"), user, pk
    )
    if manage and not can_manage_case(user, action.case):
        raise PermissionDenied
    if update and not can_update_action(user, action):
        raise PermissionDenied
    return action
