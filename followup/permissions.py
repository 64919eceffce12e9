"""Who sees which follow-up: the one rule for the follow-up pages, their exports and the
evaluation report.

STAD's evaluators and the regional coordinators follow up the whole county; a municipality's
coordinators follow up their municipality's scenes, those of them they see (their own
scenes), and nothing else. Everyone else has no follow-up. Within a follow-up every figure is
an aggregate of rows no organisation keeps to itself (`.shared()`), without free text, and
every count goes through `ods_platform.lib.suppression`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from actors.permissions import is_county_wide, memberships_of


def followup_municipality_ids(user: Any) -> frozenset[int] | None:
    """The municipalities whose follow-up the user sees; None means the whole county."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if is_county_wide(user):
        return None
    return frozenset(
        m.organisation_id
        for m in memberships_of(user)
        if m.role == "coordinator" and m.organisation.kind == "kommun"
    )


def may_follow_up(user: Any) -> bool:
    ids = followup_municipality_ids(user)
    return ids is None or bool(ids)


def may_follow_up_county(user: Any) -> bool:
    return may_follow_up(user) and followup_municipality_ids(user) is None


def followup_scenes(user: Any, municipality_id: int | None = None) -> Any:
    """The scenes a follow-up of the user covers (of one municipality when given): those
    they see, in the municipalities they follow up."""
    from scenes.models import Scene

    scenes = Scene.objects.visible_to(user)
    allowed = followup_municipality_ids(user)
    if allowed is not None:
        scenes = scenes.filter(municipality_id__in=allowed)
    if municipality_id is not None:
        scenes = scenes.filter(municipality_id=municipality_id)
    return scenes


def municipality_choices(user: Any) -> Any:
    """The municipalities the user may follow up one by one."""
    from actors.models import Organisation

    municipalities = Organisation.objects.filter(kind=Organisation.Kind.KOMMUN, is_active=True)
    allowed = followup_municipality_ids(user)
    return municipalities if allowed is None else municipalities.filter(pk__in=allowed)


def get_scope_for_user(user: Any, municipality_id: Any = None) -> Any:
    """(the municipality or None for the county, its scenes) if the user may follow it up:
    403 for someone with no follow-up, 404 for a municipality they do not follow up; a
    municipality's coordinator always gets their own municipality."""
    if not may_follow_up(user):
        raise PermissionDenied
    allowed = followup_municipality_ids(user)
    if municipality_id in (None, ""):
        if allowed is not None:
            municipality_id = min(allowed)
        else:
            return None, followup_scenes(user)
    try:
        municipality = municipality_choices(user).filter(pk=int(municipality_id)).first()
    except (ValueError, TypeError):
        municipality = None
    if municipality is None:
        raise Http404
    return municipality, followup_scenes(user, municipality.pk)
