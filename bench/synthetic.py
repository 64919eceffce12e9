"""Synthetic, fictional data for the benchmarks: one busy scene in Stockholm.

`ensure_bench_scene(observations=20_000, seed=2026)` makes sure the database holds

- the reference organisations and the demo personas (`actors.reference.load_organisations`,
  `actors.demo.load_personas`), created when missing and left alone when present;
- one scene, `BENCH_SCENE_NAME`, at Norra Bantorget in Stockholm, with a team of four
  organisations, three sub-places (two areas and a point), two symptom assessments and one
  SARA case with actions (the demo's generic case), so every section of a lägesbild has
  something in it;
- exactly `observations` observations at that scene, spread over the 90 whole days before
  today (Europe/Stockholm), with evening and weekend peaks and two hotspots, inserted
  with `bulk_create` in batches of 5,000 and followed by an `ANALYZE` of the table.

Everything is made up. Observations describe places and groups, never people: no names, no
identity numbers, only the kinds of free text the demo data uses. The same seed, count and
day give the same rows; a different count (or a day that moved the 90-day window) replaces
the scene's observations and nothing else.

Run it on a scratch database only (see README.md): it writes to whatever DATABASE_URL names.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM_TZ = ZoneInfo("Europe/Stockholm")

BENCH_SCENE_NAME = "Norra Bantorget (bench)"
BENCH_MUNICIPALITY = "0180"  # Stockholm
REQUESTER = "sthlm.samordnare"  # the coordinator who orders the lägesbild
DEFAULT_OBSERVATIONS = 20_000
DEFAULT_SEED = 2026
PERIOD_DAYS = 90
BATCH_SIZE = 5_000

CENTRE = (59.3375, 18.0560)  # (lat, lon)
HALF_SIZE = (190.0, 120.0)  # metres east, north
# Two hotspots (metres east, north of the centre), their spread (m) and share of the rows.
HOTSPOTS = [((-60.0, 30.0), 14.0, 0.30), ((75.0, -45.0), 18.0, 0.18)]
# name, metres east, metres north, radius in metres (0 for a point)
SUB_PLACES = [
    ("Parken vid fontänen", -60.0, 30.0, 40.0),
    ("Busshållplatsen Vasagatan", 75.0, -45.0, 0.0),
    ("Trappan mot Olof Palmes gata", 20.0, 80.0, 25.0),
]
TEAM = ["lpo-city", "region-stockholm-tf", "kriminalvarden"]  # the municipality leads

# Relative weight of each hour (evenings) and weekday (Friday, Saturday), as in the demo.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 8, 10, 12, 14, 15, 13, 9, 5]
WEEKDAY_WEIGHTS = [3, 3, 3, 4, 6, 7, 5]
TEXTS = [
    "Grupp samlad vid fontänen, tydlig langning.",
    "Flera personer påverkade, oroligt vid hållplatsen.",
    "Sprutor hittade i rabatten, anmält till städ.",
    "Resenärer undviker trappan kvällstid.",
    "Ungdomar i gruppen, fältassistenter på plats.",
    "Lugnt under passet.",
    "Bråk mellan två grupper, polis tillkallad.",
    "",
]


@dataclass(frozen=True)
class BenchData:
    """What a benchmark needs to order a lägesbild on the bench scene."""

    scene_id: int
    requester_id: int
    start: date  # first day of the period (inclusive)
    end: date  # last day of the period (inclusive)
    observations: int  # observations in the period
    created: int  # observations inserted by this call (0 when they were already there)


def _offset(east_m: float, north_m: float) -> tuple[float, float]:
    """(lon, lat) of a point east_m and north_m metres from the centre."""
    lat, lon = CENTRE
    return (
        lon + east_m / (111_320 * math.cos(math.radians(lat))),
        lat + north_m / 111_320,
    )


def _octagon() -> list[tuple[float, float]]:
    """The boundary's corners in metres from the centre: an irregular octagon."""
    corners = []
    for i in range(8):
        angle = math.pi / 8 + i * math.pi / 4
        wobble = 0.85 + 0.15 * ((i * 37) % 5) / 4
        corners.append(
            (HALF_SIZE[0] * math.cos(angle) * wobble, HALF_SIZE[1] * math.sin(angle) * wobble)
        )
    return corners


def _inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    """Point in polygon (ray casting), in metres."""
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _boundary():
    from django.contrib.gis.geos import MultiPolygon, Polygon

    corners = [_offset(e, n) for e, n in _octagon()]
    return MultiPolygon(Polygon([*corners, corners[0]]), srid=4326)


def _place_geometry(east: float, north: float, radius: float):
    from django.contrib.gis.geos import Point, Polygon

    if not radius:
        return Point(*_offset(east, north), srid=4326)
    ring = [
        _offset(
            east + radius * math.cos(a * math.pi / 8), north + radius * math.sin(a * math.pi / 8)
        )
        for a in range(16)
    ]
    return Polygon([*ring, ring[0]], srid=4326)


def period(today: date) -> tuple[date, date]:
    """The PERIOD_DAYS whole days before today, inclusive: none of it lies in the future,
    whatever the time of day the bench runs."""
    return today - timedelta(days=PERIOD_DAYS), today - timedelta(days=1)


def _ensure_scene():
    from actors.models import Organisation, User
    from actors.reference import municipality_slug
    from scenes import services
    from scenes.models import Place, Scene, Status

    scene = Scene.objects.filter(name=BENCH_SCENE_NAME).first()
    if scene is not None:
        return scene
    orgs = {o.slug: o for o in Organisation.objects.all()}
    coordinator = User.objects.get(username="lan.samordnare")
    municipality = orgs[municipality_slug(BENCH_MUNICIPALITY)]
    scene = services.create_scene(
        by=coordinator,
        lead=municipality,
        name=BENCH_SCENE_NAME,
        municipality=municipality,
        area_type="city",
        place_type="torgyta",
        status=Status.KARTLAGD,
        boundary=_boundary(),
        description=(
            "Fiktiv scen för prestandamätning. Parken och hållplatsen används som mötesplats "
            "och för försäljning, främst kvällstid."
        ),
        identified_on=date(2021, 3, 1),
    )
    for slug in TEAM:
        services.join_team(
            scene, orgs[slug], by=None, basis="agreement", basis_reference="SÖ-BENCH",
            basis_date=date(2025, 1, 1), reads_from=None,
        )  # fmt: skip
    services.update_scene(scene, by=coordinator, status=Status.AKTIV)
    for name, east, north, radius in SUB_PLACES:
        Place.objects.create(scene=scene, name=name, geometry=_place_geometry(east, north, radius))
    return scene


def _ensure_assessments(scene, today: date) -> None:
    from actors.models import User
    from scenes.models import LocationFactor, Symptom, SymptomAssessment

    if scene.assessments.exists():
        return
    lead = scene.team.select_related("organisation").get(is_lead=True).organisation
    by = User.objects.get(username="lan.samordnare")
    for days_ago, symptoms in ((200, 3), (20, 6)):
        SymptomAssessment.objects.create(
            scene=scene,
            assessed_on=today - timedelta(days=days_ago),
            symptoms=list(Symptom.values)[:symptoms],
            location_factors=[LocationFactor.STAGE, LocationFactor.WARMTH],
            comment="Fiktiv bedömning vid trygghetsvandring.",
            assessed_by=by,
            organisation=lead,
        )


def _ensure_case(scene, today: date) -> None:
    """The demo's generic SARA case (phase analysis, two actions), once."""
    from sara import demo as sara_demo

    if scene.cases.exists():
        return
    rng = random.Random(f"bench:{scene.name}")  # noqa: S311 (fictional data, not a secret)
    sara_demo._load_case(sara_demo._generic_spec(scene), scene, today, rng)


def _observations(scene, count: int, seed: int, start: date) -> list:
    """`count` unsaved observations over PERIOD_DAYS days from `start`, deterministic."""
    from django.contrib.gis.geos import Point

    from actors.models import Membership
    from scenes.demo import CATEGORY_WEIGHTS, SOURCE_WEIGHTS
    from scenes.models import AffectedGroup, Observation

    rng = random.Random(seed)  # noqa: S311 (fictional data, not a secret)
    team = [t.organisation for t in scene.team.select_related("organisation").order_by("pk")]
    members = {
        m.organisation_id: m.user
        for m in Membership.objects.filter(organisation__in=team)
        .select_related("user")
        .order_by("pk")
    }
    reporters = [(members.get(org.pk), org) for org in team]
    places = {p.name: p for p in scene.places.all()}
    # An observation belongs to a sub-place within its radius (20 m around a point).
    place_xy = [
        (places[name], east, north, max(radius, 20.0)) for name, east, north, radius in SUB_PLACES
    ]
    ring = _octagon()
    categories, category_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    sources, source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
    groups = list(AffectedGroup.values)
    # Day weights: weekends busier, and a slow rise over the period (a scene growing).
    days = [start + timedelta(days=i) for i in range(PERIOD_DAYS)]
    day_weights = [
        WEEKDAY_WEIGHTS[d.weekday()] * (0.8 + 0.4 * i / PERIOD_DAYS) for i, d in enumerate(days)
    ]
    day_picks = rng.choices(days, weights=day_weights, k=count)
    hour_picks = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    rows = []
    for day, hour in zip(day_picks, hour_picks, strict=True):
        east = north = None
        pick = rng.random()
        for (hx, hy), spread, share in HOTSPOTS:
            if pick < share:
                east, north = rng.gauss(hx, spread), rng.gauss(hy, spread)
                break
            pick -= share
        while east is None or not _inside(east, north, ring):
            east = rng.uniform(-HALF_SIZE[0], HALF_SIZE[0])
            north = rng.uniform(-HALF_SIZE[1], HALF_SIZE[1])
        place = next(
            (p for p, px, py, radius in place_xy if math.hypot(east - px, north - py) <= radius),
            None,
        )
        user, org = rng.choice(reporters)
        occurred = datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=STOCKHOLM_TZ
        )
        rows.append(
            Observation(
                scene=scene,
                place=place,
                location=Point(*_offset(east, north), srid=4326),
                occurred_at=occurred,
                category=rng.choices(categories, weights=category_weights)[0],
                people_count=max(1, int(rng.gauss(6, 4))),
                affected_groups=rng.sample(groups, k=rng.randint(1, 3)),
                source=rng.choices(sources, weights=source_weights)[0],
                insecurity=rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 5, 4, 2])[0],
                description=rng.choice(TEXTS),
                reported_by=user,
                organisation=org,
            )
        )
    return rows


def ensure_bench_scene(
    observations: int = DEFAULT_OBSERVATIONS,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    log=print,
    force: bool = False,
) -> BenchData:
    """Make sure the bench scene holds exactly `observations` observations in the 90 days
    before `today` (by default today in Europe/Stockholm). Idempotent: observations that
    are already right are kept (the seed is not stored: `force` regenerates them)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from actors.demo import load_personas
    from actors.models import User
    from actors.reference import load_organisations
    from scenes.filters import _day_start
    from scenes.models import Observation

    today = today or timezone.localdate()
    start, end = period(today)
    load_organisations()
    load_personas()
    with transaction.atomic():
        scene = _ensure_scene()
        _ensure_assessments(scene, today)
    existing = Observation.objects.filter(scene=scene)
    in_period = existing.filter(
        occurred_at__gte=_day_start(start), occurred_at__lt=_day_start(end + timedelta(days=1))
    )
    created = 0
    fresh = existing.count() == observations and in_period.count() == observations
    if force or not fresh:
        log(f"Generating {observations:,} observations (seed {seed}, {start} – {end}) …")
        rows = _observations(scene, observations, seed, start)
        with transaction.atomic():
            # Cases may link observations; the link table cascades, the case stays.
            existing.delete()
            Observation.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        created = len(rows)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Observation._meta.db_table}")
    with transaction.atomic():
        _ensure_case(scene, today)  # after the observations: the case links a few of them
    requester = User.objects.get(username=REQUESTER)
    return BenchData(
        scene_id=scene.pk,
        requester_id=requester.pk,
        start=start,
        end=end,
        observations=in_period.count(),
        created=created,
    )


if __name__ == "__main__":
    import argparse
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ods_platform.settings")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=DEFAULT_OBSERVATIONS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="regenerate the observations")
    args = parser.parse_args()
    import django

    django.setup()
    data = ensure_bench_scene(args.observations, args.seed, force=args.force)
    print(data)
