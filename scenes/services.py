"""Workflows on scenes: every way in (pages, API, import, demo loader) calls these."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from actors.models import Organisation
from audit.events import record_event

from .models import (
    Observation,
    Scene,
    SceneTeam,
    Share,
    Status,
    StatusChange,
    TeamBasis,
    TeamChange,
)
from .permissions import (
    SCENE_ARCHIVED,
    TEAM_PERMISSIONS,
    can_log_observation,
    logging_organisation,
    takes_observations,
    writing_organisation,
)


@transaction.atomic
def create_scene(*, by, lead: Organisation | None = None, **fields) -> Scene:
    """Create a scene with its first status entry; the lead organisation (by default the
    municipality) joins the team, reading the scene's whole history, so its staff see the
    scene at once."""
    scene = Scene(**fields)
    scene.full_clean()
    scene.save()
    StatusChange.objects.create(
        scene=scene,
        status=scene.status,
        changed_by=by,
        organisation=lead or scene.municipality,
    )
    join_team(
        scene,
        lead or scene.municipality,
        by=by,
        basis=TeamBasis.CREATED,
        reads_from=None,
        lead=True,
    )
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
            scene=scene,
            status=scene.status,
            changed_by=by,
            comment=status_comment,
            organisation=writing_organisation(by, scene) if by else None,
        )
    return scene


# The day an organisation joins: by default it reads free text logged from then on.
JOIN_DAY = object()


@transaction.atomic
def join_team(
    scene: Scene,
    organisation: Organisation,
    *,
    by,
    basis: str,
    basis_reference: str = "",
    basis_date=None,
    reads_from=JOIN_DAY,
    lead: bool = False,
) -> SceneTeam:
    """Put an organisation on the team on a recorded basis and grant its group the scene.

    It reads the free text of what is logged from `reads_from` on: by default the day it
    joins; an earlier date (or None, the whole history) is a choice that is recorded in the
    team's history. Who may do this is the caller's check (`can_manage_team`)."""
    if SceneTeam.objects.filter(scene=scene, organisation=organisation).exists():
        raise ValidationError({"organisation": _("The organisation is already on the team.")})
    if reads_from is JOIN_DAY:
        reads_from = timezone.localdate()
    member = SceneTeam(
        scene=scene,
        organisation=organisation,
        basis=basis,
        basis_reference=basis_reference,
        basis_date=basis_date,
        reads_from=reads_from,
        added_by=by,
    )
    member.full_clean(exclude={"scene", "organisation", "added_by"})
    member.save()
    TeamChange.objects.create(
        scene=scene,
        organisation=organisation,
        kind=TeamChange.Kind.JOINED,
        basis=member.basis_text(),
        reads_from=reads_from,
        changed_by=by,
    )
    for perm in TEAM_PERMISSIONS:
        assign_perm(perm, organisation.group, scene)
    record_event(
        "team_joined",
        user=by,
        object_type="scenes.scene",
        object_id=scene.pk,
        organisation=organisation.pk,
        basis=member.basis_text(),
        reads_from=reads_from.isoformat() if reads_from else None,
    )
    if lead:
        set_lead(scene, organisation, by=by)
        member.refresh_from_db()
    return member


@transaction.atomic
def leave_team(scene: Scene, organisation: Organisation, *, by=None) -> None:
    """Take an organisation off the team; its group loses the scene's permissions at once.
    The lead cannot leave: another organisation takes the lead first."""
    member = SceneTeam.objects.select_for_update().filter(scene=scene, organisation=organisation)
    member = member.first()
    if member is None:
        return
    if member.is_lead:
        raise ValidationError(_("Choose another lead organisation before removing the lead."))
    member.delete()
    TeamChange.objects.create(
        scene=scene, organisation=organisation, kind=TeamChange.Kind.LEFT, changed_by=by
    )
    for perm in TEAM_PERMISSIONS:
        remove_perm(perm, organisation.group, scene)
    record_event(
        "team_left", user=by, object_type="scenes.scene", object_id=scene.pk,
        organisation=organisation.pk,
    )  # fmt: skip


@transaction.atomic
def set_lead(scene: Scene, organisation: Organisation, *, by=None) -> None:
    if not SceneTeam.objects.filter(scene=scene, organisation=organisation).exists():
        raise ValidationError(_("Only an organisation on the team can lead it."))
    SceneTeam.objects.filter(scene=scene, is_lead=True).exclude(organisation=organisation).update(
        is_lead=False
    )
    changed = SceneTeam.objects.filter(scene=scene, organisation=organisation, is_lead=False)
    if changed.update(is_lead=True):
        TeamChange.objects.create(
            scene=scene, organisation=organisation, kind=TeamChange.Kind.LEAD, changed_by=by
        )
        record_event(
            "team_lead", user=by, object_type="scenes.scene", object_id=scene.pk,
            organisation=organisation.pk,
        )  # fmt: skip


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
    if not takes_observations(scene):
        errors.setdefault("scene", []).append(str(SCENE_ARCHIVED))
    if organisation is None:
        errors.setdefault("organisation", []).append(
            _("You cannot log for that organisation here.")
        )
    try:
        # The constraints are the database's last word (the time's plausibility is checked
        # with the fields already); validating them here would cost a query per row.
        observation.full_clean(
            exclude=_SERVER_FIELDS | set(row.refused), validate_constraints=False
        )
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


class ClientKeyUsed(Exception):
    """The client's key (`client_uuid`) is already stored with an observation that is not a
    repeat of this one: another user's, another scene's, or one the user no longer sees.
    Nothing about that row is told."""

    message = gettext_lazy(
        "This observation's key has already been used for another observation. Nothing was "
        "saved; send it again with a new key."
    )


def log_observation(
    *,
    by,
    scene: Scene,
    organisation: Organisation | None = None,
    client_uuid: uuid.UUID | None = None,
    **fields,
):
    """Log one observation (see `log_observations`); ValidationError with the model's
    messages, by field, when it breaks a rule.

    With a `client_uuid` (the form's hidden key, the outbox's, an integration's) the call is
    idempotent: when `by` already logged an observation at `scene` with that key, nothing is
    stored and the stored row is returned with `replayed` set; two requests racing with one
    key store one row (the database's unique constraint decides; the loser gets the
    winner's row). A key stored with any other row raises ClientKeyUsed."""
    if client_uuid is not None:
        stored = _stored_with_key(client_uuid)
        if stored is not None:
            return _replay(by, scene, stored)
        fields["client_uuid"] = client_uuid
    try:
        (checked,) = log_observations(
            by=by, scene=scene, organisation=organisation, rows=[ObservationRow(fields)]
        )
    except IntegrityError:
        stored = _stored_with_key(client_uuid) if client_uuid is not None else None
        if stored is None:
            raise
        return _replay(by, scene, stored)
    if checked.errors:
        raise ValidationError(checked.errors)
    return checked.observation


def _stored_with_key(key: uuid.UUID) -> Observation | None:
    return Observation.objects.filter(client_uuid=key).first()


def _replay(by, scene: Scene, stored: Observation) -> Observation:
    if stored.reported_by_id != by.pk or stored.scene_id != scene.pk:
        raise ClientKeyUsed
    # Read as the user may see it now (hidden text removed; gone if they lost the scene).
    shown = Observation.objects.visible_to(by).filter(pk=stored.pk).first()
    if shown is None:
        raise ClientKeyUsed
    shown.replayed = True
    return shown


# --- Sharing rows kept to an organisation ---------------------------------------------------


@transaction.atomic
def share_row(row, *, by, organisations, **fields) -> Share:
    """Share a kept row with named organisations on a recorded legal basis (`fields`: basis,
    basis_other, purpose, decided_by, decided_on, ends_on). Recorded in the audit trail."""
    if not row.restricted:
        raise ValidationError(_("Only a row kept to its organisation is shared this way."))
    if not organisations:
        raise ValidationError({"organisations": _("Choose at least one organisation.")})
    share = Share(row=row, recorded_by=by, **fields)
    share.full_clean(exclude={"content_type", "object_id", "recorded_by"})
    share.save()
    share.organisations.set(organisations)
    record_event(
        "share_created",
        user=by,
        object_type=row._meta.label_lower,
        object_id=row.pk,
        share=share.pk,
        organisations=sorted(o.pk for o in organisations),
        basis=share.basis_text(),
        purpose=share.purpose,
        ends_on=share.ends_on.isoformat() if share.ends_on else None,
    )
    return share


@transaction.atomic
def end_share(share: Share, *, by) -> Share:
    """End a share now: the row is hidden again from the organisations it was shared with."""
    share = Share.objects.select_for_update().get(pk=share.pk)
    if share.ended_at is None:
        share.ended_at = timezone.now()
        share.ended_by = by
        share.save(update_fields=["ended_at", "ended_by"])
        record_event(
            "share_ended",
            user=by,
            object_type=share.content_type.model_class()._meta.label_lower,
            object_id=share.object_id,
            share=share.pk,
        )
    return share


# --- Archiving and removing scenes ------------------------------------------------------------


@transaction.atomic
def archive_scene(scene: Scene, *, by, comment: str = "") -> Scene:
    """Archive a scene: its status becomes Avvecklad (recorded in its history, closed today
    unless a closing date is set). It leaves the default lists, maps, the observation form
    and the start pages, and keeps its history and its pages."""
    if scene.status == Status.AVVECKLAD:
        raise ValidationError(_("The scene is already archived."))
    update_scene(
        scene,
        by=by,
        status_comment=comment,
        status=Status.AVVECKLAD,
        closed_on=scene.closed_on or timezone.localdate(),
    )
    record_event("scene_archived", user=by, object_type="scenes.scene", object_id=scene.pk)
    return scene


@transaction.atomic
def restore_scene(scene: Scene, *, by, comment: str = "") -> Scene:
    """Bring an archived scene back to the lists as active again (recorded in its history)."""
    if scene.status != Status.AVVECKLAD:
        raise ValidationError(_("The scene is not archived."))
    update_scene(scene, by=by, status_comment=comment, status=Status.AKTIV, closed_on=None)
    record_event("scene_restored", user=by, object_type="scenes.scene", object_id=scene.pk)
    return scene
