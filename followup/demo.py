"""Fictional demo data for the follow-up: indicators, a status history, and one case whose
effect is clear, with some displacement into its buffer, measured and stored with an
assessment.

- Every demo scene gets a monthly indicator, police-reported drug crimes near the scene, for
  the 18 whole months before the current one; every demo municipality a yearly
  trygghetsmätning (the share who feel unsafe) for the two years before this one.
- The demo scenes' status history, made at load time, is spread over the time since each
  scene was identified, so the follow-up shows statuses per quarter.
- Solna station's case (in Assessment) is measured: its first action (a better station
  environment) began 260 days before the loading day; the 150 days before and the 150 days
  from then are compared, for drug dealing, with the scene as the response area, a 100 m
  buffer, and Jakobsbergs centrum as the control area (whose own case only starts acting
  later). Extra observations make the effect clear and put some displacement into the buffer:
  many more in the scene before than after, more just outside it after than before, the
  control area steady. The assessment is dated the last day of the last ended quarter, so the
  quarterly evaluation report of that quarter has it.

The picture is the same on every day it is loaded (a fixed seed, dates relative to the day)
and everything lies before today. Idempotent: what exists is left as it is.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from actors.models import Organisation, User
from sara import effect, services
from sara.models import Case, EffectEvaluation
from scenes.demo import HOUR_WEIGHTS, STOCKHOLM_TZ, WEEKDAY_WEIGHTS, _reporters
from scenes.models import (
    SWEREF99TM,
    Category,
    Indicator,
    IndicatorValue,
    Observation,
    Scene,
    Source,
    StatusChange,
    to_sweref99tm,
)

CRIMES = "Polisanmälda narkotikabrott nära scenen"
SURVEY = "Andel som känner sig otrygga (trygghetsmätning)"
MONTHS = 18
EFFECT_SCENE = "Solna station (demo)"
CONTROL_SCENE = "Jakobsbergs centrum (demo)"
INTERVENTION_DAYS_AGO = 260
PERIOD_DAYS = 150
BUFFER_M = 100
# Observations added to make the effect: (area, period, how many).
EFFECT_ROWS = [
    ("response", "before", 90),
    ("response", "after", 10),
    ("buffer", "before", 6),
    ("buffer", "after", 22),
    ("control", "before", 35),
    ("control", "after", 35),
    ("control_buffer", "before", 8),
    ("control_buffer", "after", 8),
]


def _months_back(today: date, n: int) -> list[date]:
    """The first days of the n whole months before the current one, oldest first."""
    first = today.replace(day=1)
    months = []
    for _i in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def load_indicators(today: date) -> int:
    """Monthly crimes per demo scene, a yearly survey per demo municipality. Returns the
    values created."""
    coordinator = User.objects.filter(username="lan.samordnare").first()
    region = Organisation.objects.filter(slug="lansstyrelsen-stockholm").first()
    created = []
    scenes = Scene.objects.filter(name__endswith="(demo)").order_by("name")
    for scene in scenes:
        indicator, _new = Indicator.objects.get_or_create(
            scene=scene, name=CRIMES, level="scene",
            defaults={"unit": "brott", "period": "month", "lower_is_better": True,
                      "source": "Polisen, brott anmälda inom 200 m (fiktiva demovärden)"},
        )  # fmt: skip
        have = set(indicator.values.values_list("period_start", flat=True))
        rng = random.Random(f"followup-demo-crimes:{scene.name}")  # noqa: S311 (fictional)
        base = 8 + rng.randrange(12)
        for index, first in enumerate(_months_back(today, MONTHS)):
            months_ago = MONTHS - index
            level = base
            if scene.name == EFFECT_SCENE and months_ago * 30 < INTERVENTION_DAYS_AGO:
                level = max(base // 2, 3)  # lower since the station environment changed
            value = max(0, level + rng.randint(-3, 3))
            if first in have:
                continue
            created.append(
                IndicatorValue(
                    indicator=indicator,
                    period_start=first,
                    period_end=_month_end(first),
                    value=Decimal(value),
                    source=indicator.source,
                    entered_by=coordinator,
                    organisation=region,
                    imported_from="demo",
                )
            )
    municipalities = Organisation.objects.filter(scenes__in=scenes).distinct().order_by("name")
    for municipality in municipalities:
        indicator, _new = Indicator.objects.get_or_create(
            municipality=municipality, name=SURVEY, level="municipality",
            defaults={"unit": "%", "period": "year", "lower_is_better": True,
                      "source": "Kommunens trygghetsmätning (fiktiva demovärden)"},
        )  # fmt: skip
        have = set(indicator.values.values_list("period_start", flat=True))
        rng = random.Random(f"followup-demo-survey:{municipality.name}")  # noqa: S311
        for year in (today.year - 2, today.year - 1):
            first = date(year, 1, 1)
            if first in have:
                continue
            created.append(
                IndicatorValue(
                    indicator=indicator,
                    period_start=first,
                    period_end=date(year, 12, 31),
                    value=Decimal(18 + rng.randrange(14)) + Decimal(rng.randrange(10)) / 10,
                    source=indicator.source,
                    entered_by=coordinator,
                    organisation=municipality,
                    imported_from="demo",
                )
            )
    IndicatorValue.objects.bulk_create(created)
    return len(created)


def spread_status_history(today: date) -> int:
    """Spread each demo scene's status changes, all made when it was loaded, over the time
    since it was identified. Returns how many scenes were spread."""
    spread = 0
    for scene in Scene.objects.filter(name__endswith="(demo)"):
        changes = list(StatusChange.objects.filter(scene=scene).order_by("changed_at", "pk"))
        if not changes or timezone.localtime(changes[0].changed_at).date() <= scene.identified_on:
            continue  # already spread (or nothing to spread)
        days = max((today - timedelta(days=30) - scene.identified_on).days, len(changes))
        for index, change in enumerate(changes):
            day = scene.identified_on + timedelta(days=days * index // len(changes))
            moment = datetime(day.year, day.month, day.day, 9, 0, tzinfo=STOCKHOLM_TZ)
            StatusChange.objects.filter(pk=change.pk).update(changed_at=moment)
        spread += 1
    return spread


def last_quarter_end(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - timedelta(days=1)


def _time_in(rng: random.Random, first: date, last: date) -> datetime:
    """A local time between two days, with the demo's evening and weekend peaks."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
    day = rng.choices(days, weights=weights)[0]
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=STOCKHOLM_TZ)


def _point_near(rng: random.Random, scene: Scene, outside: bool) -> Point:
    """A point inside the scene (near its centre), or 20 to 80 m outside its boundary."""
    transform = to_sweref99tm()
    boundary = scene.boundary.transform(transform, clone=True)
    centre = boundary.centroid
    for _attempt in range(500):
        angle = rng.uniform(0, 2 * math.pi)
        radius = rng.uniform(0, 60) if not outside else rng.uniform(60, 300)
        point = Point(centre.x + radius * math.cos(angle), centre.y + radius * math.sin(angle),
                      srid=SWEREF99TM)  # fmt: skip
        inside = boundary.contains(point)
        if not outside and inside:
            break
        if outside and not inside and 20 <= boundary.distance(point) <= 80:
            break
    else:  # pragma: no cover - the boundaries are regular octagons: always found
        raise RuntimeError(f"no demo point found at {scene}")
    return point.transform(4326, clone=True)


def load_effect_case(today: date) -> int:
    """Measure the effect at Solna station's case and store it with an assessment (with the
    observations that make it). Returns 1 when it was made, 0 when it was there."""
    case = Case.objects.filter(scene__name=EFFECT_SCENE).select_related("scene").first()
    control = Scene.objects.filter(name=CONTROL_SCENE).first()
    if case is None or control is None or case.effect_evaluations.exists():
        return 0
    by = User.objects.filter(username="lan.samordnare").first()
    start = today - timedelta(days=INTERVENTION_DAYS_AGO)
    periods = {
        "before": (start - timedelta(days=PERIOD_DAYS), start - timedelta(days=1)),
        "after": (start, start + timedelta(days=PERIOD_DAYS - 1)),
    }
    rng = random.Random("followup-demo-effect")  # noqa: S311 (a fictional picture)
    rows = []
    for area, period, n in EFFECT_ROWS:
        scene = case.scene if area in ("response", "buffer") else control
        reporters = [r for r in _reporters(scene) if r[0] is not None] or _reporters(scene)
        for _i in range(n):
            user, organisation = rng.choice(reporters)
            rows.append(
                Observation(
                    scene=scene,
                    location=_point_near(rng, scene, outside=area.endswith("buffer")),
                    occurred_at=_time_in(rng, *periods[period]),
                    category=Category.SALE,
                    people_count=rng.randint(2, 8),
                    affected_groups=["resenarer"],
                    source=rng.choice([Source.POLICE, Source.OWN, Source.GUARD]),
                    insecurity=rng.choice([3, 4, 4, 5]),
                    description="",
                    reported_by=user,
                    organisation=organisation,
                )
            )
    Observation.objects.bulk_create(rows)
    setup = effect.Setup(
        scene=case.scene,
        before=periods["before"],
        after=periods["after"],
        categories=(Category.SALE,),
        buffer_m=BUFFER_M,
        control=EffectEvaluation.Control.SCENE,
        control_scene=control,
    )
    services.record_assessment(
        case,
        by=by,
        assessed_on=last_quarter_end(today),
        process="Stationsmiljön förbättrades och polisens riktade insatser genomfördes enligt "
        "plan.",
        effect="Försäljningen på perrongen minskade tydligt; en del verkar ha flyttat till "
        "gångvägarna strax utanför stationen.",
        conclusion="Följ upp gångvägarna runt stationen i nästa lägesbild.",
        effect_setup=setup,
    )
    return 1


@transaction.atomic
def load_followup(today: date | None = None) -> dict[str, int]:
    """Everything above; what exists is left as it is."""
    today = today or timezone.localdate()
    return {
        "indicator_values": load_indicators(today),
        "scenes_spread": spread_status_history(today),
        "effect_cases": load_effect_case(today),
    }
