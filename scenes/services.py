"""Workflows on scenes: every way in (pages, API, import, demo loader) calls these."""

from __future__ import annotations

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from actors.models import Organisation

from .models import Scene, SceneTeam, StatusChange
from .permissions import TEAM_PERMISSIONS


@transaction.atomic
def create_scene(*, by, lead: Organisation | None = None, **fields) -> Scene:
    """Create a scene with its first status entry; the lead organisation (by default the
    municipality) joins the team, so its staff see the scene at once."""
    scene = Scene(**fields)
    scene.full_clean()
    scene.save()
    StatusChange.objects.create(scene=scene, status=scene.status, changed_by=by)
    join_team(scene, lead or scene.municipality, lead=True)
    return scene


@transaction.atomic
def update_scene(scene: Scene, *, by, status_comment: str = "", **fields) -> Scene:
    """Change a scene's fields; a changed status is recorded in its history."""
    previous = Scene.objects.select_for_update().values_list("status", flat=True).get(pk=scene.pk)
    for name, value in fields.items():
        setattr(scene, name, value)
    scene.full_clean()
    scene.save()
    if scene.status != previous:
        StatusChange.objects.create(
            scene=scene, status=scene.status, changed_by=by, comment=status_comment
        )
    return scene


@transaction.atomic
def join_team(scene: Scene, organisation: Organisation, *, lead: bool = False) -> SceneTeam:
    """Put an organisation on the team and grant its group the scene's permissions."""
    member, _created = SceneTeam.objects.get_or_create(scene=scene, organisation=organisation)
    if lead and not member.is_lead:
        set_lead(scene, organisation)
        member.refresh_from_db()
    for perm in TEAM_PERMISSIONS:
        assign_perm(perm, organisation.group, scene)
    return member


@transaction.atomic
def leave_team(scene: Scene, organisation: Organisation) -> None:
    """Take an organisation off the team; its group loses the scene's permissions at once."""
    SceneTeam.objects.filter(scene=scene, organisation=organisation).delete()
    for perm in TEAM_PERMISSIONS:
        remove_perm(perm, organisation.group, scene)


@transaction.atomic
def set_lead(scene: Scene, organisation: Organisation) -> None:
    SceneTeam.objects.filter(scene=scene, is_lead=True).exclude(organisation=organisation).update(
        is_lead=False
    )
    SceneTeam.objects.filter(scene=scene, organisation=organisation).update(is_lead=True)
