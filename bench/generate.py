"""National-scale synthetic data for the page benchmarks, in a database of its own.

    .venv/bin/python bench/generate.py --database ods_bench_1m [--profile 1m|10m] [--seed S]

What it loads (profile `1m`, the default; `10m` is the "dense" one: the same scenes, users,
cases and actions with ten times the observations):

- the reference organisations, the demo personas and the demo scenes (`load_demo`), so the
  personas' pages are the ones measured;
- 41 more municipalities (the 20 other regions, one to three each, fictional bench rows with
  real codes) and scenes up to 300 in all: about 60 in Stockholm County, the rest spread over
  the other regions, each with its municipality as lead (and a police area now and then);
- users up to 2,000, each with one membership (coordinators, case officers, analysts,
  viewers) in a municipality that has scenes;
- 1,000,000 observations (10,000,000 dense) over the three years before `--today`, 60 % on
  the eight demo scenes (a quarter of all on Sergels torg), evening peaks, growing towards
  today, 2 % kept to their organisation;
- 20,000 SARA cases and 80,000 actions (100,000 together), owned by the scenes' leads, a
  share of the actions overdue.

Everything is made up; observations describe places and groups, never people. Rows are
inserted set-based (`INSERT ... SELECT ... generate_series`) with triggers off for the bulk
(`session_replication_role = replica`: no audit rows for fictional bulk data), then
`ANALYZE`. The same seed, profile and `--today` give the same rows (a seeded `random()` in
one process without parallel plans). Run again with the same arguments it only checks the
marker table `bench_generated` and stops; other arguments (or `--force`) drop and rebuild the
database.

It refuses any database whose name does not contain `bench`, the demo database named in
`.env` and every `test_` database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROFILES = {
    "1m": {"observations": 1_000_000, "scenes": 300, "users": 2_000, "cases": 20_000,
           "actions": 80_000},
    "10m": {"observations": 10_000_000, "scenes": 300, "users": 2_000, "cases": 20_000,
            "actions": 80_000},
    # The smallest, for the test that runs the generator as `make bench` would.
    "smoke": {"observations": 20_000, "scenes": 40, "users": 100, "cases": 200,
              "actions": 800},
}  # fmt: skip
DEFAULT_SEED = 2026
YEARS = 3
CHUNK = 1_000_000
STOCKHOLM_COUNTY_SCENES = 60
# Shares of all observations on the demo scenes (by name); the rest over the other scenes.
DEMO_SHARES = {"Sergels torg (demo)": 0.25, "Medborgarplatsen (demo)": 0.15}
OTHER_DEMO_SHARE = 0.20  # together, over the remaining demo scenes

# One to three municipalities in each of the 20 regions outside Stockholm County:
# (code, name, lat, lon). Real codes and places, fictional everything else.
REGIONS = [
    ("0380", "Uppsala kommun", 59.858, 17.639), ("0381", "Enköpings kommun", 59.636, 17.078),
    ("0484", "Eskilstuna kommun", 59.371, 16.510), ("0480", "Nyköpings kommun", 58.753, 17.008),
    ("0580", "Linköpings kommun", 58.411, 15.622), ("0581", "Norrköpings kommun", 58.588, 16.192),
    ("0680", "Jönköpings kommun", 57.782, 14.161), ("0780", "Växjö kommun", 56.879, 14.806),
    ("0880", "Kalmar kommun", 56.663, 16.356), ("0980", "Region Gotland (kommun)", 57.634, 18.294),
    ("1080", "Karlskrona kommun", 56.161, 15.587), ("1280", "Malmö stad", 55.605, 13.003),
    ("1281", "Lunds kommun", 55.705, 13.191), ("1283", "Helsingborgs stad", 56.046, 12.694),
    ("1380", "Halmstads kommun", 56.674, 12.857), ("1382", "Falkenbergs kommun", 56.905, 12.491),
    ("1480", "Göteborgs stad", 57.708, 11.974), ("1490", "Borås stad", 57.721, 12.940),
    ("1488", "Trollhättans stad", 58.283, 12.289), ("1780", "Karlstads kommun", 59.402, 13.511),
    ("1880", "Örebro kommun", 59.275, 15.213), ("1980", "Västerås stad", 59.611, 16.545),
    ("2080", "Falu kommun", 60.607, 15.636), ("2081", "Borlänge kommun", 60.485, 15.437),
    ("2180", "Gävle kommun", 60.674, 17.141), ("2281", "Sundsvalls kommun", 62.391, 17.307),
    ("2380", "Östersunds kommun", 63.179, 14.636), ("2480", "Umeå kommun", 63.826, 20.263),
    ("2482", "Skellefteå kommun", 64.750, 20.950), ("2580", "Luleå kommun", 65.584, 22.155),
    ("2584", "Kiruna kommun", 67.856, 20.225), ("0583", "Motala kommun", 58.537, 15.037),
    ("0683", "Värnamo kommun", 57.186, 14.040), ("1282", "Landskrona stad", 55.870, 12.830),
    ("1285", "Eslövs kommun", 55.839, 13.304), ("1485", "Uddevalla kommun", 58.349, 11.938),
    ("1484", "Lysekils kommun", 58.275, 11.436),
]  # fmt: skip
# Stockholm County municipalities and a rough centre for their bench scenes.
COUNTY = [
    ("0180", 59.332, 18.065), ("0127", 59.246, 17.861), ("0126", 59.236, 17.981),
    ("0181", 59.196, 17.626), ("0184", 59.360, 18.000), ("0123", 59.423, 17.835),
    ("0183", 59.361, 17.972), ("0182", 59.310, 18.163), ("0136", 59.168, 18.137),
    ("0163", 59.428, 17.951), ("0160", 59.444, 18.069), ("0191", 59.618, 17.724),
]  # fmt: skip
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 8, 10, 12, 14, 15, 13, 9, 5]
CATEGORIES = {"narkotikaforsaljning": 24, "narkotikabruk": 22, "otrygghetsskapande": 14,
              "ordningsstorning": 12, "sprutor_nedskrapning": 9, "vald_hot": 7,
              "unga_i_riskmiljo": 6, "skadegorelse": 4, "annat": 2}  # fmt: skip
SOURCES = {"egen": 20, "polis": 22, "faltassistent": 18, "ordningsvakt": 12,
           "sl_trygghetscentral": 10, "tips": 10, "trygghetsvandring": 5, "annat": 3}  # fmt: skip
GROUPS = ["boende", "forbipasserande", "resenarer", "naringsidkare", "personer_i_missbruk",
          "barn_och_unga", "personal"]  # fmt: skip
TEXTS = ["Grupp samlad vid entrén, tydlig langning.", "Flera personer påverkade, oroligt.",
         "Sprutor hittade vid buskarna, anmält till städ.", "Lugnt under passet.",
         "Boende undviker platsen kvällstid.", "Bråk mellan två grupper, polis tillkallad.",
         "", ""]  # fmt: skip
PLACE_NAMES = ["Torget", "Stationen", "Centrum", "Parken", "Busstorget", "Gångtunneln",
               "Köpcentrumets entré", "Skolgården", "Hamnen", "Resecentrum"]  # fmt: skip


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def refuse_reason(name: str, demo_database: str) -> str | None:
    """Why `name` may not be written to, or None."""
    if "bench" not in name:
        return f"{name!r} does not contain 'bench': the generator writes only to bench databases"
    if name.startswith("test_"):
        return f"{name!r} is a test database"
    if name == demo_database:
        return f"{name!r} is the database named in .env"
    return None


def _sql_array(values, cast="text") -> str:
    def quote(v):
        return "'" + str(v).replace("'", "''") + "'"

    return "ARRAY[" + ",".join(quote(v) for v in values) + f"]::{cast}[]"


def _weighted(weights: dict) -> list:
    return [k for k, w in weights.items() for _ in range(w)]


def _admin_connect(url_db: str, database: str):
    import psycopg

    return psycopg.connect(url_db.rsplit("/", 1)[0].replace("postgis://", "postgresql://") + "/"
                           + database, autocommit=True)  # fmt: skip


def prepare_database(base_url: str, database: str, force: bool, marker: str) -> str:
    """Create (or re-create) the database; returns its URL. Stops early when `marker` says
    the same data is already there."""
    url = base_url.rsplit("/", 1)[0] + "/" + database
    with _admin_connect(base_url, "postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if exists and not force:
        with _admin_connect(base_url, database) as conn:
            has = conn.execute("SELECT to_regclass('bench_generated')").fetchone()[0]
            done = has and conn.execute("SELECT marker FROM bench_generated").fetchone()
        if done and done[0] == marker:
            return url
        log(f"{database} holds other data ({done[0] if done else 'incomplete'}): rebuilding it")
        force = True
    if exists and force:
        with _admin_connect(base_url, "postgres") as conn:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    with _admin_connect(base_url, "postgres") as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    with _admin_connect(base_url, database) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


def _scene_boundary(lat: float, lon: float, half_e: float, half_n: float):
    import math

    from django.contrib.gis.geos import MultiPolygon, Polygon

    de = half_e / (111_320 * math.cos(math.radians(lat)))
    dn = half_n / 111_320
    ring = [(lon - de, lat - dn), (lon + de, lat - dn), (lon + de, lat + dn), (lon - de, lat + dn)]
    return MultiPolygon(Polygon([*ring, ring[0]]), srid=4326)


def make_scenes(rng, total: int) -> None:
    from actors.models import Organisation, User
    from actors.reference import municipality_slug
    from scenes import services
    from scenes.models import AreaType, PlaceType, Scene, Status

    by = User.objects.get(username="lan.samordnare")
    orgs = {o.slug: o for o in Organisation.objects.all()}
    for code, name, _lat, _lon in REGIONS:
        slug = municipality_slug(code)
        if slug not in orgs:
            org = Organisation(slug=slug, name=name, kind=Organisation.Kind.KOMMUN,
                               municipality_code=code)  # fmt: skip
            org.full_clean()
            org.save()
            orgs[slug] = org
    have = Scene.objects.count()
    county_left = max(0, STOCKHOLM_COUNTY_SCENES - have)
    places = [(c, lat, lon) for c, lat, lon in COUNTY]
    wanted = []
    for i in range(total - have):
        if i < county_left:
            # A third of the county's bench scenes in Stockholm itself.
            code, lat, lon = places[0] if i % 3 == 0 else rng.choice(places)
            spread = 0.08
        else:
            code, _name, lat, lon = REGIONS[i % len(REGIONS)]
            spread = 0.04
        dlat, dlon = rng.uniform(-spread, spread), rng.uniform(-spread, spread)
        wanted.append((code, lat + dlat, lon + dlon))
    statuses = [Status.KARTLAGD, Status.AKTIV, Status.AKTIV, Status.UNDER_ATGARD, Status.MINSKAD]
    police = ["lpo-city", "lpo-sodermalm", "lpo-jarva"]
    for n, (code, lat, lon) in enumerate(wanted, start=1):
        municipality = orgs[municipality_slug(code)]
        scene = services.create_scene(
            by=by,
            lead=municipality,
            name=f"{rng.choice(PLACE_NAMES)} {n} (bench)",
            municipality=municipality,
            area_type=rng.choice(list(AreaType.values)),
            place_type=rng.choice(list(PlaceType.values)),
            status=rng.choice(statuses),
            boundary=_scene_boundary(lat, lon, rng.uniform(80, 250), rng.uniform(60, 200)),
            description="Fiktiv scen för prestandamätning.",
            identified_on=date(2020 + n % 5, 1 + n % 12, 1),
        )
        if code.startswith("01") and n % 4 == 0:
            services.join_team(scene, orgs[police[n % 3]], by=None, basis="agreement",
                               basis_reference="SÖ-BENCH", basis_date=date(2025, 1, 1),
                               reads_from=None)  # fmt: skip


def make_users(cursor, total: int, seed: int) -> None:
    """Users up to `total`, one membership each, in the municipalities that lead scenes (and
    their groups, as Membership.save would)."""
    cursor.execute("SELECT count(*) FROM actors_user")
    have = cursor.fetchone()[0]
    if have >= total:
        return
    cursor.execute("SELECT setseed(%s)", [((seed * 7) % 1000) / 1000])
    cursor.execute("SELECT password FROM actors_user WHERE username = 'sthlm.samordnare'")
    password = cursor.fetchone()[0]
    cursor.execute(
        """
        CREATE TEMP TABLE bench_org AS
        SELECT row_number() OVER (ORDER BY o.id) - 1 AS idx, o.id, o.group_id
        FROM actors_organisation o
        WHERE o.id IN (SELECT organisation_id FROM scenes_sceneteam)
        """
    )
    cursor.execute(
        """
        WITH u AS (
            INSERT INTO actors_user (password, is_superuser, username, first_name, last_name,
                                     email, is_staff, is_active, date_joined)
            SELECT %s, false, 'bench.u' || lpad(g::text, 5, '0'), 'Bänk', 'Användare ' || g,
                   'bench.u' || g || '@bench.invalid', false, true, now()
            FROM generate_series(1, %s) g
            RETURNING id
        ), pick AS (
            SELECT u.id AS user_id,
                   (SELECT count(*) FROM bench_org) AS n, random() AS r, random() AS r2
            FROM u
        ), placed AS (
            SELECT p.user_id, o.id AS org_id, o.group_id,
                   (ARRAY['coordinator','case_officer','case_officer','case_officer',
                          'analyst','viewer'])[1 + floor(p.r2 * 6)::int] AS role
            FROM pick p JOIN bench_org o ON o.idx = floor(p.r * p.n)::int
        ), m AS (
            INSERT INTO actors_membership (role, created_at, user_id, organisation_id)
            SELECT role, now(), user_id, org_id FROM placed RETURNING 1
        )
        INSERT INTO actors_user_groups (user_id, group_id)
        SELECT user_id, group_id FROM placed WHERE group_id IS NOT NULL
        """,
        [password, total - have],
    )


def make_observations(cursor, total: int, seed: int, today: date) -> None:
    """`total` observations, set-based, in chunks of CHUNK rows."""
    cursor.execute(
        """
        CREATE TEMP TABLE bench_scene AS
        SELECT row_number() OVER (ORDER BY s.id) - 1 AS idx, s.id, s.name,
               ST_XMin(s.boundary) AS x0, ST_YMin(s.boundary) AS y0,
               ST_XMax(s.boundary) - ST_XMin(s.boundary) AS w,
               ST_YMax(s.boundary) - ST_YMin(s.boundary) AS h,
               ST_X(ST_PointOnSurface(s.boundary)) AS cx, ST_Y(ST_PointOnSurface(s.boundary)) AS cy,
               array_agg(t.organisation_id ORDER BY t.organisation_id) AS orgs,
               array_agg((SELECT min(m.user_id) FROM actors_membership m
                          WHERE m.organisation_id = t.organisation_id)
                         ORDER BY t.organisation_id) AS users
        FROM scenes_scene s JOIN scenes_sceneteam t ON t.scene_id = s.id
        GROUP BY s.id
        """
    )
    cursor.execute("SELECT idx, name FROM bench_scene ORDER BY idx")
    scenes = cursor.fetchall()
    demo = [i for i, name in scenes if name.endswith("(demo)")]
    named = {name: i for i, name in scenes}
    others = [i for i, name in scenes if not name.endswith("(demo)")]
    rest_demo = [i for i in demo if scenes[i][1] not in DEMO_SHARES]
    # 1,000 slots, each a scene, in proportion to the shares above.
    slots: list[int] = []
    for name, share in DEMO_SHARES.items():
        slots += [named[name]] * round(share * 1000)
    for k in range(round(OTHER_DEMO_SHARE * 1000)):
        slots.append(rest_demo[k % len(rest_demo)])
    k = 0
    while len(slots) < 1000:
        slots.append(others[k % len(others)])
        k += 1
    hours = _weighted(dict(enumerate(HOUR_WEIGHTS)))
    categories, sources = _weighted(CATEGORIES), _weighted(SOURCES)
    days = YEARS * 365
    sql = """
        INSERT INTO scenes_observation (location, occurred_at, category, people_count,
            affected_groups, source, insecurity, description, created_at, organisation_id,
            reported_by_id, place_id, scene_id, restricted)
        SELECT ST_SetSRID(ST_MakePoint(
                   CASE WHEN r.hot < 0.5 THEN s.cx + (r.px - 0.5) * s.w * 0.15
                        ELSE s.x0 + r.px * s.w END,
                   CASE WHEN r.hot < 0.5 THEN s.cy + (r.py - 0.5) * s.h * 0.15
                        ELSE s.y0 + r.py * s.h END), 4326),
               r.at, r.category, r.people, r.groups, r.source, r.insecurity, r.text,
               r.at + interval '40 minutes',
               s.orgs[1 + floor(r.who * cardinality(s.orgs))::int],
               s.users[1 + floor(r.who * cardinality(s.orgs))::int],
               NULL, s.id, r.kept < 0.02
        FROM (
            SELECT (%(slots)s)[1 + floor(random() * 1000)::int] AS scene_idx,
                   random() AS hot, random() AS px, random() AS py, random() AS who,
                   random() AS kept,
                   (%(today)s::date - floor(power(random(), 1.4) * %(days)s)::int
                    - 1)::timestamp AT TIME ZONE 'Europe/Stockholm'
                   + make_interval(hours => (%(hours)s)[1 + floor(random() * %(nh)s)::int],
                                   mins => floor(random() * 60)::int) AS at,
                   (%(categories)s)[1 + floor(random() * %(nc)s)::int] AS category,
                   (%(sources)s)[1 + floor(random() * %(ns)s)::int] AS source,
                   greatest(1, floor(random() * 12))::smallint AS people,
                   CASE WHEN random() < 0.6
                        THEN ARRAY[(%(groups)s)[1 + floor(random() * 7)::int]]
                        ELSE ARRAY[(%(groups)s)[1 + floor(random() * 7)::int],
                                   (%(groups)s)[1 + floor(random() * 7)::int]] END
                   ::varchar(30)[] AS groups,
                   (1 + floor(random() * 5))::smallint AS insecurity,
                   (%(texts)s)[1 + floor(random() * %(nt)s)::int] AS text
            FROM generate_series(1, %(n)s) g
        ) r JOIN bench_scene s ON s.idx = r.scene_idx
    """
    # The arrays are literals (built from constants above), the numbers parameters.
    sql = (
        sql.replace("%(slots)s", "ARRAY[" + ",".join(map(str, slots)) + "]::int[]")
        .replace("%(hours)s", "ARRAY[" + ",".join(map(str, hours)) + "]::int[]")
        .replace("%(categories)s", _sql_array(categories))
        .replace("%(sources)s", _sql_array(sources))
        .replace("%(groups)s", _sql_array(GROUPS))
        .replace("%(texts)s", _sql_array(TEXTS))
    )
    params = {"today": today, "days": days, "nh": len(hours), "nc": len(categories),
              "ns": len(sources), "nt": len(TEXTS)}  # fmt: skip
    done = 0
    chunk_no = 0
    while done < total:
        n = min(CHUNK, total - done)
        cursor.execute("SELECT setseed(%s)", [(((seed + chunk_no * 7919) % 1999) / 1000) - 0.999])
        started = time.monotonic()
        cursor.execute(sql, {**params, "n": n})
        done += n
        chunk_no += 1
        log(f"  observations: {done:,} / {total:,} ({time.monotonic() - started:.0f} s)")


def make_cases_and_actions(cursor, cases: int, actions: int, seed: int, today: date) -> None:
    """Cases on every scene (the busy demo scenes get more), owned by the scene's lead;
    actions on those cases, mostly by the lead, some overdue."""
    cursor.execute("SELECT setseed(%s)", [((seed * 13) % 1000) / 1000])
    cursor.execute(
        """
        CREATE TEMP TABLE bench_lead AS
        SELECT row_number() OVER (ORDER BY s.id) - 1 AS idx, s.id AS scene_id,
               t.organisation_id AS lead_id, right(s.name, 6) = '(demo)' AS demo
        FROM scenes_scene s JOIN scenes_sceneteam t ON t.scene_id = s.id AND t.is_lead
        """
    )
    cursor.execute(
        """
        INSERT INTO sara_case (title, problem_statement, goal_indicator, goal_baseline,
            goal_target, goal_date, phase, created_at, updated_at, created_by_id, owner_id,
            scene_id, goal_measure_id)
        SELECT 'Ärende ' || g || ' (bench)',
               'Fiktiv problembeskrivning: försäljning och otrygghet kvällstid.',
               'Observationer per månad', 40, 20, %(today)s::date + (g %% 400),
               (ARRAY['scanning','analysis','response','response','assessment','closed'])
                   [1 + floor(random() * 6)::int],
               now(), now(), NULL, l.lead_id, l.scene_id, NULL
        FROM (
            SELECT g, CASE WHEN random() < 0.3
                           THEN (SELECT min(idx) FROM bench_lead WHERE demo)
                                + floor(random() * (SELECT count(*) FROM bench_lead WHERE demo))
                           ELSE floor(random() * (SELECT count(*) FROM bench_lead)) END AS i
            FROM generate_series(1, %(cases)s) g
        ) c JOIN bench_lead l ON l.idx = c.i
        """,
        {"today": today, "cases": cases},
    )
    cursor.execute(
        """
        CREATE TEMP TABLE bench_case AS
        SELECT row_number() OVER (ORDER BY c.id) - 1 AS idx, c.id, c.owner_id,
               (SELECT min(m.user_id) FROM actors_membership m
                WHERE m.organisation_id = c.owner_id) AS assignee
        FROM sara_case c
        """
    )
    cursor.execute(
        """
        INSERT INTO sara_action (title, description, status, start_on, due_on, completed_on,
            output_unit, output_target, output_achieved, created_at, updated_at, assignee_id,
            created_by_id, responsible_id, analysis_id, case_id, method_id, organisation_id)
        SELECT 'Åtgärd ' || a.g || ' (bench)', 'Fiktiv åtgärd: belysning och väktare.',
               a.status, %(today)s::date - 60 + a.shift, %(today)s::date - 30 + a.shift * 2,
               CASE WHEN a.status = 'genomford' THEN %(today)s::date - 5 END,
               'tillfällen', 10, NULL, now(), now(),
               CASE WHEN a.r < 0.3 THEN c.assignee END, NULL, c.owner_id, NULL, c.id, NULL,
               c.owner_id
        FROM (
            SELECT g, random() AS r, floor(random() * 90)::int AS shift,
                   (ARRAY['planerad','pagaende','pagaende','genomford','avbruten'])
                       [1 + floor(random() * 5)::int] AS status,
                   floor(random() * (SELECT count(*) FROM bench_case))::int AS i
            FROM generate_series(1, %(actions)s) g
        ) a JOIN bench_case c ON c.idx = a.i
        """,
        {"today": today, "actions": actions},
    )


def generate(profile: str, seed: int, today: date) -> None:
    import random

    from django.core.management import call_command
    from django.db import connection, transaction

    spec = PROFILES[profile]
    started = time.monotonic()
    log("Migrating, reference data and demo data …")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo", verbosity=0)
    rng = random.Random(seed)  # noqa: S311 (fictional data)
    log(f"Scenes up to {spec['scenes']} …")
    with transaction.atomic():
        make_scenes(rng, spec["scenes"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SET LOCAL jit = off")
        log(f"Users up to {spec['users']:,} …")
        make_users(cursor, spec["users"], seed)
        log(f"{spec['observations']:,} observations …")
        # Secondary indexes are built once after the bulk, much faster than row by row (those
        # behind a constraint, the primary key and the client key, stay).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'scenes_observation'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint"
            " WHERE conrelid = 'scenes_observation'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        make_observations(cursor, spec["observations"], seed, today)
        log(f"  rebuilding {len(indexes)} indexes …")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        log(f"{spec['cases']:,} cases and {spec['actions']:,} actions …")
        make_cases_and_actions(cursor, spec["cases"], spec["actions"], seed, today)
    with connection.cursor() as cursor:
        # Observations are logged as they happen, so a real table is in time order; the
        # generator's rows are not (random times): rewrite the table in time order, or every
        # period query reads one heap block per row (bench/README.md).
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'scenes_observation'"
            " AND indexdef LIKE '%%btree (occurred_at)'"
        )
        (by_time,) = cursor.fetchone()
        log("Ordering the observations by time (CLUSTER) …")
        cursor.execute(f'CLUSTER scenes_observation USING "{by_time}"')
        log("VACUUM ANALYZE …")
        cursor.execute("VACUUM ANALYZE")
    refresh_rollups()
    marker = marker_for(profile, seed, today)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_generated (marker text, done_at timestamptz)")
        cursor.execute("INSERT INTO bench_generated VALUES (%s, now())", [marker])
    log(f"Done in {time.monotonic() - started:.0f} s")


def refresh_rollups() -> None:
    """Bring the platform's rollups up to date after the bulk load (when it has any)."""
    try:
        from scenes import rollups
    except ImportError:
        return
    log("Refreshing the rollups …")
    rollups.refresh_all()
    if hasattr(rollups, "rebuild_days"):  # the daily rollup (the scene page's long periods)
        rollups.rebuild_days()


def marker_for(profile: str, seed: int, today: date) -> str:
    return f"profile={profile} seed={seed} today={today.isoformat()}"


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ods_platform.settings")
    import django

    django.setup()


def env_database_url() -> str:
    """DATABASE_URL from the environment or .env (the demo database)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    env = ROOT / ".env"
    for line in env.read_text().splitlines() if env.exists() else []:
        if line.startswith("DATABASE_URL="):
            return line.split("=", 1)[1].strip()
    return "postgis://postgres@127.0.0.1:5432/ods"


def ensure(database: str, profile: str = "1m", seed: int = DEFAULT_SEED, today=None,
           force: bool = False) -> str:  # fmt: skip
    """Make sure `database` holds the profile's data; returns its URL (Django set up on it)."""
    today = today or date.today()
    base = env_database_url()
    reason = refuse_reason(database, base.rsplit("/", 1)[1])
    if reason:
        raise SystemExit(f"Refused: {reason}.")
    marker = marker_for(profile, seed, today)
    url = prepare_database(base, database, force, marker)
    setup_django(url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_generated')")
        ready = cursor.fetchone()[0]
    if ready:
        log(f"{database} already holds {marker}; migrating to this code")
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    else:
        generate(profile, seed, today)
    return url


def copy_database(source: str, database: str) -> str:
    """`database` made afresh as a copy of `source` (a template copy; the source is only
    read), for a bench that writes (report rows, more cases); returns its URL."""
    base = env_database_url()
    reason = refuse_reason(database, base.rsplit("/", 1)[1])
    if database == source:
        reason = "a copy must not be its source (it is dropped and made again)"
    if reason:
        raise SystemExit(f"Refused: {reason}.")
    with _admin_connect(base, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for attempt in range(30):  # the template may not have other sessions
            try:
                conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{source}"')
                break
            except Exception as error:  # a busy template: wait, retry
                if attempt == 29 or "being accessed" not in str(error):
                    raise
                time.sleep(2)
    return base.rsplit("/", 1)[0] + "/" + database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ods_bench_1m")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="1m")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--force", action="store_true", help="drop and rebuild the database")
    parser.add_argument(
        "--copy-to", metavar="NAME", help="then make NAME afresh as a copy of the database"
    )
    args = parser.parse_args()
    ensure(args.database, args.profile, args.seed, args.today, args.force)
    if args.copy_to:
        from django.db import connections

        connections.close_all()  # the template may not have sessions, this one's included
        copy_database(args.database, args.copy_to)
        log(f"{args.copy_to}: a fresh copy of {args.database}")


if __name__ == "__main__":
    main()
