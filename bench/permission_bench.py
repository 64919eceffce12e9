"""Permission filtering: a list for a user who sees about 4 % of the cases against the same
list unfiltered (the regional coordinator sees every case), interleaved, at 100,000 and at
1,000,000 cases.

    .venv/bin/python bench/permission_bench.py [--source ods_bench_1m] [--database ods_bench_perm]
                                               [--sizes 100000 1000000] [--runs 5]

The cases are added in a database of the bench's own (`--database`, made afresh from the
generated `--source` as a template at each run, then migrated; the source is only read),
set-based and seeded like `generate.py` (30 % on the demo scenes, the rest over all scenes,
owned by the scene's lead), up to each size in turn, then `ANALYZE`. The filtered user is a
member of the one organisation whose scenes hold the share of cases closest to 4 %. The list
is the API's case list (`/api/v1/cases/?limit=50`: visibility, ordering, the bounded count,
the serializer, read logging), timed with Django's test `Client` like `pages.py`. One JSON
line per size on stdout: the median of the per-run ratios filtered / unfiltered (goal ≤
1.2), their spread, the absolute medians and the share of cases the user sees.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate
from pages import _client, _get

GOAL = 1.2
TARGET_SHARE = 0.04
URL = "/api/v1/cases/?limit=50"
UNFILTERED = "lan.samordnare"


def prepare(source: str, database: str) -> str:
    """The bench's database, made afresh from `source` (a template copy), migrated."""
    # Made afresh each run: the sizes are added in turn from the source's cases.
    url = generate.copy_database(source, database)
    generate.setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url


def top_up(cases: int, seed: int) -> None:
    """Add cases (no actions) until there are `cases`."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sara_case")
        have = cursor.fetchone()[0]
        if have >= cases:
            return
        generate.log(f"cases {have:,} → {cases:,} …")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT setseed(%s)", [((seed * 17 + cases % 997) % 1000) / 1000])
        cursor.execute(
            """
            CREATE TEMP TABLE bench_perm_lead ON COMMIT DROP AS
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
                   'Observationer per månad', 40, 20, current_date + (g %% 400),
                   (ARRAY['scanning','analysis','response','response','assessment','closed'])
                       [1 + floor(random() * 6)::int],
                   now() - random() * interval '3 years', now() - random() * interval '3 years',
                   NULL, l.lead_id, l.scene_id, NULL
            FROM (
                SELECT g, CASE WHEN random() < 0.3
                               THEN (SELECT min(idx) FROM bench_perm_lead WHERE demo)
                                    + floor(random()
                                            * (SELECT count(*) FROM bench_perm_lead WHERE demo))
                               ELSE floor(random() * (SELECT count(*) FROM bench_perm_lead))
                          END AS i
                FROM generate_series(%s + 1, %s) g
            ) c JOIN bench_perm_lead l ON l.idx = c.i
            """,
            [have, cases],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sara_case")


def filtered_user():
    """(user, share): a member of exactly one organisation, not county-wide, whose scenes
    hold the share of all cases closest to TARGET_SHARE."""
    from django.db import connection

    from actors.models import User
    from sara.models import Case
    from scenes.models import SceneGroupObjectPermission
    from scenes.permissions import VIEW_SCENE, is_county_wide

    perms = SceneGroupObjectPermission._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sara_case")
        total = cursor.fetchone()[0]
        cursor.execute(
            f"""
            SELECT o.id, count(c.id) AS n
            FROM actors_organisation o
            JOIN {perms} p ON p.group_id = o.group_id
            JOIN auth_permission a ON a.id = p.permission_id AND a.codename = %s
            JOIN sara_case c ON c.scene_id = p.content_object_id
            GROUP BY o.id ORDER BY abs(count(c.id)::float8 / %s - %s), o.id
            """,  # noqa: S608 (a model's table name)
            [VIEW_SCENE, total, TARGET_SHARE],
        )
        ranked = cursor.fetchall()
    for org_id, _n in ranked:
        for user in (
            User.objects.filter(memberships__organisation_id=org_id, is_active=True)
            .order_by("pk")
            .distinct()[:20]
        ):
            if user.memberships.count() == 1 and not is_county_wide(user):
                return user, Case.objects.visible_to(user).count() / total
    raise SystemExit("No user sees a part of the cases.")


def measure(runs: int, warmup: int) -> dict:
    from django.db import connection

    from sara.models import Case

    user, share = filtered_user()
    filtered, unfiltered = _client(user.username), _client(UNFILTERED)
    for _ in range(warmup):
        _get(unfiltered, URL)
        _get(filtered, URL)
    ratios, f_times, u_times = [], [], []
    status = None
    for _ in range(runs):
        u, _s, _b = _get(unfiltered, URL)
        f, status, _b = _get(filtered, URL)
        ratios.append(f / u)
        f_times.append(f)
        u_times.append(u)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _get(filtered, URL)
    return {
        "target": "permission_filter_cases",
        "cases": Case.objects.count(),
        "filtered_user": user.username,
        "visible_share": round(share, 4),
        "unfiltered_user": UNFILTERED,
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_min": round(min(ratios), 2),
        "ratio_max": round(max(ratios), 2),
        "filtered_ms_median": round(statistics.median(f_times) * 1000, 1),
        "unfiltered_ms_median": round(statistics.median(u_times) * 1000, 1),
        "queries": len(queries),
        "status": status,
        "runs": runs,
        "goal": GOAL,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="ods_bench_1m")
    parser.add_argument("--database", default="ods_bench_perm")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    args = parser.parse_args()
    prepare(args.source, args.database)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    for size in sorted(args.sizes):
        top_up(size, args.seed)
        print(json.dumps(measure(args.runs, args.warmup)), flush=True)


if __name__ == "__main__":
    main()
