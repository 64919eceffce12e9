"""The start page per role: what each person should look at or act on, in short lists.

Every figure comes from the apps' own rules: the visibility querysets of each app's
`permissions.py` (scenes, observations, actions, reports), the countable observations of a
scene (`countable_observations_q`), "open", "overdue" and "due soon" of `sara/permissions.py`,
archived scenes left out (`SceneQuerySet.active`), the follow-up's 6 months for a symptom
assessment, and the small-count rule of `ods_platform/lib/suppression.py`. Each list holds at
most `TOP` items and links to the page with all of them; the number of queries of a section is
fixed, whatever the amount of data.

Sections by role (a person with several roles gets each of their sections):

- coordinator: my scenes (the last 7 and 30 days against the period before, new since my last
  visit), overdue and soon-due actions of my cases, reports ready since my last visit, scenes
  whose symptom assessment is older than 6 months;
- regional coordinator: the county's scenes by status, where activity rose most, overdue
  actions by organisation, scenes without a case or without a recent assessment;
- case officer, analyst: my organisation's actions (overdue first), my last observations, the
  offline outbox (filled by the observation form's script);
- evaluator: the follow-up's sections and the county's lägesbilder; never free text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Count, F, Max, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from actors.permissions import roles_of
from ods_platform.lib import formatting, suppression

# Items in each list before "Visa alla".
TOP = 5
# How often a visit is written back (each write is a row in the audit trail).
VISIT_WRITE_EVERY = timedelta(minutes=5)
# The session keeps the previous visit for as long as it lasts, so that reloading the start
# page does not make everything "seen".
SINCE_SESSION_KEY = "ods_start_since"
DUE_SOON_DAYS = 7


def visit_since(request) -> datetime | None:
    """The time of the user's previous visit to the start page (None on the first), and the
    current one recorded for next time.

    "Previous" is the last visit before this session: the first start page of a session reads
    the stored time and keeps it in the session; every visit stores now (at most every
    `VISIT_WRITE_EVERY`)."""
    from .models import StartPageVisit

    now = timezone.now()
    visit = StartPageVisit.objects.filter(user=request.user).first()
    if SINCE_SESSION_KEY in request.session:
        since = parse_datetime(request.session[SINCE_SESSION_KEY] or "") or None
    else:
        since = visit.seen_at if visit else None
        request.session[SINCE_SESSION_KEY] = since.isoformat() if since else ""
    if visit is None:
        StartPageVisit.objects.create(user=request.user, seen_at=now)
    elif now - visit.seen_at >= VISIT_WRITE_EVERY:
        StartPageVisit.objects.filter(pk=visit.pk).update(seen_at=now)
    return since


# --- Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compared:
    """A count in a period against the period of the same length before it."""

    now: int
    before: int

    @property
    def thin(self) -> bool:
        """Too few to compare: either count is a small one (1 to 4)."""
        return suppression.is_small(self.now) or suppression.is_small(self.before)

    @property
    def rise(self) -> int:
        return self.now - self.before

    @property
    def now_text(self) -> str:
        return formatting.integer(self.now)

    @property
    def before_text(self) -> str:
        return formatting.integer(self.before)

    @property
    def change_text(self) -> str:
        """ "+25 %", or why no change is given."""
        if self.now == 0 and self.before == 0:
            return formatting.DASH
        if self.thin:
            return _("too few to compare")
        if self.before == 0:
            return _("none before")
        return formatting.change((self.now - self.before) / self.before)


@dataclass
class Activity:
    last7: Compared
    last30: Compared
    new: int = 0


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def activity(user, scene_ids: list[int], today: date, since: datetime | None = None) -> dict:
    """Per scene id: observations in the last 7 and 30 days (today included) against the 7
    and 30 days before, and those logged since `since`; the observations the user may count.
    One query for the periods (on the scene-and-time index) and, with `since`, one for the
    new ones (on the creation-time index): as one query with an OR of the two the planner
    read every observation of the user's scenes (400 ms at 10 M)."""
    from scenes.models import Observation
    from scenes.permissions import countable_observations_q

    if not scene_ids:
        return {}
    end = _day_start(today + timedelta(days=1))
    start = {days: end - timedelta(days=days) for days in (7, 14, 30, 60)}
    period = Q(occurred_at__gte=start[60], occurred_at__lt=end)
    counts = {
        "n7": Count("pk", filter=Q(occurred_at__gte=start[7], occurred_at__lt=end)),
        "p7": Count("pk", filter=Q(occurred_at__gte=start[14], occurred_at__lt=start[7])),
        "n30": Count("pk", filter=Q(occurred_at__gte=start[30], occurred_at__lt=end)),
        "p30": Count("pk", filter=Q(occurred_at__gte=start[60], occurred_at__lt=start[30])),
    }
    counted = Observation.objects.filter(scene_id__in=scene_ids).filter(
        countable_observations_q(user, via="")
    )
    rows = counted.filter(period).order_by().values("scene_id").annotate(**counts)
    new: dict[int, int] = {}
    if since is not None:
        new = dict(
            counted.filter(created_at__gt=since)
            .order_by()
            .values("scene_id")
            .annotate(n=Count("pk"))
            .values_list("scene_id", "n")
        )
    found = {r["scene_id"]: r for r in rows}
    none = dict.fromkeys(counts, 0)
    return {
        pk: Activity(
            Compared((r := found.get(pk, none))["n7"], r["p7"]),
            Compared(r["n30"], r["p30"]),
            new.get(pk, 0),
        )
        for pk in scene_ids
    }


def stale_assessment_cutoff(today: date) -> date:
    """A symptom assessment from before this day is older than 6 months (the follow-up's rule)."""
    from followup.figures import ASSESSMENT_FRESH_DAYS

    return today - timedelta(days=ASSESSMENT_FRESH_DAYS)


def _stale(scenes, today: date):
    """Of `scenes`, those never assessed or last assessed more than 6 months ago, the oldest
    first."""
    return (
        scenes.annotate(last_assessed=Max("assessments__assessed_on"))
        .filter(Q(last_assessed__isnull=True) | Q(last_assessed__lt=stale_assessment_cutoff(today)))
        .order_by("last_assessed", "name")
    )


@dataclass
class Bounded:
    """The first `TOP` items of a list, and whether there are more."""

    items: list
    more: bool = False
    total: int | None = None

    @classmethod
    def of(cls, queryset, total: bool = False) -> Bounded:
        rows = list(queryset[: TOP + 1])
        return cls(rows[:TOP], len(rows) > TOP, queryset.count() if total else None)

    @classmethod
    def partitioned(cls, queryset, parts: dict[str, Q], order_by: tuple) -> dict[str, Bounded]:
        """`Bounded.of(queryset.filter(q), total=True)` for each disjoint part, in one query:
        each row is numbered and counted within its part (window functions), and only the
        first `TOP + 1` of each part are fetched. Four queries of the coordinator's overdue
        and soon-due actions (lists and counts, each through the cases of the user's scenes)
        took 45 ms at 1 M observations and 100,000 cases and actions; this one takes 12."""
        part = Case(
            *(When(q, then=Value(name)) for name, q in parts.items()), output_field=CharField()
        )
        any_part = Q()
        for q in parts.values():
            any_part |= q
        rows = list(
            queryset.filter(any_part)
            .annotate(startpage_part=part)
            .annotate(
                startpage_total=Window(Count("pk"), partition_by=F("startpage_part")),
                startpage_rank=Window(
                    RowNumber(), partition_by=F("startpage_part"), order_by=list(order_by)
                ),
            )
            .filter(startpage_rank__lte=TOP + 1)
            .order_by("startpage_part", "startpage_rank")
        )
        out = {}
        for name in parts:
            mine = [r for r in rows if r.startpage_part == name]
            out[name] = cls(mine[:TOP], len(mine) > TOP, mine[0].startpage_total if mine else 0)
        return out


@dataclass
class Section:
    key: str
    data: dict = field(default_factory=dict)


# --- Sections by role -------------------------------------------------------------------------


def coordinator_section(user, today: date, since: datetime | None) -> Section:
    from sara.models import Action
    from sara.permissions import due_within_condition, managed_organisation_ids, overdue_condition
    from scenes.models import Scene
    from situation_reports.models import Report

    scenes = Scene.objects.editable_by(user).active().select_related("municipality")
    mine = Bounded.of(scenes.order_by("name"))
    figures = activity(user, [s.pk for s in mine.items], today, since)
    for scene in mine.items:
        scene.activity = figures[scene.pk]
    cases_actions = (
        Action.objects.visible_to(user)
        .filter(case__owner_id__in=managed_organisation_ids(user))
        .select_related("case", "case__scene", "responsible")
    )
    lists = Bounded.partitioned(
        cases_actions,
        {
            "overdue": overdue_condition(today),
            "due_soon": due_within_condition(today, DUE_SOON_DAYS),
        },
        order_by=("due_on", "pk"),
    )
    reports = (
        Report.objects.visible_to(user)
        .filter(status=Report.Status.DONE)
        .defer("snapshot")
        .order_by("-finished_at", "-pk")
    )
    reports = reports.filter(finished_at__gt=since) if since else reports
    return Section(
        "coordinator",
        {
            "scenes": mine,
            "overdue": lists["overdue"],
            "due_soon": lists["due_soon"],
            "due_soon_days": DUE_SOON_DAYS,
            "reports": Bounded.of(reports),
            "stale": Bounded.of(_stale(scenes, today), total=True),
        },
    )


def regional_section(user, today: date) -> Section:
    from sara.models import Action
    from scenes.models import Scene, Status

    visible = Scene.objects.visible_to(user)
    by_status = dict(
        visible.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    statuses = [(value, label, by_status.get(value, 0)) for value, label in Status.choices]
    active = visible.active()
    ids = list(active.values_list("pk", flat=True))
    figures = activity(user, ids, today)
    rising_ids = sorted(
        (pk for pk, a in figures.items() if a.last30.rise > 0),
        key=lambda pk: (-figures[pk].last30.rise, pk),
    )
    names = {s.pk: s for s in active.filter(pk__in=rising_ids[:TOP]).select_related("municipality")}
    rising = []
    for pk in rising_ids[:TOP]:
        scene = names[pk]
        scene.activity = figures[pk]  # type: ignore[attr-defined]  # shown beside the scene
        rising.append(scene)
    overdue = Action.objects.visible_to(user).overdue(today)
    by_org = list(
        overdue.order_by()
        .values("responsible_id", "responsible__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "responsible__name")[: TOP + 1]
    )
    oldest = {
        a.responsible_id: a
        for a in overdue.filter(responsible_id__in=[r["responsible_id"] for r in by_org[:TOP]])
        .select_related("case")
        .order_by("responsible_id", "due_on", "pk")
        .distinct("responsible_id")
    }
    for row in by_org:
        row["oldest"] = oldest.get(row["responsible_id"])
    return Section(
        "regional",
        {
            "statuses": statuses,
            "rising": rising,
            "thin_note": suppression.small_text(),
            "overdue_by_org": Bounded(by_org[:TOP], len(by_org) > TOP),
            "overdue_total": overdue.count(),
            "without_case": Bounded.of(
                active.filter(cases__isnull=True).select_related("municipality").order_by("name"),
                total=True,
            ),
            "stale": Bounded.of(_stale(active.select_related("municipality"), today), total=True),
        },
    )


def officer_section(user, today: date) -> Section:
    from django.db import models

    from sara.models import Action
    from sara.permissions import overdue_condition
    from scenes.models import Observation

    actions = (
        Action.objects.on_desk_of(user)
        .open()
        .select_related("case", "case__scene", "responsible")
        .annotate(
            overdue_first=models.Case(
                models.When(overdue_condition(today), then=models.Value(0)),
                default=models.Value(1),
                output_field=models.IntegerField(),
            )
        )
        .order_by("overdue_first", "due_on", "pk")
    )
    observations = (
        Observation.objects.visible_to(user)
        .filter(reported_by=user)
        .select_related("scene", "place")
        .order_by("-created_at", "-pk")
    )
    return Section(
        "officer",
        {
            "actions": Bounded.of(actions),
            "overdue_total": Action.objects.on_desk_of(user).overdue(today).count(),
            "observations": Bounded.of(observations),
        },
    )


def evaluator_section(user) -> Section:
    from followup.views import SECTIONS
    from situation_reports.models import Kind, Report, Scope

    reports = (
        Report.objects.visible_to(user)
        .filter(kind=Kind.LAGESBILD, scope=Scope.COUNTY, status=Report.Status.DONE)
        .defer("snapshot")
        .order_by("-finished_at", "-pk")
    )
    return Section(
        "evaluator",
        {
            "followup": [(key, label) for key, (label, _intro, _build) in SECTIONS.items()],
            "reports": Bounded.of(reports),
        },
    )


def sections_for(user, since: datetime | None, today: date | None = None) -> list[Section]:
    today = today or timezone.localdate()
    roles = roles_of(user)
    out = []
    if "regional_coordinator" in roles:
        out.append(regional_section(user, today))
    if "coordinator" in roles:
        out.append(coordinator_section(user, today, since))
    if roles & {"case_officer", "analyst"}:
        out.append(officer_section(user, today))
    if "evaluator" in roles:
        out.append(evaluator_section(user))
    return out


def shown_ids(sections: list[Section]) -> dict[str, tuple[list[int], list[int]]]:
    """The objects each list shows, by model label, with their scenes: for the audit trail."""
    out: dict[str, tuple[list[int], list[int]]] = {}

    def note(label, ids, scene_ids):
        entry = out.setdefault(label, ([], []))
        entry[0].extend(ids)
        entry[1].extend(scene_ids)

    for section in sections:
        d = section.data
        for key in ("scenes", "stale", "without_case"):
            if key in d:
                note("scenes.scene", [s.pk for s in d[key].items], [s.pk for s in d[key].items])
        if "rising" in d:
            note("scenes.scene", [s.pk for s in d["rising"]], [s.pk for s in d["rising"]])
        for key in ("overdue", "due_soon", "actions"):
            if key in d:
                items = d[key].items
                note("sara.action", [a.pk for a in items], [a.case.scene_id for a in items])
        if "observations" in d:
            items = d["observations"].items
            note("scenes.observation", [o.pk for o in items], [o.scene_id for o in items])
        if "reports" in d:
            note("situation_reports.report", [r.pk for r in d["reports"].items], [])
    return out
