"""What keeps the pages fast at national scale (bench/README.md "Performance"), asserted
where a test can: list pages make as many queries for 50 rows as for 5; the interactive
observation queries use an index, not a sequential scan of the observation table, on a
table big enough for the planner to care; the rollup counts what the list showed before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sara import services as sara_services
from sara.tests.factories import make_action
from scenes import rollups
from scenes.models import Observation
from scenes.tests.test_api import make_observation

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def _add_observations(scene, user, org, n):
    for i in range(n):
        make_observation(scene, user, org, minutes_ago=60 + i)


def test_observation_list_queries_do_not_grow_with_rows(
    client, sergels, stockholm_field_worker, stockholm
):
    client.force_login(stockholm_field_worker)
    url = reverse("scenes:observation_list", args=[sergels.pk])
    Observation.objects.filter(scene=sergels).delete()
    _add_observations(sergels, stockholm_field_worker, stockholm, 5)
    few = _queries(client, url)
    _add_observations(sergels, stockholm_field_worker, stockholm, 45)
    many = _queries(client, url)
    assert client.get(url).context["total"] == 50
    assert few == many


def test_a_long_observation_list_counts_ahead_only_and_says_more_than(
    client, settings, sergels, stockholm_field_worker, stockholm
):
    """The list counts at most ODS_LIST_COUNT_AHEAD rows past the page shown (counting a
    scene's 250,000 rows of 90 days at 10 M took most of the page); beyond that the caption
    and the pager say "more than", and paging on still reaches every row."""
    settings.ODS_LIST_COUNT_AHEAD = 5
    client.force_login(stockholm_field_worker)
    url = reverse("scenes:observation_list", args=[sergels.pk])
    Observation.objects.filter(scene=sergels).delete()
    _add_observations(sergels, stockholm_field_worker, stockholm, 57)
    first = client.get(url)
    page = first.content.decode()
    assert first.context["total"] == 55 and first.context["capped"]
    assert "Fler än 55 observationer" in page
    assert "Sida 1 av fler än 2" in page
    assert len(first.context["observations"]) == 50
    second = client.get(url + "?page=2")  # counts 5 past page 2: all 57, exact again
    assert second.context["total"] == 57 and not second.context["capped"]
    assert "57 observationer" in second.content.decode()
    assert "Sida 2 av 2" in second.content.decode()
    assert len(second.context["observations"]) == 7
    shown = {o.pk for o in first.context["observations"]} | {
        o.pk for o in second.context["observations"]
    }
    assert shown == set(Observation.objects.filter(scene=sergels).values_list("pk", flat=True))
    # A page number past the end, or not a number, answers a page, never an error.
    assert client.get(url + "?page=999999999999").status_code == 200
    assert client.get(url + "?page=٣").context["observations"].number == 1


def test_my_actions_queries_do_not_grow_with_rows(
    client, sergels, stockholm_coordinator, reference_orgs
):
    stockholm = reference_orgs["kommun-0180"]
    case = sara_services.open_case(
        by=stockholm_coordinator, scene=sergels, owner=stockholm, title="Försäljning",
        problem_statement="Öppen försäljning kvällstid.",
    )  # fmt: skip
    client.force_login(stockholm_coordinator)
    url = reverse("sara:my_actions")
    for i in range(5):
        make_action(case, stockholm, title=f"Åtgärd {i}")
    few = _queries(client, url)
    for i in range(5, 60):
        make_action(case, stockholm, title=f"Åtgärd {i}")
    many = _queries(client, url)
    page = client.get(url).context
    assert len(page["actions"]) == 50  # a page, not every action
    assert page["page"].paginator.count >= 60
    assert few == many


def test_scene_list_counts_come_from_the_rollup_and_stay_exact(
    client, sergels, regional_coordinator, stockholm_field_worker, stockholm
):
    client.force_login(regional_coordinator)
    before = Observation.objects.filter(scene=sergels, restricted=False).count()
    _add_observations(sergels, stockholm_field_worker, stockholm, 3)
    kept = make_observation(sergels, stockholm_field_worker, stockholm, restricted=True)
    gone = Observation.objects.filter(scene=sergels, restricted=False).first()
    gone.delete()
    listed = {s.pk: s for s in client.get(reverse("scenes:scene_list")).context["scenes"]}
    # The regional coordinator's organisation did not keep the row: it is not counted.
    assert listed[sergels.pk].observation_count == before + 3 - 1
    assert kept.pk
    rollups.refresh_all()  # the beat task's recomputation agrees with the trigger
    listed = {s.pk: s for s in client.get(reverse("scenes:scene_list")).context["scenes"]}
    assert listed[sergels.pk].observation_count == before + 3 - 1
    assert 'id="counts-freshness"' in client.get(reverse("scenes:scene_list")).content.decode()


def test_a_linked_duplicate_leaves_the_rollup_and_comes_back_when_unlinked(
    client, sergels, regional_coordinator, stockholm_field_worker, stockholm
):
    """The scene list counts from the rollup; a duplicate is counted nowhere, so linking one
    takes it out of the scene's count and unlinking (or deleting its original) puts it back."""
    client.force_login(regional_coordinator)

    def listed():
        scenes = client.get(reverse("scenes:scene_list")).context["scenes"]
        return {s.pk: s.observation_count for s in scenes}[sergels.pk]

    original = make_observation(sergels, stockholm_field_worker, stockholm, minutes_ago=90)
    copy = make_observation(sergels, stockholm_field_worker, stockholm, minutes_ago=80)
    both = listed()
    Observation.objects.filter(pk=copy.pk).update(duplicate_of=original)
    assert listed() == both - 1
    rollups.refresh_all()  # the recomputation leaves duplicates out too
    assert listed() == both - 1
    Observation.objects.filter(pk=copy.pk).update(duplicate_of=None)
    assert listed() == both
    Observation.objects.filter(pk=copy.pk).update(duplicate_of=original)
    original.delete()  # SET_NULL: the duplicate stands for the event again
    assert listed() == both - 1


def test_the_scene_list_shows_50_a_page_and_the_export_and_map_every_scene(
    client, regional_coordinator, stockholm
):
    """Hundreds of scenes nationally: the list pages them with the same queries for 5 rows as
    for 50; the map and the export still hold every scene the filter keeps."""
    from scenes.models import Scene
    from scenes.tests.test_api import make_scene

    client.force_login(regional_coordinator)
    url = reverse("scenes:scene_list")
    already = Scene.objects.visible_to(regional_coordinator).count()
    for i in range(5):
        make_scene(regional_coordinator, stockholm, f"Plats {i:02}", (18.0 + i / 100, 59.3))
    few = _queries(client, url)
    for i in range(5, 55):
        make_scene(regional_coordinator, stockholm, f"Plats {i:02}", (18.0 + i / 100, 59.3))
    total = already + 55
    assert _queries(client, url) == few
    first = client.get(url)
    assert len(first.context["scenes"]) == 50
    assert f"{total} scener" in first.content.decode()
    rest = client.get(url, {"page": 2})
    listed = [s.pk for s in first.context["scenes"]] + [s.pk for s in rest.context["scenes"]]
    assert len(listed) == len(set(listed)) == total
    assert len(client.get(reverse("scenes:scene_map_data")).json()["features"]) == total
    export = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert len(export.strip().splitlines()) == total + 1
    # The filter keeps its place across the pages.
    page_two = client.get(url, {"municipality": stockholm.pk, "page": 2}).content.decode()
    assert f"municipality={stockholm.pk}&amp;page=1" in page_two


BIG = 200_000


def _fill(scene, other, org, user):
    """BIG observations over two scenes and three years, straight in SQL with triggers off
    (no audit rows, no rollup: this is about query plans), then ANALYZE."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO scenes_observation (location, occurred_at, category, people_count,
                affected_groups, source, insecurity, description, created_at,
                organisation_id, reported_by_id, place_id, scene_id, restricted)
            SELECT ST_SetSRID(ST_MakePoint(18.06 + (g %% 100) * 0.00001,
                                           59.33 + (g %% 77) * 0.00001), 4326),
                   now() - (g %% 1095) * interval '1 day' - (g %% 24) * interval '1 hour',
                   'narkotikabruk', 3, ARRAY['boende']::varchar(30)[], 'egen', 3, '', now(),
                   %s, %s, NULL, CASE WHEN g %% 5 = 0 THEN %s ELSE %s END, false
            FROM generate_series(1, %s) g
            """,
            [org.pk, user.pk, scene.pk, other.pk, BIG],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("ANALYZE scenes_observation")


def _plan(queryset) -> str:
    return queryset.explain()


def test_interactive_observation_queries_use_an_index(
    sergels, demo_scenes, stockholm_field_worker, stockholm
):
    other = demo_scenes["Medborgarplatsen"]
    _fill(sergels, other, stockholm, stockholm_field_worker)
    sergels._authorised_for = stockholm_field_worker.pk  # as get_scene_for_user marks it
    now = timezone.now()
    week = Observation.objects.in_scene(stockholm_field_worker, sergels).filter(
        occurred_at__gte=now - timedelta(days=7), occurred_at__lt=now
    )
    listing = week.order_by("-occurred_at", "-pk")[:50]
    from django.db.models import FloatField, Func

    viewport = week.annotate(
        _x=Func("location", function="ST_X", output_field=FloatField()),
        _y=Func("location", function="ST_Y", output_field=FloatField()),
    ).filter(_x__gte=18.05, _x__lte=18.07, _y__gte=59.32, _y__lte=59.34)
    for name, queryset in {
        "week": week.order_by(),
        "list page": listing,
        "viewport": viewport.order_by().values_list("pk", "location"),
    }.items():
        plan = _plan(queryset)
        assert "Seq Scan on scenes_observation" not in plan, (name, plan)


def _scans(plan) -> list[str]:
    """The relations a JSON plan reads with a sequential scan."""
    found = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan":
            found.append(node.get("Relation Name"))
        for child in node.get("Plans", []):
            walk(child)

    for entry in plan:
        walk(entry["Plan"])
    return found


def test_no_interactive_page_scans_the_observation_table(
    client, sergels, demo_scenes, stockholm_field_worker, stockholm_coordinator,
    regional_coordinator, stockholm,
):  # fmt: skip
    """Every SELECT the interactive pages run, EXPLAINed (FORMAT JSON) on a table of 200,000
    observations after ANALYZE: none reads scenes_observation sequentially, with the daily
    rollup and without it (a long period then reads the observations)."""
    import json

    other = demo_scenes["Medborgarplatsen"]
    _fill(sergels, other, stockholm, stockholm_field_worker)
    rollups.refresh_all()
    today = timezone.localdate()
    scene = reverse("scenes:scene_detail", args=[sergels.pk])
    scene_map = reverse("scenes:scene_observation_map", args=[sergels.pk])
    lon, lat = sergels.boundary.centroid.coords
    dx, dy = 1500 / 56_800, 1500 / 111_320  # a 3 x 3 km viewport
    bbox = f"{lon - dx:.6f},{lat - dy:.6f},{lon + dx:.6f},{lat + dy:.6f}"
    year = f"start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}"
    month = f"start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}"
    pages = [
        (stockholm_coordinator, reverse("scenes:scene_list")),
        (regional_coordinator, reverse("scenes:scene_list")),
        (regional_coordinator, reverse("scenes:scene_map_data")),
        (stockholm_coordinator, scene),
        (stockholm_coordinator, f"{scene}?{year}"),
        (stockholm_coordinator, f"{scene}?start={today.isoformat()}&end={today.isoformat()}"),
        (stockholm_coordinator, f"{scene_map}?{month}"),
        (stockholm_coordinator, f"{scene_map}?{month}&bbox={bbox}"),
        (stockholm_coordinator, reverse("scenes:observation_list", args=[sergels.pk])),
        (stockholm_coordinator, f"/api/v1/observations/?scene={sergels.pk}"),
        (regional_coordinator, "/api/v1/observations/"),
        (stockholm_coordinator, reverse("api:scene-analysis", args=[sergels.pk]) + f"?{year}"),
    ]
    checked = 0
    for rolled in (False, True):
        if rolled:
            rollups.rebuild_days()
        for user, url in pages:
            client.force_login(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            for query in queries.captured_queries:
                sql = query["sql"]
                if "scenes_observation" not in sql or not sql.lstrip().upper().startswith(
                    ("SELECT", "WITH")
                ):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                assert "scenes_observation" not in _scans(plan), (url, rolled, sql)
                checked += 1
    assert checked > 30


def test_map_responses_stay_small_whatever_the_data(
    client, settings, sergels, stockholm_coordinator, stockholm_field_worker, stockholm
):
    """30,000 observations over 20 x 20 km in the last 30 days: the scene map answers with
    cells that grow until they fit, under 500 KB, every observation counted; the county map
    aggregates its scenes past the feature limit."""
    lon, lat = sergels.boundary.centroid.coords
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO scenes_observation (location, occurred_at, category, people_count,
                affected_groups, source, insecurity, description, created_at,
                organisation_id, reported_by_id, place_id, scene_id, restricted)
            SELECT ST_SetSRID(ST_MakePoint(%s - 0.17 + random() * 0.34,
                                           %s - 0.09 + random() * 0.18), 4326),
                   %s::timestamptz - random() * interval '29 days', 'narkotikabruk', 3,
                   ARRAY['boende']::varchar(30)[], 'egen', 3, '', now(), %s, %s, NULL, %s, false
            FROM generate_series(1, 30000) g
            """,
            [lon, lat, timezone.now(), stockholm.pk, stockholm_field_worker.pk, sergels.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:scene_observation_map", args=[sergels.pk])
    response = client.get(url)
    data = response.json()
    assert data["mode"] == "grid"
    assert len(response.content) <= 500_000
    assert len(data["cells"]) <= settings.ODS_MAP_CELL_LIMIT
    assert data["cell_m"] > settings.ODS_HOTSPOT_CELL_M  # the cells grew to fit
    counted = Observation.objects.in_scene(stockholm_coordinator, sergels).counted()
    start = timezone.localdate() - timedelta(days=89)
    from scenes.analysis import _local_start

    assert (
        sum(c["count"] for c in data["cells"])
        == counted.filter(occurred_at__gte=_local_start(start)).count()
    )

    county = reverse("scenes:scene_map_data")
    outlines = client.get(county).json()
    assert len(outlines["features"]) >= 2 and "mode" not in outlines
    settings.ODS_MAP_FEATURE_LIMIT = len(outlines["features"]) - 1
    grid = client.get(county).json()
    assert grid["mode"] == "grid" and not grid["features"]
    assert sum(c["count"] for c in grid["cells"]) == len(outlines["features"])
    settings.ODS_MAP_FEATURE_LIMIT = 2000
    settings.ODS_MAP_MAX_BYTES = 100  # outlines too big: cells as well
    assert client.get(county).json()["mode"] == "grid"


def test_a_one_scene_viewers_case_list_reads_its_scene_in_order_and_stops(
    sergels, demo_scenes, transit_officer, stockholm
):
    """The API's case list for a viewer of one scene, on 40,000 cases after ANALYZE: the
    index (scene, -updated_at, -id) serves the page in order, with no sort of the scene's
    cases (with the visible scenes as a subquery every case of the scene was fetched and
    sorted: 3.8 x the unfiltered list at 1,000,000 cases, bench/permission_bench.py)."""
    import json

    from sara.models import Case
    from scenes.models import Scene

    (seen,) = Scene.objects.visible_to(transit_officer)
    other = next(s for s in demo_scenes.values() if s.pk != seen.pk)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO sara_case (title, problem_statement, goal_indicator, phase, created_at,
                updated_at, owner_id, scene_id)
            SELECT 'Fall ' || g, '', '', 'scanning', now(), now() - g * interval '1 minute',
                   %s, CASE WHEN g %% 25 = 0 THEN %s ELSE %s END
            FROM generate_series(1, 40000) g
            """,
            [stockholm.pk, seen.pk, other.pk],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("ANALYZE sara_case")
    listed = Case.objects.visible_to(transit_officer).order_by("-updated_at", "-pk")
    assert listed.count() == 1600
    plan = json.loads(listed[:50].explain(format="json"))

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    found = list(nodes(plan[0]["Plan"]))
    assert not [n for n in found if n["Node Type"] == "Sort"], plan
    assert {n.get("Index Name") for n in found} >= {"case_scene_updated"}, plan
