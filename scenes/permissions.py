"""Who sees and changes which scene, and everything that hangs on a scene.

One rule: a user sees a scene when their role is county-wide (regional coordinator, STAD
evaluator) or when an organisation they belong to is on the scene's team. Team membership
is recorded as django-guardian grants to the organisation's group (direct-FK table
`SceneGroupObjectPermission`), so a list's visibility is one indexed lookup of the visible
scene ids, never a scan of the observation table. Everything hanging on a scene (sub-places,
observations, team, status history, symptom assessments) is visible exactly when the scene is.

What a user may change on a visible scene depends on their role in a team organisation:
coordinators edit the scene; the lead organisation's coordinators (and regional
coordinators) change its team; case officers and analysts log observations; viewers and
evaluators only read. Regional coordinators may do all of it on every scene.

Within a visible scene two more rules hold, each decided here once and used by every page,
export, API answer and report through the models' querysets:

- Free text (an observation's description, an analysis finding, an action update's text and
  every other note) is read only by the organisation that wrote it and the organisations on
  the scene's team (those that joined later from the day their reading starts), never by
  STAD's evaluators, and by county-wide roles only where their organisation is on the team.
  A queryset's hidden text never leaves the database: it comes back as None (`text_hidden`).
- A row kept to its organisation ("endast den egna organisationen") is seen only by that
  organisation and those it is shared with, on a recorded legal basis, until the share ends:
  for everyone else it does not exist (404, and absent from every list, count and map).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import TruncDate
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.permissions import (
    COORDINATOR_ROLES,
    coordinates,
    is_county_wide,
    is_regional_coordinator,
    memberships_of,
    reader_organisation_ids,
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
# The status of an archived scene (Status.AVVECKLAD in scenes/models.py).
ARCHIVED_STATUS = "avvecklad"


def visible_scene_ids(user: Any) -> Any:
    """The ids of the scenes the user may see, as a subquery; None means every scene."""
    from .models import SceneGroupObjectPermission

    if is_county_wide(user):
        return None
    groups = [m.organisation.group_id for m in memberships_of(user)]
    return SceneGroupObjectPermission.objects.filter(
        group_id__in=groups, permission__codename=VIEW_SCENE
    ).values("content_object_id")


def _team_scene_ids(user: Any, roles: Any) -> Any:
    """The scenes on whose team the user works in one of `roles`, as a subquery."""
    from .models import SceneGroupObjectPermission

    groups = [m.organisation.group_id for m in memberships_of(user) if m.role in roles]
    return SceneGroupObjectPermission.objects.filter(
        group_id__in=groups, permission__codename=VIEW_SCENE
    ).values("content_object_id")


class SceneQuerySet(models.QuerySet["Scene"]):
    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ids = visible_scene_ids(user)
        return self if ids is None else self.filter(pk__in=ids)

    def loggable_by(self, user: Any) -> Self:
        """The scenes where the user may log observations (`can_log_observation` as a set)."""
        if is_regional_coordinator(user):
            return self.visible_to(user)
        return self.visible_to(user).filter(pk__in=_team_scene_ids(user, LOGGING_ROLES))

    def editable_by(self, user: Any) -> Self:
        """The scenes the user may edit, with their team and sub-places (`can_edit_scene`)."""
        if is_regional_coordinator(user):
            return self.visible_to(user)
        return self.visible_to(user).filter(pk__in=_team_scene_ids(user, COORDINATOR_ROLES))

    def open_for_logging_by(self, user: Any) -> Self:
        """The scenes the observation form offers the user: where they may log
        (`loggable_by`) and that still take observations (`takes_observations`)."""
        return self.loggable_by(user).exclude(status=ARCHIVED_STATUS)

    def active(self) -> Self:
        """Scenes that are not archived (status Avvecklad): what default lists, maps, the
        observation form and the start pages show. Archived scenes keep their history and
        their pages; lists show them when asked ("Visa avvecklade")."""
        return self.exclude(status=ARCHIVED_STATUS)

    def archived(self) -> Self:
        return self.filter(status=ARCHIVED_STATUS)


class SceneChildQuerySet(models.QuerySet[Any]):
    """For models that hang on a scene: visible exactly when their scene is.

    `scene_lookup` is the path from the model to the scene's id; models further down (a SARA
    case's actions, say) subclass with a longer path and keep the same rule."""

    scene_lookup = "scene_id"
    # True: the visible scene ids are read first (one small query) and filtered on as a list
    # of values instead of a subquery, where an index on (scene, order) can then serve a
    # page of one scene in order (sara's cases).
    scene_ids_as_list = False

    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        ids = visible_scene_ids(user)
        if ids is None:
            return self
        if self.scene_ids_as_list:
            ids = list(ids.values_list("content_object_id", flat=True))
        return self.filter(**{f"{self.scene_lookup}__in": ids})

    def in_scene(self, user: Any, scene: Any) -> Self:
        """`visible_to(user)` within one scene, for a scene `get_scene_for_user` gave this
        user: the scene is already authorised, so the scene-id subquery of `visible_to` is
        not repeated for every row (it was re-run per row inside the big aggregates); the
        row rules (kept rows, hidden text) stay. Any other scene object gets `visible_to`."""
        if getattr(scene, "_authorised_for", None) != getattr(user, "pk", None) or not getattr(
            user, "is_authenticated", False
        ):
            return self.visible_to(user).filter(**{self.scene_lookup: scene.pk})
        return self._row_rules(user, self.filter(**{self.scene_lookup: scene.pk}))

    def _row_rules(self, user: Any, rows: Self) -> Self:
        return rows


# --- Free text and rows kept to an organisation ------------------------------------------


if TYPE_CHECKING:
    _ModelIterable = ModelIterable[Any]
else:  # not subscriptable at run time
    _ModelIterable = ModelIterable


class GuardedTextIterable(_ModelIterable):
    """Model instances whose hidden free text is None (it was never read from the database)
    and that refuse to be saved (they are for showing; fetch the row again to change it)."""

    def __iter__(self) -> Any:
        fields: list[str] = cast(Any, self.queryset).text_fields
        for obj in super().__iter__():
            for name in fields:
                obj.__dict__[name] = getattr(obj, f"_shown_{name}")
            obj.text_hidden = not obj._text_readable
            obj._text_guarded = True
            yield obj


def active_shares(model: Any, readers: Any, today: Any = None) -> Any:
    """Ids of the rows of `model` shared with one of `readers` now, as a subquery."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Share

    today = today or timezone.localdate()
    return (
        Share.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            organisations__in=readers,
            ended_at__isnull=True,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values("object_id")
    )


class PrivateSceneChildQuerySet(SceneChildQuerySet):
    """Rows on a scene that carry free text (`text_fields`), written by an organisation
    (`writer_lookup`) at a time (`logged_lookup`), and that may be kept to that organisation
    (`keepable`, with a `restricted` flag). `visible_to(user)` applies both rules (see the
    module): the kept rows others may not see are left out, and hidden text comes back None.
    """

    text_fields: tuple[str, ...] = ()
    writer_lookup = "organisation_id"
    logged_lookup = "created_at"
    keepable = False

    def visible_to(self, user: Any) -> Self:
        return self._row_rules(user, super().visible_to(user))

    # The reader organisations whose kept rows these rows hold besides the open ones (set by
    # the row rules, kept through filters; None: no row rule applied, every kept row is in).
    # The daily rollup (scenes/rollups.py) reads the kept rows of exactly these.
    kept_readers: frozenset[int] | None = None

    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]
        clone.kept_readers = self.kept_readers
        return clone

    def _row_rules(self, user: Any, rows: Self) -> Self:
        readers = sorted(reader_organisation_ids(user))
        if self.keepable:
            rows = rows.filter(self.kept_rows_visible_q(readers))
        rows = rows._guard_text(readers) if self.text_fields else rows
        if self.keepable:
            rows.kept_readers = frozenset(readers)
        return rows

    def kept_rows_visible_q(self, readers: Any) -> Q:
        """The rows a reader of `readers` may see: not kept, kept by theirs, or shared with
        theirs now."""
        return (
            Q(restricted=False)
            | Q(**{f"{self.writer_lookup}__in": readers})
            | Q(pk__in=active_shares(self.model, readers))
        )

    def kept_split(self) -> tuple[frozenset[int], Q | None] | None:
        """The kept rows these rows hold, in the two parts of `kept_rows_visible_q`, for a
        rollup kept per keeping organisation (scenes/rollups.py): the organisations all of
        whose kept rows they hold (the readers': kept by theirs), and a Q of the other kept
        rows they hold (shared with theirs now; the ids read here once, a list the planner
        finds by primary key), or None when there are none. None when no row rule applied:
        every kept row is in."""
        readers = self.kept_readers
        if readers is None:
            return None
        if not readers:
            return readers, None
        shared = sorted(
            active_shares(self.model, sorted(readers))
            .order_by()
            .values_list("object_id", flat=True)
            .distinct()
        )
        if not shared:
            return readers, None
        theirs = Q(**{f"{self.writer_lookup}__in": sorted(readers)})
        return readers, Q(restricted=True, pk__in=shared) & ~theirs

    def text_readable_q(self, readers: Any) -> Q:
        from .models import SceneTeam

        if not readers:
            return Q(pk__in=[])
        logged = ExpressionWrapper(
            OuterRef(self.logged_lookup), output_field=models.DateTimeField()
        )
        logged_day = TruncDate(logged, tzinfo=timezone.get_default_timezone())
        on_team = SceneTeam.objects.filter(
            scene_id=OuterRef(self.scene_lookup), organisation_id__in=readers
        ).filter(Q(reads_from__isnull=True) | Q(reads_from__lte=logged_day))
        readable = Q(**{f"{self.writer_lookup}__in": readers}) | Q(Exists(on_team))
        if self.keepable:
            readable |= Q(pk__in=active_shares(self.model, readers))
        return readable

    def _guard_text(self, readers: Any) -> Self:
        readable = self.text_readable_q(readers)
        rows = self.defer(*self.text_fields).annotate(
            _text_readable=Case(When(readable, then=Value(True)), default=Value(False)),
            **{
                f"_shown_{name}": Case(When(readable, then=name), default=Value(None))
                for name in self.text_fields
            },
        )
        rows._iterable_class = GuardedTextIterable
        return rows

    def shared(self) -> Any:
        """The rows that are not kept to an organisation: what a document shown to everyone
        who sees the scene (a lägesbild) may count."""
        if not self.keepable:
            return self
        rows = self.filter(restricted=False)
        rows.kept_readers = frozenset()
        return rows


class ObservationQuerySet(PrivateSceneChildQuerySet):
    text_fields = ("description",)
    keepable = True

    def counted(self) -> Self:
        """The observations that count as events: duplicates (linked to the observation
        they repeat) are kept and listed, but counted nowhere. Every count, hotspot, map,
        trend, lägesbild, follow-up figure and effect measure goes through this."""
        return self.filter(duplicate_of__isnull=True)


def countable_observations_q(user: Any, via: str = "observations__") -> Q:
    """For counting a scene's observations through the relation (`via`): those the user may
    count, leaving out rows kept by other organisations (rows shared with the user's are
    left out of such counts too; their pages show them) and duplicates."""
    return Q(**{f"{via}duplicate_of__isnull": True}) & countable_kept_q(user, via)


def countable_kept_q(user: Any, via: str = "observations__") -> Q:
    """The kept-row half of `countable_observations_q`: rows not kept to an organisation, and
    those kept by the user's own. Also the rule for the per-scene rollup (scenes/rollups.py),
    whose rows have the same `restricted` and `organisation_id` and hold no duplicates."""
    readers = sorted(reader_organisation_ids(user))
    return Q(**{f"{via}restricted": False}) | Q(**{f"{via}organisation_id__in": readers})


class StatusChangeQuerySet(PrivateSceneChildQuerySet):
    text_fields = ("comment",)
    logged_lookup = "changed_at"


class SymptomAssessmentQuerySet(PrivateSceneChildQuerySet):
    text_fields = ("comment",)


# --- Indicators -----------------------------------------------------------------------------


def visible_municipality_q(user: Any, lookup: str = "municipality_id") -> Q | None:
    """The municipalities whose own figures (a municipality's indicators) the user sees: those
    of the scenes they see and their own municipalities; None means every municipality."""
    if is_county_wide(user):
        return None
    from .models import Scene

    own = [m.organisation_id for m in memberships_of(user) if m.organisation.kind == "kommun"]
    scenes = Scene.objects.visible_to(user).values("municipality_id")
    return Q(**{f"{lookup}__in": own}) | Q(**{f"{lookup}__in": scenes})


def indicator_visible_q(user: Any, via: str = "") -> Q:
    """An indicator is seen with its scene; a municipality's indicator by those who see a
    scene in the municipality or work for it (county-wide roles: all of them)."""
    ids = visible_scene_ids(user)
    scene_level = Q(**{f"{via}level": "scene"})
    if ids is not None:
        scene_level &= Q(**{f"{via}scene_id__in": ids})
    municipality_level = Q(**{f"{via}level": "municipality"})
    municipalities = visible_municipality_q(user, f"{via}municipality_id")
    if municipalities is not None:
        municipality_level &= municipalities
    return scene_level | municipality_level


def indicator_editable_q(user: Any, via: str = "") -> Q:
    """Who adds values: the scene's coordinators (as for editing the scene), a
    municipality's coordinators for its own indicators; regional coordinators everywhere."""
    if is_regional_coordinator(user):
        return Q()
    scenes = _team_scene_ids(user, COORDINATOR_ROLES)
    own = [
        m.organisation_id
        for m in memberships_of(user)
        if m.role in COORDINATOR_ROLES and m.organisation.kind == "kommun"
    ]
    return Q(**{f"{via}level": "scene", f"{via}scene_id__in": scenes}) | Q(
        **{f"{via}level": "municipality", f"{via}municipality_id__in": own}
    )


class IndicatorQuerySet(SceneChildQuerySet):
    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(indicator_visible_q(user))

    def editable_by(self, user: Any) -> Self:
        """The visible indicators the user may add values to (`can_edit_indicator` as a set)."""
        return self.visible_to(user).filter(indicator_editable_q(user))


def can_edit_indicator(user: Any, indicator: Any) -> bool:
    if indicator.level == "municipality":
        return coordinates(user, indicator.municipality_id)
    return can_edit_scene(user, indicator.scene)


def can_import_indicators(user: Any) -> bool:
    """Whether the user may import indicator values: a coordinator of some scene's team (or
    a regional coordinator), or a municipality's coordinator for its own indicators."""
    from .models import Scene

    return bool(
        Scene.objects.editable_by(user).exists() or municipality_indicator_choices(user).exists()
    )


def municipality_indicator_choices(user: Any) -> Any:
    """The municipalities the user may keep indicators for (as their coordinator)."""
    from actors.models import Organisation

    municipalities = Organisation.objects.filter(kind=Organisation.Kind.KOMMUN, is_active=True)
    if is_regional_coordinator(user):
        return municipalities
    own = [m.organisation_id for m in memberships_of(user) if m.role in COORDINATOR_ROLES]
    return municipalities.filter(pk__in=own)


class IndicatorValueQuerySet(PrivateSceneChildQuerySet):
    """Values are seen with their indicator; the note is free text, read by the writing
    organisation, the scene's team (scene level) and the municipality (municipality level)."""

    scene_lookup = "indicator__scene_id"
    text_fields = ("note",)

    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        rows = self.filter(indicator_visible_q(user, "indicator__"))
        return rows._guard_text(sorted(reader_organisation_ids(user)))

    def text_readable_q(self, readers: Any) -> Q:
        readable = super().text_readable_q(readers)
        return readable | Q(indicator__municipality_id__in=readers) if readers else readable


def text_readable(user: Any, obj: Any) -> bool:
    """The single-object form of the free-text rule, for an object fetched without the guard
    (prefer querysets from `visible_to`, which carry `text_hidden`)."""
    hidden = getattr(obj, "text_hidden", None)
    if hidden is not None:
        return not hidden
    queryset = type(obj)._default_manager.filter(pk=obj.pk)
    readers = sorted(reader_organisation_ids(user))
    return bool(queryset.filter(queryset.text_readable_q(readers)).exists())


def can_manage_team(user: Any, scene: Scene) -> bool:
    """Who adds and removes team organisations and changes the lead: the lead
    organisation's coordinators and regional coordinators. An invited organisation cannot
    remove the organisation that invited it, nor make itself lead."""
    if is_regional_coordinator(user):
        return True
    lead = next((t.organisation_id for t in scene.team.all() if t.is_lead), None)
    return any(
        m.organisation_id == lead and m.role in COORDINATOR_ROLES for m in memberships_of(user)
    )


TEAM_REFUSED = _(
    "Only the lead organisation's coordinators and regional coordinators change the team: "
    "add or remove organisations, or choose the lead."
)


def team_memberships(user: Any, scene: Scene) -> list[Membership]:
    """The user's memberships in organisations on the scene's team."""
    team = {t.organisation_id for t in scene.team.all()}
    return [m for m in memberships_of(user) if m.organisation_id in team]


def can_edit_scene(user: Any, scene: Scene) -> bool:
    if is_regional_coordinator(user):
        return True
    return any(m.role in COORDINATOR_ROLES for m in team_memberships(user, scene))


def can_archive_scene(user: Any, scene: Scene) -> bool:
    """Archiving is an edit of the scene's status: its coordinators and regional coordinators."""
    return can_edit_scene(user, scene)


def can_delete_scene(user: Any) -> bool:
    """Removing a scene created by mistake (with everything on it) is for regional
    coordinators only."""
    return is_regional_coordinator(user)


DELETE_REFUSED = _("Only regional coordinators remove scenes. Archive it instead.")


def logging_memberships(user: Any, scene: Scene) -> list[Membership]:
    """The memberships under which the user may log observations at the scene."""
    if is_regional_coordinator(user):
        own = team_memberships(user, scene)
        return own or [m for m in memberships_of(user) if m.role == "regional_coordinator"]
    return [m for m in team_memberships(user, scene) if m.role in LOGGING_ROLES]


def logging_organisation(user: Any, scene: Scene, chosen_id: int | None = None) -> Any:
    """The organisation an observation at the scene is logged for: the chosen one if the user
    may log for it there, else their first; None when they may not log for it."""
    for m in logging_memberships(user, scene):
        if chosen_id is None or m.organisation_id == chosen_id:
            return m.organisation
    return None


def writing_organisation(user: Any, scene: Scene, prefer: Any = ()) -> Any:
    """The organisation a note the user writes at the scene is written for (whose staff may
    read it, whatever the team): the first of `prefer` they belong to, else one of theirs on
    the team, else their first."""
    memberships = memberships_of(user)
    team = {t.organisation_id for t in scene.team.all()}
    checks: tuple[Callable[[Membership], bool], ...] = (
        lambda m: m.organisation_id in prefer,
        lambda m: m.organisation_id in team,
    )
    for wanted in checks:
        for m in memberships:
            if wanted(m):
                return m.organisation
    return memberships[0].organisation if memberships else None


def can_log_observation(user: Any, scene: Scene) -> bool:
    """Whether the user's role lets them log at the scene (whether the scene still takes
    observations is `takes_observations`)."""
    return bool(logging_memberships(user, scene))


# An archived scene keeps its history, but nothing new is logged there.
SCENE_ARCHIVED = _(
    "The scene is archived (closed down): no new observations can be logged there. Nothing "
    "was saved."
)


def takes_observations(scene: Scene) -> bool:
    """The one rule of whether a scene takes new observations: not when it is archived.
    The logging verb (form, API, outbox, import), the form's scene choices
    (`SceneQuerySet.open_for_logging_by`) and the API's scene check all ask this."""
    return scene.status != ARCHIVED_STATUS


def can_edit_observation(user: Any, observation: Any) -> bool:
    """Who changes an observation (marks it as a duplicate, or not): staff of the
    organisation it was logged for who may log at its scene, the scene's coordinators
    (`can_edit_scene`) and regional coordinators."""
    scene = observation.scene
    if can_edit_scene(user, scene):
        return True
    return any(
        m.organisation_id == observation.organisation_id for m in logging_memberships(user, scene)
    )


def may_log_anywhere(user: Any) -> bool:
    """Whether the user may log observations at some scene (for the menu); one query."""
    if is_regional_coordinator(user):
        return True
    if not any(m.role in LOGGING_ROLES for m in memberships_of(user)):
        return False
    cached = getattr(user, "_ods_may_log", None)
    if cached is None:
        from .models import Scene

        cached = user._ods_may_log = Scene.objects.loggable_by(user).exists()
    return cached


def creatable_municipality_ids(user: Any) -> set[int] | None:
    """Municipalities the user may create scenes in; None means all of them."""
    if is_regional_coordinator(user):
        return None
    return {
        m.organisation_id
        for m in memberships_of(user)
        if m.role == "coordinator" and m.organisation.kind == "kommun"
    }


def can_create_scene(user: Any) -> bool:
    ids = creatable_municipality_ids(user)
    return ids is None or bool(ids)


def get_scene_for_user(
    user: Any,
    pk: Any,
    *,
    edit: bool = False,
    log: bool = False,
    team: bool = False,
    delete: bool = False,
) -> Scene:
    """The scene if the user may see it (else 404) and do what is asked (else 403)."""
    from .models import Scene, SceneTeam

    # The team (with its organisations, for the page's team list) and the municipality come
    # along: the permission checks and the scene's pages read both.
    scene = get_visible_or_404(
        Scene.objects.select_related("municipality").prefetch_related(
            Prefetch("team", queryset=SceneTeam.objects.select_related("organisation"))
        ),
        user,
        pk,
    )
    setattr(scene, "_authorised_for", user.pk)  # noqa: B010 (see SceneChildQuerySet.in_scene)
    if edit and not can_edit_scene(user, scene):
        raise PermissionDenied
    if delete and not can_delete_scene(user):
        raise PermissionDenied(DELETE_REFUSED)
    if team and not can_manage_team(user, scene):
        raise PermissionDenied(TEAM_REFUSED)
    if log and not can_log_observation(user, scene):
        raise PermissionDenied
    return scene


def get_place_for_user(user: Any, pk: Any, *, edit: bool = False) -> Any:
    from .models import Place

    place = get_visible_or_404(Place.objects.select_related("scene"), user, pk)
    if edit and not can_edit_scene(user, place.scene):
        raise PermissionDenied
    return place


def get_landmark_for_user(user: Any, pk: Any, *, edit: bool = False) -> Any:
    from .models import Landmark

    landmark = get_visible_or_404(Landmark.objects.select_related("scene"), user, pk)
    if edit and not can_edit_scene(user, landmark.scene):
        raise PermissionDenied
    return landmark


def get_observation_for_user(user: Any, pk: Any, *, edit: bool = False) -> Any:
    """The observation if the user may see it (else 404) and change it when asked (else
    403)."""
    from .models import Observation

    observation = get_visible_or_404(
        Observation.objects.select_related(
            "scene", "place", "organisation", "reported_by", "duplicate_marked_by"
        ).prefetch_related("scene__team"),
        user,
        pk,
    )
    if edit and not can_edit_observation(user, observation):
        raise PermissionDenied(
            _(
                "Only staff of the organisation that logged the observation and the scene's "
                "coordinators change it."
            )
        )
    return observation


def get_indicator_for_user(user: Any, pk: Any, *, edit: bool = False) -> Any:
    """The indicator if the user may see it (else 404) and add values when asked (else 403)."""
    from .models import Indicator

    indicator = get_visible_or_404(
        Indicator.objects.select_related("scene", "municipality").prefetch_related("scene__team"),
        user,
        pk,
    )
    if edit and not can_edit_indicator(user, indicator):
        raise PermissionDenied
    return indicator


# --- Sharing kept rows ----------------------------------------------------------------------

# The rows that may be kept to their organisation and shared, by the name used in URLs.
SHAREABLE = {
    "observation": "scenes.Observation",
    "analysis": "sara.Analysis",
    "actionupdate": "sara.ActionUpdate",
}


def owns_row(user: Any, row: Any) -> bool:
    """Whether the user works for the organisation that wrote the row (and so sees its
    sharing history)."""
    return row.organisation_id in reader_organisation_ids(user)


def can_share(user: Any, row: Any) -> bool:
    """A kept row is shared by a coordinator of the organisation that keeps it."""
    return row.restricted and any(
        m.organisation_id == row.organisation_id and m.role in COORDINATOR_ROLES
        for m in memberships_of(user)
    )


def scene_id_of(row: Any) -> int:
    """The id of the scene a row hangs on, along its queryset's path to the scene."""
    value = row
    for part in type(row)._default_manager.get_queryset().scene_lookup.split("__"):
        value = getattr(value, part)
    return int(value)


def share_recipient_choices(scene_id: Any, owner_id: Any) -> Any:
    """Who a row may be shared with: the scene's other team organisations and the regional
    coordination (Länsstyrelsen, the SSR office); never STAD, whose evaluators read no
    single rows."""
    from actors.models import Organisation

    return (
        Organisation.objects.filter(is_active=True)
        .filter(Q(scene_teams__scene_id=scene_id) | Q(kind__in=["lansstyrelsen", "ssr"]))
        .exclude(pk=owner_id)
        .exclude(kind="stad")
        .distinct()
        .order_by("name")
    )


def get_shareable_row_for_user(user: Any, kind: str, pk: Any) -> Any:
    """The kept row if the user sees it (else 404) and may share it (else 403)."""
    from django.apps import apps
    from django.http import Http404

    label = SHAREABLE.get(kind)
    if label is None:
        raise Http404
    model = apps.get_model(label)
    row = get_visible_or_404(model.objects, user, pk)
    if not can_share(user, row):
        raise PermissionDenied(
            _("Only a coordinator of the organisation that keeps the row may share it.")
        )
    return row


def get_share_for_user(user: Any, pk: Any) -> Any:
    """A share the user may end: one of a row their organisation keeps, as its coordinator."""
    from .models import Share

    share = get_visible_or_404(Share.objects.select_related("content_type"), user, pk)
    if not can_share(user, share.row):
        raise PermissionDenied(
            _("Only a coordinator of the organisation that keeps the row may end its share.")
        )
    return share


class ShareQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Self:
        """A share is seen by the organisation whose row it shares."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        readers = sorted(reader_organisation_ids(user))
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType

        owned = Q(pk__in=[])
        for label in SHAREABLE.values():
            model = apps.get_model(label)
            owned |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=model._default_manager.filter(organisation_id__in=readers).values(
                    "pk"
                ),
            )
        return self.filter(owned)


class ImportJobQuerySet(models.QuerySet[Any]):
    """An uploaded import and its preview are seen by the person who uploaded it, no one else
    (the rows may hold text the model refuses, and nothing of them is saved yet)."""

    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(user=user)


def get_import_for_user(user: Any, pk: Any, kind: str, scene: Any = None) -> Any:
    """The user's own import of this kind (at this scene), else 404."""
    from .models import ImportJob

    jobs = ImportJob.objects.filter(kind=kind)
    if scene is not None:
        jobs = jobs.filter(scene=scene)
    return get_visible_or_404(jobs, user, pk)
