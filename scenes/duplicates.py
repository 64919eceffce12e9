"""Possible duplicates: the same event logged twice, by one organisation or by two.

The rule, in one place: two observations may be the same event when they are at the same
scene, of the same category, at most `ODS_DUPLICATE_DISTANCE_M` metres apart (SWEREF 99 TM)
and at most `ODS_DUPLICATE_WINDOW_MINUTES` minutes apart. Only observations the user may see
(`Observation.objects.visible_to`) are ever offered, and nothing here counts or mentions
those they may not see. Observations already linked as duplicates are not offered (link to
the observation they repeat), nor pairs a coordinator dismissed as different events.

A duplicate is kept and listed (marked), and counted nowhere (`ObservationQuerySet.counted`).
Linking and unlinking are verbs here (`link_duplicate`, `unlink_duplicate`,
`dismiss_pair`), called by the observation page, the scene's observation list and the API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance, Transform
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import record_event

from .models import SWEREF99TM, DuplicateDismissal, Observation, to_sweref99tm
from .permissions import can_edit_observation, can_edit_scene

# At most this many possible duplicates are offered for one observation.
OFFER_LIMIT = 10


def distance_m() -> int:
    return settings.ODS_DUPLICATE_DISTANCE_M


def window() -> timedelta:
    return timedelta(minutes=settings.ODS_DUPLICATE_WINDOW_MINUTES)


def rule() -> dict:
    """The rule's limits, for the pages that explain it."""
    return {"distance": distance_m(), "minutes": settings.ODS_DUPLICATE_WINDOW_MINUTES}


@dataclass(frozen=True)
class Candidate:
    """An observation that may be the same event as another: how far apart and how many
    minutes apart (signed: negative when the candidate happened earlier)."""

    observation: Observation
    distance_m: float
    minutes: float

    @property
    def id(self) -> int:
        return self.observation.pk


def _dismissed_partners(pk) -> Q:
    """Observations dismissed as different events from the one with id `pk` (a value or an
    outer reference)."""
    return Q(pk__in=DuplicateDismissal.objects.filter(first_id=pk).values("second_id")) | Q(
        pk__in=DuplicateDismissal.objects.filter(second_id=pk).values("first_id")
    )


def _linkable(restricted, organisation_id) -> Q:
    """The originals an observation (kept or not, for an organisation; values or outer
    references) may be linked to: rows not kept, or kept by its own organisation when it is
    kept itself."""
    return Q(restricted=False) | Q(restricted=restricted, organisation_id=organisation_id)


def possible_duplicates(observation: Observation, user, limit: int = OFFER_LIMIT):
    """The observations the user sees that may be the same event as `observation` (saved or
    not): same scene and category, within the distance and the window either side, not
    itself, not a duplicate, not dismissed with it. Nearest in time first."""
    if observation.location is None or observation.occurred_at is None:
        return []
    if observation.pk and observation.duplicate_of_id:
        return []
    point = observation.location.transform(to_sweref99tm(), clone=True)
    point.srid = SWEREF99TM
    span = window()
    rows = (
        Observation.objects.visible_to(user)
        .counted()
        .filter(
            scene_id=observation.scene_id,
            category=observation.category,
            occurred_at__gte=observation.occurred_at - span,
            occurred_at__lte=observation.occurred_at + span,
        )
        .annotate(_sweref=Transform("location", SWEREF99TM))
        .filter(_sweref__dwithin=(point, distance_m()))
        .annotate(_distance=Distance("_sweref", point))
        .select_related("organisation")
    )
    # Only what it could be linked to: a kept row is the original only of one kept by the
    # same organisation (see `Observation.duplicate_problem`).
    rows = rows.filter(_linkable(observation.restricted, observation.organisation_id))
    if observation.pk:
        rows = rows.exclude(pk=observation.pk).exclude(_dismissed_partners(observation.pk))
    found = [
        Candidate(
            row,
            row._distance.m,
            (row.occurred_at - observation.occurred_at).total_seconds() / 60,
        )
        for row in rows
    ]
    found.sort(key=lambda c: (abs(c.minutes), c.distance_m, c.id))
    return found[:limit]


def _earlier_match(visible):
    """For an outer observation: the id of the nearest-in-time earlier one (or logged before
    it at the same minute) among `visible` that the rule calls the same event, as a
    subquery; None when there is none."""
    span = window()
    outer_time = OuterRef("occurred_at")
    earliest = ExpressionWrapper(outer_time - span, output_field=DateTimeField())
    return Subquery(
        visible.counted()
        .filter(
            scene_id=OuterRef("scene_id"),
            category=OuterRef("category"),
            occurred_at__gte=earliest,
            occurred_at__lte=outer_time,
        )
        .filter(Q(occurred_at__lt=outer_time) | Q(pk__lt=OuterRef("pk")))
        .filter(_linkable(OuterRef("restricted"), OuterRef("organisation_id")))
        .exclude(_dismissed_partners(OuterRef(OuterRef("pk"))))
        .annotate(_sweref=Transform("location", SWEREF99TM))
        .filter(_sweref__dwithin=(OuterRef("_sweref"), distance_m()))
        .order_by("-occurred_at", "-pk")
        .values("pk")[:1]
    )


def suspected(observations, user):
    """Of `observations` (visible to the user, already filtered), those that may repeat an
    earlier one the user sees, each annotated with `suspected_of` (that earlier one's id).
    One query; the page bounds it with its period and paginates it."""
    visible = Observation.objects.visible_to(user)
    return (
        observations.counted()
        .annotate(_sweref=Transform("location", SWEREF99TM))
        .annotate(suspected_of=_earlier_match(visible))
        .filter(suspected_of__isnull=False)
    )


# --- Within an import file ------------------------------------------------------------------


def within_file(observations: list[Observation | None]) -> dict[int, int]:
    """For the rows of one file (unsaved; None where a row has errors): row index -> the
    index of the nearest earlier row in the file that the rule calls the same event.
    Sorted by category and time, each row looks back only within the window."""
    span, limit = window(), distance_m()
    transform = to_sweref99tm()
    items = []
    for index, obs in enumerate(observations):
        if obs is None or obs.location is None or obs.occurred_at is None:
            continue
        point = cast(Point, obs.location.transform(transform, clone=True))
        items.append((obs.category, obs.occurred_at, index, point.x, point.y))
    items.sort()
    found: dict[int, int] = {}
    for position, (category, when, index, x, y) in enumerate(items):
        back = position - 1
        best = None
        while back >= 0:
            other_category, other_when, _index, ox, oy = items[back]
            if other_category != category or when - other_when > span:
                break
            if math.hypot(x - ox, y - oy) <= limit and (
                best is None or other_when > items[best][1]
            ):
                best = back
            back -= 1
        if best is not None:
            found[index] = items[best][2]
    return found


def exact_copy(a: Observation, b: Observation) -> bool:
    """Whether two rows say exactly the same (every field a person types)."""
    names = (
        "occurred_at", "category", "people_count", "affected_groups", "source", "insecurity",
        "description", "place_id", "restricted",
    )  # fmt: skip
    return all(getattr(a, n) == getattr(b, n) for n in names) and a.location.equals_exact(
        b.location, 1e-7
    )


def against_stored(observations: list[Observation | None], user) -> dict[int, Candidate]:
    """For the rows of one file: row index -> the nearest stored observation the user sees
    that may be the same event. One query for the whole file (bounded by its time span)."""
    rows = [(i, o) for i, o in enumerate(observations) if o is not None and o.location]
    rows = [(i, o) for i, o in rows if o.occurred_at is not None]
    if not rows:
        return {}
    span = window()
    scene_id = rows[0][1].scene_id
    start = min(o.occurred_at for _i, o in rows) - span
    end = max(o.occurred_at for _i, o in rows) + span
    categories = {o.category for _i, o in rows}
    transform = to_sweref99tm()
    stored = list(
        Observation.objects.visible_to(user)
        .counted()
        .filter(
            scene_id=scene_id,
            category__in=categories,
            occurred_at__gte=start,
            occurred_at__lte=end,
        )
        .order_by("occurred_at", "pk")
        .select_related("organisation")[:20000]
    )
    by_category: dict[str, list] = {}
    for obs in stored:
        point = cast(Point, obs.location.transform(transform, clone=True))
        by_category.setdefault(obs.category, []).append((obs, point.x, point.y))
    found: dict[int, Candidate] = {}
    limit = distance_m()
    for index, obs in rows:
        point = cast(Point, obs.location.transform(transform, clone=True))
        best = None
        for other, ox, oy in by_category.get(obs.category, ()):
            if other.restricted and not (
                obs.restricted and other.organisation_id == obs.organisation_id
            ):
                continue
            minutes = (other.occurred_at - obs.occurred_at).total_seconds() / 60
            if abs(minutes) > span.total_seconds() / 60:
                continue
            metres = math.hypot(point.x - ox, point.y - oy)
            if metres <= limit and (best is None or abs(minutes) < abs(best.minutes)):
                best = Candidate(other, metres, minutes)
        if best is not None:
            found[index] = best
    return found


# --- Linking --------------------------------------------------------------------------------


def _event(name: str, by, observation: Observation, **details) -> None:
    record_event(
        name, user=by, object_type="scenes.observation", object_id=observation.pk, **details
    )


@transaction.atomic
def link_duplicate(observation: Observation, original: Observation, *, by) -> Observation:
    """Mark `observation` as a duplicate of `original` (both already fetched through the
    user's visibility). PermissionDenied unless `by` may change `observation`;
    ValidationError when the rule refuses the link (another scene, itself, a chain, a kept
    original)."""
    if not can_edit_observation(by, observation):
        raise PermissionDenied
    locked = Observation.objects.select_for_update().get(pk=observation.pk)
    target = Observation.objects.select_for_update().get(pk=original.pk)
    problem = locked.duplicate_problem(target)
    if problem:
        raise ValidationError({"duplicate_of": problem})
    Observation.objects.filter(pk=locked.pk).update(
        duplicate_of=target, duplicate_marked_by=by, duplicate_marked_at=timezone.now()
    )
    _event("duplicate_linked", by, locked, duplicate_of=target.pk)
    return Observation.objects.get(pk=locked.pk)


@transaction.atomic
def unlink_duplicate(observation: Observation, *, by) -> Observation:
    """The observation counts again: it is not a duplicate after all."""
    if not can_edit_observation(by, observation):
        raise PermissionDenied
    locked = Observation.objects.select_for_update().get(pk=observation.pk)
    if locked.duplicate_of_id is not None:
        previous = locked.duplicate_of_id
        Observation.objects.filter(pk=locked.pk).update(
            duplicate_of=None, duplicate_marked_by=by, duplicate_marked_at=timezone.now()
        )
        _event("duplicate_unlinked", by, locked, was_duplicate_of=previous)
    return Observation.objects.get(pk=locked.pk)


def dismiss_pair(a: Observation, b: Observation, *, by) -> DuplicateDismissal:
    """A coordinator of the scene judges two observations to be different events: the pair
    is not suggested again (both already fetched through the user's visibility)."""
    if a.scene_id != b.scene_id or a.pk == b.pk:
        raise ValidationError(_("Choose two observations at the same scene."))
    if not can_edit_scene(by, a.scene):
        raise PermissionDenied
    first, second = sorted((a.pk, b.pk))
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        first_id=first, second_id=second, defaults={"scene_id": a.scene_id, "dismissed_by": by}
    )
    return dismissal


def linked_original(observation: Observation, user) -> Observation | None:
    """The observation a duplicate repeats, if the user sees it."""
    if not observation.duplicate_of_id:
        return None
    return (
        Observation.objects.visible_to(user)
        .filter(pk=observation.duplicate_of_id)
        .select_related("organisation")
        .first()
    )


def minutes_apart(a: datetime, b: datetime) -> int:
    return round(abs((a - b).total_seconds()) / 60)
