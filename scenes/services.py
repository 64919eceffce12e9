"""Workflows on scenes: every way in (pages, API, import, demo loader) calls these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from actors.models import Organisation

from .models import Observation, Scene, SceneTeam, StatusChange
from .permissions import TEAM_PERMISSIONS, can_log_observation, logging_organisation


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


# --- Logging observations -------------------------------------------------------------------

# Set by the verb from the request, never from what the client sends, so they are not
# checked again field by field (each check would be a query per row of an import).
_SERVER_FIELDS = {"scene", "organisation", "reported_by", "place"}


@dataclass
class ObservationRow:
    """One observation to log: its fields, and those the caller has already refused (an
    import's cell that is not a time, say) with their messages; refused fields are not
    checked again."""

    fields: dict
    refused: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Checked:
    """An observation as the verb checked it: saved when `errors` is empty and it was not a
    dry run."""

    observation: Observation
    errors: dict[str, list[str]]


def _check(by, scene: Scene, organisation: Organisation | None, row: ObservationRow) -> Checked:
    observation = Observation(scene=scene, organisation=organisation, reported_by=by, **row.fields)
    errors = {name: list(messages) for name, messages in row.refused.items()}
    if organisation is None:
        errors.setdefault("organisation", []).append(
            _("You cannot log for that organisation here.")
        )
    try:
        observation.full_clean(exclude=_SERVER_FIELDS | set(row.refused))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return Checked(observation, errors)


def log_observations(
    *,
    by,
    scene: Scene,
    rows: Iterable[ObservationRow],
    organisation: Organisation | None = None,
    dry_run: bool = False,
) -> list[Checked]:
    """Log observations at one scene, all or none: the one way an observation is logged.

    The form, the API and the import call this (the first two through `log_observation`).
    `by` must be allowed to log at the scene (else PermissionDenied); each observation is
    logged for `organisation`, which must be one `by` may log for there (by default their
    first). The logging user and organisation come from here, never from the rows. Every
    row is checked by the model's own rules; unless it is a dry run and only if no row has
    an error, all rows are saved in one transaction. Returns every row as checked."""
    if not can_log_observation(by, scene):
        raise PermissionDenied
    chosen = logging_organisation(by, scene, organisation.pk if organisation else None)
    checked = [_check(by, scene, chosen, row) for row in rows]
    if not dry_run and not any(c.errors for c in checked):
        with transaction.atomic():
            Observation.objects.bulk_create([c.observation for c in checked])
    return checked


def log_observation(*, by, scene: Scene, organisation: Organisation | None = None, **fields):
    """Log one observation (see `log_observations`); ValidationError with the model's
    messages, by field, when it breaks a rule."""
    (checked,) = log_observations(
        by=by, scene=scene, organisation=organisation, rows=[ObservationRow(fields)]
    )
    if checked.errors:
        raise ValidationError(checked.errors)
    return checked.observation
