"""Fictional demo scenes, sub-places, symptom assessments and observations.

Names are marked "(demo)". Places are plausible, events are generated: evening and weekend
peaks and one clear hotspot per scene, from a fixed seed so every installation gets the same
picture. Idempotent: a scene that exists is left as it is.

The picture is the same on every day it is loaded. Every random draw (weekday, hour, week,
category, point, groups) comes from the seed in the same order whatever the date: only the
mapping of "week n before this one" to a calendar day moves with today. So the weekday × hour
profile, the categories and the hotspots do not depend on when the data is loaded, and every
observation lies before today. Categories are dealt by quota and weeks spread evenly rather
than drawn, so even a scene with a dozen observations has drug dealing and drug use to link a
case to and something in the last 90 days.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import transaction
from django.utils import timezone

from actors.models import Membership, Organisation, User
from actors.reference import municipality_slug

from . import services
from .models import (
    AffectedGroup,
    Category,
    LegalBasis,
    LocationFactor,
    Observation,
    Place,
    Scene,
    Source,
    Status,
    Symptom,
    SymptomAssessment,
    TeamBasis,
)

STOCKHOLM_TZ = ZoneInfo("Europe/Stockholm")
OBSERVATIONS_TOTAL = 5000
MONTHS = 18

# name, municipality code, (lat, lon) centre, half-size (m east, m north), area type,
# place type, status, team (slugs; first is lead), hotspot offset (m east, m north),
# sub-places: (name, offset east, offset north, radius m or 0 for a point)
SCENES = [
    (
        "Sergels torg (demo)", "0180", (59.3326, 18.0649), (170, 110), "city", "torgyta",
        Status.UNDER_ATGARD,
        [municipality_slug("0180"), "lpo-city", "region-stockholm-tf", "kriminalvarden"],
        (-40, 20),
        [("Plattan", -40, 20, 45), ("T-Centralens uppgång Drottninggatan", 60, 60, 0),
         ("Kulturhusets trappor", 80, -50, 0)],
    ),
    (
        "Medborgarplatsen (demo)", "0180", (59.3143, 18.0735), (150, 100), "city", "torgyta",
        Status.AKTIV, [municipality_slug("0180"), "lpo-city"], (50, -30),
        [("Parken vid Björns trädgård", 50, -30, 40), ("Tunnelbanans uppgång", -60, 30, 0)],
    ),
    (
        "Fittja centrum (demo)", "0127", (59.2463, 17.8609), (180, 130), "forort",
        "stationsomrade", Status.AKTIV, [municipality_slug("0127"), "lpo-city"], (30, 40),
        [("Bussterminalens väntsal", 30, 40, 0), ("Trapphuset vid torget", -70, -20, 0)],
    ),
    (
        "Flemingsbergs station (demo)", "0126", (59.2187, 17.9466), (160, 100), "forort",
        "stationsomrade", Status.KARTLAGD, [municipality_slug("0126"), "lpo-huddinge"],
        (-30, 10), [("Gångtunneln", -30, 10, 0)],
    ),
    (
        "Ronna centrum (demo)", "0181", (59.2030, 17.6040), (170, 120), "utsatt_omrade",
        "bostadsomrade", Status.UNDER_ATGARD, [municipality_slug("0181"), "lpo-sodertalje"],
        (40, 30), [("Lekplatsen", 40, 30, 30), ("Garageinfarten", -60, -40, 0)],
    ),
    (
        "Solna station (demo)", "0184", (59.3650, 18.0100), (150, 90), "forort",
        "stationsomrade", Status.MINSKAD, [municipality_slug("0184"), "lpo-solna"], (-20, -20),
        [("Pendeltågsperrongen", -20, -20, 0)],
    ),
    (
        "Jakobsbergs centrum (demo)", "0123", (59.4232, 17.8350), (160, 110), "forort",
        "torgyta", Status.AKTIV, [municipality_slug("0123"), "lpo-jarfalla"], (35, -25),
        [("Torget", 35, -25, 40)],
    ),
    (
        "Sundbybergs torg (demo)", "0183", (59.3610, 17.9720), (130, 90), "city", "park",
        Status.AVVECKLAD, [municipality_slug("0183"), "lpo-solna"], (-25, 15),
        [("Parken", -25, 15, 35)],
    ),
]  # fmt: skip


def _offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    """A point east_m and north_m metres from (lat, lon); fine at the scale of a scene."""
    dlat = north_m / 111_320
    dlon = east_m / (111_320 * math.cos(math.radians(lat)))
    return lon + dlon, lat + dlat


def _boundary(lat, lon, half_e, half_n) -> MultiPolygon:
    # An irregular octagon rather than a box, closer to how a drawn boundary looks.
    corners = []
    for i in range(8):
        angle = math.pi / 8 + i * math.pi / 4
        wobble = 0.85 + 0.15 * ((i * 37) % 5) / 4
        corners.append(
            _offset(lat, lon, half_e * math.cos(angle) * wobble, half_n * math.sin(angle) * wobble)
        )
    corners.append(corners[0])
    return MultiPolygon(Polygon(corners), srid=4326)


def _circle(lat, lon, radius_m) -> Polygon:
    ring = [
        _offset(
            lat, lon, radius_m * math.cos(a / 6 * math.pi), radius_m * math.sin(a / 6 * math.pi)
        )
        for a in range(12)
    ]
    return Polygon([*ring, ring[0]], srid=4326)


# Relative weight of each hour (evenings) and weekday (Friday, Saturday).
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 8, 10, 12, 14, 15, 13, 9, 5]
WEEKDAY_WEIGHTS = [3, 3, 3, 4, 6, 7, 5]
CATEGORY_WEIGHTS = {
    Category.SALE: 24, Category.USE: 22, Category.INSECURITY: 14, Category.DISORDER: 12,
    Category.SYRINGES: 9, Category.VIOLENCE: 7, Category.YOUTH: 6, Category.VANDALISM: 4,
    Category.OTHER: 2,
}  # fmt: skip
SOURCE_WEIGHTS = {
    Source.OWN: 20, Source.POLICE: 22, Source.FIELD_ASSISTANT: 18, Source.GUARD: 12,
    Source.SL_CONTROL: 10, Source.PUBLIC_TIP: 10, Source.SAFETY_WALK: 5, Source.OTHER: 3,
}  # fmt: skip
TEXTS = [
    "Grupp samlad vid entrén, tydlig langning.",
    "Flera personer påverkade, oroligt på platsen.",
    "Sprutor hittade vid buskarna, anmält till städ.",
    "Boende uttrycker oro, undviker platsen kvällstid.",
    "Ungdomar i gruppen, fältassistenter på plats.",
    "Lugnt under passet.",
    "Bråk mellan två grupper, polis tillkallad.",
    "",
]


def _random_time(rng: random.Random, today: date, week: int) -> datetime:
    """A local time in the `week`th week before this one (0: this week), never today or later.

    The weekday and the hour follow the weights; the draws do not depend on `today`, so the
    time-of-week profile is the same whenever the data is loaded."""
    weekday = rng.choices(range(7), weights=WEEKDAY_WEIGHTS)[0]
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    minute = rng.randrange(60)
    monday = today - timedelta(days=today.weekday())
    day = monday - timedelta(weeks=week) + timedelta(days=weekday)
    if day >= today:  # later this week: the same weekday a week earlier
        day -= timedelta(weeks=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM_TZ)


def _spread_weeks(rng: random.Random, n: int, weeks: int) -> list[int]:
    """`n` week numbers (0 = this week), one in each of n equal stretches of the `weeks`, in
    random order: the observations are spread over the whole period, so the last 90 days
    have their share even when a test asks for a dozen observations."""
    spread = [int((i + rng.random()) * weeks / n) for i in range(n)]
    rng.shuffle(spread)
    return spread


def _dealt_categories(rng: random.Random, n: int) -> list[str]:
    """`n` categories in the weights' proportions (largest remainder), in random order.

    Dealt rather than drawn: with n >= 2 every scene has both drug dealing and drug use, the
    categories the demo cases link, however few observations a test asks for."""
    total = sum(CATEGORY_WEIGHTS.values())
    exact = {c: n * w / total for c, w in CATEGORY_WEIGHTS.items()}
    counts = {c: int(x) for c, x in exact.items()}
    by_remainder = sorted(exact, key=lambda c: exact[c] - counts[c], reverse=True)
    for category in by_remainder[: n - sum(counts.values())]:
        counts[category] += 1
    dealt = [c for c, k in counts.items() for _i in range(k)]
    rng.shuffle(dealt)
    return dealt


def _random_point(rng, lat, lon, half_e, half_n, hotspot, boundary) -> Point:
    for _attempt in range(50):
        if rng.random() < 0.45:
            east = rng.gauss(hotspot[0], 15)
            north = rng.gauss(hotspot[1], 15)
        else:
            east = rng.uniform(-half_e, half_e)
            north = rng.uniform(-half_n, half_n)
        point = Point(*_offset(lat, lon, east, north), srid=4326)
        if boundary.contains(point):
            return point
    return Point(lon, lat, srid=4326)


def _reporters(scene: Scene) -> list[tuple[User | None, Organisation]]:
    team_orgs = [t.organisation for t in scene.team.select_related("organisation")]
    members = {
        m.organisation_id: m.user
        for m in Membership.objects.filter(organisation__in=team_orgs).select_related("user")
    }
    return [(members.get(org.pk), org) for org in team_orgs]


@transaction.atomic
def load_scenes(now: datetime | None = None, per_scene: int | None = None) -> int:
    """Create the demo scenes that do not exist yet. Returns how many were created.

    `per_scene` observations each (about 5,000 in all by default; tests ask for fewer)."""
    now = now or timezone.now()
    orgs = {o.slug: o for o in Organisation.objects.all()}
    coordinator = User.objects.filter(username="lan.samordnare").first()
    # A fixed seed: the same fictional picture everywhere (not for anything secret).
    rng = random.Random(2026)  # noqa: S311
    per_scene = OBSERVATIONS_TOTAL // len(SCENES) if per_scene is None else per_scene
    today = now.astimezone(STOCKHOLM_TZ).date()
    weeks = MONTHS * 30 // 7
    created = 0
    for index, (name, code, (lat, lon), (half_e, half_n), area, place_type, status, team,
                hotspot, places) in enumerate(SCENES):  # fmt: skip
        if Scene.objects.filter(name=name).exists():
            continue
        boundary = _boundary(lat, lon, half_e, half_n)
        scene = services.create_scene(
            by=coordinator,
            lead=orgs[team[0]],
            name=name,
            municipality=orgs[municipality_slug(code)],
            area_type=area,
            place_type=place_type,
            status=Status.KARTLAGD,
            boundary=boundary,
            description=(
                "Fiktiv demoscen. Platsen används som mötesplats och för försäljning, "
                "främst kvällstid; boende och resenärer beskriver otrygghet."
            ),
            identified_on=date(2019 + index % 5, 1 + index, 1),
            closed_on=today if status == Status.AVVECKLAD else None,
        )
        for slug in team[1:]:
            services.join_team(
                scene,
                orgs[slug],
                by=coordinator,
                basis=TeamBasis.AGREEMENT,
                basis_reference=f"SÖ-ODS-{scene.municipality.municipality_code}-2025",
                basis_date=date(2025, 1, 15),
                reads_from=None,  # on the team from the start
            )
        if status != Status.KARTLAGD:
            services.update_scene(scene, by=coordinator, status=Status.AKTIV)
            if status != Status.AKTIV:
                services.update_scene(scene, by=coordinator, status=status)
        place_objs = []
        for place_name, east, north, radius in places:
            plon, plat = _offset(lat, lon, east, north)
            geometry = _circle(plat, plon, radius) if radius else Point(plon, plat, srid=4326)
            place_objs.append(Place.objects.create(scene=scene, name=place_name, geometry=geometry))
        for months_ago, symptoms in ((12, 4), (0, 6)):
            SymptomAssessment.objects.create(
                scene=scene,
                assessed_on=today - timedelta(days=30 * months_ago),
                symptoms=list(Symptom.values)[:symptoms],
                location_factors=[LocationFactor.STAGE, LocationFactor.SAFE_FOR_GANG]
                + ([LocationFactor.WARMTH] if months_ago == 0 else []),
                comment="Fiktiv bedömning vid trygghetsvandring.",
                assessed_by=coordinator,
                organisation=orgs[team[0]],
            )
        reporters = _reporters(scene)
        observations = []
        weeks_ago = _spread_weeks(rng, per_scene, weeks)
        for category, week in zip(_dealt_categories(rng, per_scene), weeks_ago, strict=True):
            user, org = rng.choice(reporters)
            point = _random_point(rng, lat, lon, half_e, half_n, hotspot, boundary)
            near = [p for p in place_objs if p.geometry.distance(point) < 0.0004]
            observations.append(
                Observation(
                    scene=scene,
                    place=near[0] if near else None,
                    location=point,
                    occurred_at=_random_time(rng, today, week),
                    category=category,
                    people_count=max(1, int(rng.gauss(6, 4))),
                    affected_groups=rng.sample(list(AffectedGroup.values), k=rng.randint(1, 3)),
                    source=rng.choices(list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()))[
                        0
                    ],
                    insecurity=rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 5, 4, 2])[0],
                    description=rng.choice(TEXTS),
                    reported_by=user,
                    organisation=org,
                )
            )
        Observation.objects.bulk_create(observations, batch_size=1000)
        if index == 0:
            _keep_social_services_notes(scene, orgs[team[0]])
        created += 1
    return created


# Notes the social services keep to themselves at the first demo scene (fictional, about
# groups, never persons), one of them shared with the police on a recorded legal basis.
KEPT_NOTES = [
    "Socialtjänstens anteckning: oro för unga i gruppen vid trappan, fältgruppen kontaktad.",
    "Socialtjänstens anteckning: samtal med vuxna i gruppen om stöd och boende.",
    "Socialtjänstens anteckning: uppföljning planerad med skolans elevhälsa.",
]


def _keep_social_services_notes(scene: Scene, municipality: Organisation) -> None:
    own = list(
        Observation.objects.filter(scene=scene, organisation=municipality).order_by("pk")[
            : len(KEPT_NOTES)
        ]
    )
    for observation, note in zip(own, KEPT_NOTES, strict=False):
        Observation.objects.filter(pk=observation.pk).update(restricted=True, description=note)
    coordinator = User.objects.filter(username="sthlm.samordnare").first()
    police = Organisation.objects.filter(slug="lpo-city").first()
    if own and coordinator and police:
        services.share_row(
            Observation.objects.get(pk=own[0].pk),
            by=coordinator,
            organisations=[police],
            basis=LegalBasis.OSL_10_18A,
            purpose="Gemensam bild av unga i riskmiljö vid Plattan inför SSPF-mötet.",
            decided_by="Enhetschef, socialtjänstens fältgrupp (fiktiv)",
            decided_on=own[0].created_at.date(),
        )
