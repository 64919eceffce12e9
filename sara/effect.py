"""Effect and displacement: did the problem change where the work was done, and did it move?

For a case (or a scene) the user chooses a before and an after period of the same length,
what to count (observations of chosen categories, or an indicator), the response area (the
scene, or one of its sub-places that is an area), the width of a buffer ring around it and a
control area. The eight counts, R, D, C and CD before (b) and after (a), go into the
measures of `ods_platform.lib.displacement` (GE, NE, WDQ with its success and buffer
displacement measures, TNE, WDD with its standard error and 95 % interval), and
`present` puts each into plain words, with a warning instead of a number where it divides by
zero or rests on too few events.

The areas are computed in PostGIS in SWEREF 99 TM (EPSG:3006, metres) from the stored WGS 84
geometries, in one query:

- R, the response area: the scene's boundary, or the sub-place's area;
- D, the buffer: the ring `buffer_m` metres wide around R;
- C, the control area: another scene's boundary, less R and D. Or "the rest of the
  municipality": the platform holds no municipality boundaries, so this is the observations
  logged at the municipality's other scenes, wherever they lie, except inside R and D;
- CD, the control's buffer: the ring of the same width around C (for the rest of the
  municipality: around those scenes' boundaries), less R, D and what C counts.

Observations are counted where they lie (an observation of a neighbouring scene inside the
ring counts in the ring), in one query, among those the user may see that no organisation
keeps to itself (`.shared()`): the figures are shown to everyone who sees the case. An
indicator gives R (and C, from a control indicator) as the sum of its values whose periods lie
within each period; an indicator has no figures for the buffer rings, so the displacement
measures are not computed from one, and it has no standard error (its values are not counts
of events).

This shows a change in time and place, not that the work caused it: every page and report
says so (`CAVEAT`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ods_platform.lib import displacement, formatting, suppression
from scenes.filters import _day_start
from scenes.models import Category, Indicator, IndicatorValue, Observation, Place, Scene

from .models import ActionStatus, EffectEvaluation, Verdict

MIN_BUFFER_M = 25
MAX_BUFFER_M = 1000
DEFAULT_BUFFER_M = 100
DEFAULT_PERIOD_DAYS = 180
MAX_PERIOD_DAYS = 731
NAMES = ("Rb", "Ra", "Db", "Da", "Cb", "Ca", "CDb", "CDa")


def min_count() -> int:
    """The fewest events a measure rests on: never fewer than the counts that are shown."""
    return max(displacement.MIN_COUNT, suppression.threshold())


@dataclass(frozen=True)
class Setup:
    """What to compare: where, what and when."""

    scene: Scene
    before: tuple[date, date]
    after: tuple[date, date]
    measure: str = EffectEvaluation.Measure.OBSERVATIONS
    categories: tuple[str, ...] = ()
    place: Place | None = None
    buffer_m: int = DEFAULT_BUFFER_M
    control: str = EffectEvaluation.Control.MUNICIPALITY
    control_scene: Scene | None = None
    indicator: Indicator | None = None
    control_indicator: Indicator | None = None

    @classmethod
    def of(cls, evaluation: EffectEvaluation) -> Setup:
        """The setup a stored evaluation was computed from."""
        return cls(
            scene=evaluation.case.scene,
            before=(evaluation.before_start, evaluation.before_end),
            after=(evaluation.after_start, evaluation.after_end),
            measure=evaluation.measure,
            categories=tuple(evaluation.categories),
            place=evaluation.place,
            buffer_m=evaluation.buffer_m,
            control=evaluation.control,
            control_scene=evaluation.control_scene,
            indicator=evaluation.indicator,
            control_indicator=evaluation.control_indicator,
        )

    def fields(self) -> dict:
        """The model fields of an EffectEvaluation for this setup."""
        return {
            "measure": self.measure,
            "categories": list(self.categories),
            "place": self.place,
            "buffer_m": self.buffer_m,
            "control": self.control,
            "control_scene": self.control_scene,
            "indicator": self.indicator,
            "control_indicator": self.control_indicator,
            "before_start": self.before[0],
            "before_end": self.before[1],
            "after_start": self.after[0],
            "after_end": self.after[1],
        }


@dataclass(frozen=True)
class Areas:
    """The areas as WGS 84 geometries, for the count query, and their sizes in m²."""

    response: GEOSGeometry
    disc: GEOSGeometry  # R and D together
    buffer: GEOSGeometry
    control: GEOSGeometry | None
    control_buffer: GEOSGeometry | None
    control_scene_ids: list[int] | None  # the rest of the municipality: counted by scene
    sizes: dict = field(default_factory=dict)


_RESPONSE = {
    "scene": "SELECT boundary FROM scenes_scene WHERE id = %(response)s",
    "place": "SELECT geometry FROM scenes_place WHERE id = %(response)s",
}
# Constant SQL with its response subquery chosen from _RESPONSE above; every value is a
# parameter (ids, the width in metres), never text from the user.
_AREAS = """
    WITH r AS (SELECT ST_Transform(({response}), 3006) AS g),
    disc AS (SELECT ST_Buffer(r.g, %(width)s) AS g FROM r),
    c AS (
        SELECT ST_Union(ST_Transform(boundary, 3006)) AS g
        FROM scenes_scene WHERE id = ANY(%(control)s)
    ),
    parts AS (
        SELECT r.g AS response, disc.g AS disc, ST_Difference(disc.g, r.g) AS buffer,
            CASE WHEN c.g IS NULL THEN NULL ELSE ST_Difference(c.g, disc.g) END AS control,
            CASE WHEN c.g IS NULL THEN NULL
                ELSE ST_Difference(ST_Difference(ST_Buffer(c.g, %(width)s), c.g), disc.g)
            END AS control_buffer,
            c.g AS control_whole
        FROM r, disc, c
    )
    SELECT ST_AsEWKB(ST_Transform(response, 4326)), ST_AsEWKB(ST_Transform(disc, 4326)),
        ST_AsEWKB(ST_Transform(buffer, 4326)),
        ST_AsEWKB(ST_Transform(control, 4326)), ST_AsEWKB(ST_Transform(control_buffer, 4326)),
        ST_Area(response), ST_Area(buffer), ST_Area(control), ST_Area(control_buffer),
        ST_Area(control_whole)
    FROM parts
"""


def control_scenes(setup: Setup, user) -> list[int]:
    """The scenes whose boundaries make the control area (for the rest of the municipality:
    the municipality's other scenes the user sees)."""
    if setup.control == EffectEvaluation.Control.SCENE and setup.control_scene is not None:
        return [setup.control_scene.pk]
    if setup.control == EffectEvaluation.Control.MUNICIPALITY:
        return list(
            Scene.objects.visible_to(user)
            .filter(municipality_id=setup.scene.municipality_id)
            .exclude(pk=setup.scene.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return []


def areas(setup: Setup, user) -> Areas:
    """The four areas of the setup, computed in PostGIS (one query; two with the rest of the
    municipality, whose scenes are looked up first)."""
    response_kind = "place" if setup.place is not None else "scene"
    ids = control_scenes(setup, user)
    sql = _AREAS.replace("{response}", _RESPONSE[response_kind])
    params = {
        "response": setup.place.pk if setup.place is not None else setup.scene.pk,
        "width": float(setup.buffer_m),
        "control": ids,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()

    def geometry(value):
        return GEOSGeometry(memoryview(value)) if value is not None else None

    response, disc, ring, control, control_ring = (geometry(v) for v in row[:5])
    return Areas(
        response=response,
        disc=disc,
        buffer=ring,
        control=control if ids else None,
        control_buffer=control_ring if ids else None,
        control_scene_ids=ids if setup.control == EffectEvaluation.Control.MUNICIPALITY else None,
        sizes={
            "response": row[5],
            "buffer": row[6],
            "control": row[7] if ids else None,
            "control_buffer": row[8] if ids else None,
        },
    )


def _period_q(start: date, end: date) -> Q:
    return Q(occurred_at__gte=_day_start(start), occurred_at__lt=_day_start(end + timedelta(1)))


def count_observations(setup: Setup, user, where: Areas) -> displacement.Counts:
    """The eight counts of observations, in one query."""
    rows = Observation.objects.visible_to(user).shared().counted()
    rows = rows.filter(
        occurred_at__gte=_day_start(setup.before[0]),
        occurred_at__lt=_day_start(setup.after[1] + timedelta(days=1)),
    )
    if setup.categories:
        rows = rows.filter(category__in=setup.categories)
    before, after = _period_q(*setup.before), _period_q(*setup.after)
    areas_q = {
        "R": Q(location__intersects=where.response),
        "D": Q(location__intersects=where.buffer),
    }
    if where.control_scene_ids is not None:
        # The rest of the municipality: its other scenes' observations outside R and D; its
        # buffer: other observations in the ring around those scenes, outside R and D.
        outside = ~Q(location__intersects=where.disc)
        areas_q["C"] = Q(scene_id__in=where.control_scene_ids) & outside
        if where.control_buffer is not None:
            areas_q["CD"] = (
                Q(location__intersects=where.control_buffer)
                & ~Q(scene_id__in=where.control_scene_ids)
                & outside
            )
    elif where.control is not None:
        areas_q["C"] = Q(location__intersects=where.control)
        areas_q["CD"] = Q(location__intersects=where.control_buffer)
    wanted = {}
    for key, area in areas_q.items():
        wanted[f"{key}b"] = Count("pk", filter=area & before)
        wanted[f"{key}a"] = Count("pk", filter=area & after)
    found = rows.aggregate(**wanted)
    has_control = "C" in areas_q
    return displacement.Counts(
        Rb=found["Rb"], Ra=found["Ra"], Db=found["Db"], Da=found["Da"],
        Cb=found["Cb"] if has_control else None, Ca=found["Ca"] if has_control else None,
        CDb=found.get("CDb") if has_control else None,
        CDa=found.get("CDa") if has_control else None,
    )  # fmt: skip


def _indicator_sum(indicator, user, period) -> float | None:
    if indicator is None:
        return None
    start, end = period
    total = (
        IndicatorValue.objects.visible_to(user)
        .filter(indicator=indicator, period_start__gte=start, period_end__lte=end)
        .aggregate(total=Sum("value"), n=Count("pk"))
    )
    return float(total["total"]) if total["n"] else 0


def count_indicator(setup: Setup, user) -> displacement.Counts:
    return displacement.Counts(
        Rb=_indicator_sum(setup.indicator, user, setup.before) or 0,
        Ra=_indicator_sum(setup.indicator, user, setup.after) or 0,
        Cb=_indicator_sum(setup.control_indicator, user, setup.before),
        Ca=_indicator_sum(setup.control_indicator, user, setup.after),
        poisson=False,
    )


@dataclass(frozen=True)
class Evaluation:
    setup: Setup
    counts: displacement.Counts
    results: displacement.Results
    areas: Areas | None

    @property
    def verdict(self) -> str:
        return self.results.verdict


def evaluate(setup: Setup, user) -> Evaluation:
    """Count and compute, as the user may see the data now."""
    if setup.measure == EffectEvaluation.Measure.INDICATOR:
        counts = count_indicator(setup, user)
        where = None
    else:
        where = areas(setup, user)
        counts = count_observations(setup, user, where)
    return Evaluation(setup, counts, displacement.compute(counts, min_count()), where)


def default_setup(scene: Scene, user, *, case=None, today: date | None = None) -> Setup:
    """A setup to start from: for a case, the periods before and after its first action began
    (at most 180 days each), its problem's categories, and the rest of the municipality as
    control when the municipality has another scene, else the nearest scene the user sees."""
    from django.contrib.gis.db.models.functions import Distance
    from django.utils import timezone

    today = today or timezone.localdate()
    start = today - timedelta(days=90)
    categories: tuple[str, ...] = ()
    if case is not None:
        first = (
            case.actions.exclude(status=ActionStatus.CANCELLED)
            .filter(start_on__isnull=False)
            .order_by("start_on")
            .values_list("start_on", flat=True)
            .first()
        )
        start = first or timezone.localdate(case.created_at)
        linked = (
            Observation.objects.visible_to(user)
            .filter(cases=case)
            .order_by()
            .values_list("category", flat=True)
            .distinct()
        )
        categories = tuple(sorted(set(linked)))
    start = min(start, today)
    days = max(min(DEFAULT_PERIOD_DAYS, (today - start).days + 1), 1)
    before = (start - timedelta(days=days), start - timedelta(days=1))
    after = (start, start + timedelta(days=days - 1))
    others = Scene.objects.visible_to(user).exclude(pk=scene.pk)
    if others.filter(municipality_id=scene.municipality_id).exists():
        control, control_scene = EffectEvaluation.Control.MUNICIPALITY, None
    else:
        nearest = (
            others.annotate(d=Distance("boundary", scene.boundary.centroid)).order_by("d").first()
        )
        control = EffectEvaluation.Control.SCENE if nearest else EffectEvaluation.Control.NONE
        control_scene = nearest
    return Setup(
        scene=scene, before=before, after=after, categories=categories, control=control,
        control_scene=control_scene,
    )  # fmt: skip


# --- In words -------------------------------------------------------------------------------

CAVEAT = gettext_lazy(
    "This is not proof that the work caused the change. The measures compare counts before and "
    "after, in the response area, its buffer and a control area; other things may have changed "
    "at the same time, and observations also reflect how often staff were there to log them."
)

AREA_LABELS = {
    "R": gettext_lazy("Response area"),
    "D": gettext_lazy("Buffer"),
    "C": gettext_lazy("Control area"),
    "CD": gettext_lazy("Control area's buffer"),
}


def _count_name(name: str) -> str:
    """Rb → "the response area before", in words."""
    area, when = name[:-1], name[-1]
    words = {
        ("R", "b"): _("the response area before"),
        ("R", "a"): _("the response area after"),
        ("D", "b"): _("the buffer before"),
        ("D", "a"): _("the buffer after"),
        ("C", "b"): _("the control area before"),
        ("C", "a"): _("the control area after"),
        ("CD", "b"): _("the control area's buffer before"),
        ("CD", "a"): _("the control area's buffer after"),
        ("SM", "M"): _("the success measure"),
    }
    return words.get((area, when), name)


def _problem_text(measure: dict, counts: dict, minimum: int) -> str:
    names = formatting.join(_count_name(n) for n in measure["names"])
    problem = measure["problem"]
    if problem == "division_by_zero":
        return _("Cannot be computed: %(names)s is zero, and nothing can be divided by zero.") % {
            "names": names
        }
    if problem == "small_counts":
        return _(
            "Not given: %(names)s holds fewer than %(min)d events, too few to say anything."
        ) % {"names": names, "min": minimum}
    if problem == "missing":
        return _("Cannot be computed: there is no count for %(names)s.") % {"names": names}
    if problem == "no_success":
        return _(
            "Not read: the response area did not do better than the control area, so there "
            "is no effect to weigh displacement against."
        )
    if problem == "not_counts":
        return _("No standard error: the indicator's values are not counts of events.")
    return ""


WDQ_READINGS = {
    "diffusion_greater": gettext_lazy(
        "The buffer improved more than the response area: the benefit spread further than the "
        "direct effect."
    ),
    "diffusion": gettext_lazy(
        "The buffer improved too, relative to the control: the benefit spread, but less than "
        "the direct effect."
    ),
    "none": gettext_lazy("No change in the buffer relative to the control area."),
    "displacement": gettext_lazy(
        "Some displacement into the buffer, smaller than the decrease in the response area."
    ),
    "displacement_greater": gettext_lazy(
        "The displacement into the buffer is larger than the decrease in the response area: "
        "taken together, the problem did not shrink."
    ),
}
VERDICTS = {
    "decrease": gettext_lazy(
        "The interval lies wholly below zero: the decrease, net of the control area and of "
        "displacement, is distinguishable from random variation (counts taken as Poisson)."
    ),
    "increase": gettext_lazy(
        "The interval lies wholly above zero: the increase, net of the control area and of "
        "displacement, is distinguishable from random variation (counts taken as Poisson)."
    ),
    "unclear": gettext_lazy(
        "The interval includes zero: the change cannot be told apart from random variation."
    ),
}


def _number(value) -> str:
    return formatting.number(value, decimals=2)


def present(counts: dict, results: dict) -> dict:
    """The counts and every measure in words, for a page, a PDF or a spreadsheet. `counts`
    and `results` are plain dicts (as stored): a live evaluation and a stored one read the
    same. Counts from 1 to 4 are withheld (suppression); a change is shown only between two
    counts that are both shown."""
    minimum = results.get("min_count", displacement.MIN_COUNT)
    rows = []
    for area in ("R", "D", "C", "CD"):
        before, after = counts.get(f"{area}b"), counts.get(f"{area}a")
        if before is None and after is None:
            continue
        shown_before, shown_after = suppression.shown(before), suppression.shown(after)
        change = formatting.DASH
        if not (shown_before.withheld or shown_after.withheld) and None not in (before, after):
            change = formatting.number(after - before)
        rows.append(
            {
                "area": str(AREA_LABELS[area]),
                "before": shown_before,
                "after": shown_after,
                "change": change,
            }
        )
    r = results
    measures = []

    def add(key, name, formula, explain):
        measure = r[key]
        text = _number(measure["value"]) if measure["value"] is not None else formatting.DASH
        measures.append(
            {
                "key": key,
                "name": name,
                "formula": formula,
                "value": text,
                "warning": _problem_text(measure, counts, minimum) if measure["problem"] else "",
                "explanation": explain if measure["value"] is not None else "",
            }
        )

    ge = r["ge"]["value"]
    add(
        "ge", _("Gross effect"), "GE = Rb − Ra",
        (_("%(n)s fewer in the response area after than before.") if (ge or 0) > 0
         else _("%(n)s more in the response area after than before.") if (ge or 0) < 0
         else _("As many in the response area after as before (%(n)s difference)."))
        % {"n": formatting.number(abs(ge or 0))}
        + " " + _("The gross effect does not take into account how the control area changed."),
    )  # fmt: skip
    ne = r["ne"]["value"]
    add(
        "ne", _("Net effect"), "NE = Rb/Cb − Ra/Ca",
        _("Positive: the response area went down relative to the control area; negative: it "
          "went up relative to it.")
        + " " + (_("Here it went down.") if (ne or 0) > 0 else _("Here it went up.")
                 if (ne or 0) < 0 else _("Here it did not change.")),
    )  # fmt: skip
    add(
        "sm",
        _("Success measure"),
        "Ra/Ca − Rb/Cb",
        _("Below zero when the response area did better than the control area."),
    )
    add(
        "bdm", _("Buffer displacement measure"), "Da/Ca − Db/Cb",
        _("Above zero when the buffer went up relative to the control area (possible "
          "displacement), below zero when it went down (possible diffusion of benefits)."),
    )  # fmt: skip
    reading = r.get("wdq_reading")
    add(
        "wdq", _("Weighted displacement quotient"), "WDQ = (Da/Ca − Db/Cb) / (Ra/Ca − Rb/Cb)",
        str(WDQ_READINGS.get(reading, "")) if reading else "",
    )  # fmt: skip
    tne = r["tne"]["value"]
    add(
        "tne", _("Total net effect"), "TNE = [Rb·Ca/Cb − Ra] + [Db·Ca/Cb − Da]",
        (_("Measured against the control area, the response area and the buffer together had "
           "about %(n)s fewer events.") if (tne or 0) >= 0 else
         _("Measured against the control area, the response area and the buffer together had "
           "about %(n)s more events."))
        % {"n": formatting.number(abs(tne or 0), decimals=0)},
    )  # fmt: skip
    wdd = r["wdd"]
    interval = ""
    if wdd["value"] is not None and r.get("se") is not None:
        interval = _(
            "Standard error %(se)s (the square root of the sum of the eight counts); 95 %% "
            "confidence interval %(low)s to %(high)s."
        ) % {"se": _number(r["se"]), "low": _number(r["ci_low"]), "high": _number(r["ci_high"])}
    add(
        "wdd", _("Weighted displacement difference"), "WDD = ΔR − ΔC + ΔD − ΔCD",
        (_("Below zero: a decrease net of the control area and of displacement.") + " "
         + interval + " " + str(VERDICTS.get(r.get("verdict"), ""))).strip(),
    )  # fmt: skip
    return {
        "counts": rows,
        "measures": measures,
        "verdict": r.get("verdict", Verdict.NOT_COMPUTABLE),
        "verdict_label": str(Verdict(r.get("verdict", Verdict.NOT_COMPUTABLE)).label),
        "interval": interval,
        "min_count": minimum,
        "caveat": str(CAVEAT),
    }


def describe_setup(setup: Setup) -> dict:
    """The setup in words: what, where, when."""
    if setup.measure == EffectEvaluation.Measure.INDICATOR:
        what = _("The indicator %(name)s (the sum of its values within each period)") % {
            "name": setup.indicator.name if setup.indicator else formatting.DASH
        }
    elif setup.categories:
        labels = [str(Category(c).label) for c in setup.categories if c in Category.values]
        what = _("Observations of the categories %(list)s") % {"list": formatting.join(labels)}
    else:
        what = _("Observations of every category")
    where = (
        setup.place.name
        if setup.place
        else _("the whole scene %(name)s") % {"name": setup.scene.name}
    )
    if setup.measure == EffectEvaluation.Measure.INDICATOR:
        control = (
            _("the indicator %(name)s") % {"name": setup.control_indicator.name}
            if setup.control_indicator
            else _("none")
        )
    elif setup.control == EffectEvaluation.Control.MUNICIPALITY:
        control = _(
            "the rest of %(municipality)s: the platform has no municipality boundaries, so this "
            "is the observations at the municipality's other scenes, outside the response area "
            "and its buffer"
        ) % {"municipality": setup.scene.municipality}
    elif setup.control == EffectEvaluation.Control.SCENE and setup.control_scene:
        control = _("the scene %(name)s, outside the response area and its buffer") % {
            "name": setup.control_scene.name
        }
    else:
        control = _("none")
    return {
        "what": what,
        "where": where,
        "buffer": formatting.length(setup.buffer_m),
        "control": control,
        "before": formatting.period(*setup.before),
        "after": formatting.period(*setup.after),
        "days": formatting.integer((setup.before[1] - setup.before[0]).days + 1),
    }


# --- What worked ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodOutcome:
    """Per method: the cases that used it and what their latest effect evaluation says."""

    method_id: int
    used: int
    measured: int
    decrease: int
    increase: int
    unclear: int
    not_computable: int


def what_worked(cases) -> dict[int, MethodOutcome]:
    """For each method of the catalogue used in `cases` (a Case queryset, already what the
    user may see): in how many cases it was used (an action with the method, not cancelled),
    in how many of them the effect was measured, and what the latest measurement said. Three
    queries whatever the number of cases."""
    from .models import Action

    pairs = set(
        Action.objects.filter(case__in=cases, method__isnull=False)
        .exclude(status=ActionStatus.CANCELLED)
        .order_by()
        .values_list("method_id", "case_id")
        .distinct()
    )
    latest = dict(
        EffectEvaluation.objects.filter(case__in=cases)
        .order_by("case_id", "-assessment__assessed_on", "-pk")
        .distinct("case_id")
        .values_list("case_id", "verdict")
    )
    by_method: dict[int, list[int]] = {}
    for method_id, case_id in pairs:
        by_method.setdefault(method_id, []).append(case_id)
    outcomes = {}
    for method_id, case_ids in by_method.items():
        verdicts = [latest[c] for c in case_ids if c in latest]
        outcomes[method_id] = MethodOutcome(
            method_id=method_id,
            used=len(case_ids),
            measured=len(verdicts),
            decrease=verdicts.count(Verdict.DECREASE),
            increase=verdicts.count(Verdict.INCREASE),
            unclear=verdicts.count(Verdict.UNCLEAR),
            not_computable=verdicts.count(Verdict.NOT_COMPUTABLE),
        )
    return outcomes


NOT_CAUSAL = gettext_lazy(
    "This is not proof that the method works: the cases differ, other work went on at the same "
    "time, and a case where it was used and the problem went down does not show that it went "
    "down because of it."
)


def outcome_sentence(outcome: MethodOutcome | None) -> str:
    """ "Used in 7 cases; effect measured in 4; in 3 of them a decrease distinguishable from
    noise." with counts from 1 to 4 withheld."""
    if outcome is None or not outcome.used:
        return _("Not yet used in any case you may see.")
    return _(
        "Used in %(used)s cases; effect measured in %(measured)s; in %(decrease)s of them a "
        "decrease distinguishable from noise."
    ) % {
        "used": suppression.shown(outcome.used).text,
        "measured": suppression.shown(outcome.measured).text,
        "decrease": suppression.shown(outcome.decrease).text,
    }
