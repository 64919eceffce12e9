"""Page benchmarks at national scale: each page against a cheap page, interleaved.

    .venv/bin/python bench/pages.py [--database ods_bench_1m] [--profile 1m] [--runs 5]
                                    [--only NAME ...] [--warmup 1]

Makes sure the bench database holds the profile's data (`bench/generate.py`: generated once,
then reused), then for every target: one warm-up of the floor and the target, then `--runs`
runs, each timing the floor and then the target with Django's test `Client` (the whole
middleware stack, read logging included, in this process, against the bench database).
A run's figure is target time / floor time; the line reports the median of those multiples
and their spread (min, max), the absolute medians, the number of queries (one more request
counted by `connection.execute_wrapper`), the response's size and the peak of Python's allocations
during one more request (`tracemalloc`, so the memory a streamed response does or does not
hold). One JSON line per target on stdout; a Markdown table at the end on stderr.

The floor is the method catalogue (`/sara/methods/`): authenticated, a fixed amount of data,
the full page template: about what the cheapest page of the platform costs.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate

GOAL_1M = 4.0


@dataclass
class Target:
    name: str
    user: str
    url: str


def targets() -> list[Target]:
    from django.urls import reverse

    from sara.models import Case
    from scenes.models import Scene

    sergel = Scene.objects.get(name="Sergels torg (demo)")
    case = Case.objects.filter(scene=sergel).order_by("pk").first()
    box = sergel.boundary.extent  # (west, south, east, north)
    # A 3 x 3 km viewport around the scene, and one just over its hotspot.
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    dx, dy = 1500 / 56_800, 1500 / 111_320
    viewport = f"{cx - dx:.6f},{cy - dy:.6f},{cx + dx:.6f},{cy + dy:.6f}"
    scene = reverse("scenes:scene_detail", args=[sergel.pk])
    obs = reverse("scenes:observation_list", args=[sergel.pk])
    scene_map = reverse("scenes:scene_observation_map", args=[sergel.pk])
    api = "/api/v1/observations/"
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    week = f"start={(today - timedelta(days=6)).isoformat()}&end={today.isoformat()}"
    year = f"start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}"
    coordinator, regional = "sthlm.samordnare", "lan.samordnare"
    return [
        Target("scene_list", coordinator, reverse("scenes:scene_list")),
        Target("scene_list", regional, reverse("scenes:scene_list")),
        Target("county_map_json", coordinator, reverse("scenes:scene_map_data")),
        Target("county_map_json", regional, reverse("scenes:scene_map_data")),
        Target("scene_page_90d", coordinator, scene),
        Target("scene_page_7d", coordinator, f"{scene}?{week}"),
        Target("scene_page_365d", coordinator, f"{scene}?{year}"),
        Target("observation_list_50", coordinator, obs),
        Target("scene_map_90d", coordinator, scene_map),
        Target("scene_map_viewport", coordinator, f"{scene_map}?bbox={viewport}"),
        Target("case_page", coordinator, reverse("sara:case_detail", args=[case.pk])),
        Target("my_actions", coordinator, reverse("sara:my_actions")),
        Target("start_page", coordinator, reverse("home")),
        Target("api_observations_scene", coordinator, f"{api}?scene={sergel.pk}"),
        Target("api_observations_all", regional, api),
        Target("csv_export_90d", coordinator, f"{obs}?format=csv"),
    ]


FLOOR_URL = "/sara/methods/"


def _client(username: str):
    from django.test import Client

    from actors.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _get(client, url: str) -> tuple[float, int, int]:
    """(seconds, status, bytes) of one GET, reading a streamed body to its end."""
    started = time.perf_counter()
    response = client.get(url)
    if getattr(response, "streaming", False):
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    elapsed = time.perf_counter() - started
    response.close()
    return elapsed, response.status_code, size


def measure(target: Target, runs: int, warmup: int) -> dict:
    from django.db import connection

    client = _client(target.user)
    floor_client = _client(target.user)
    first = None
    for _ in range(warmup):
        _get(floor_client, FLOOR_URL)
        first = _get(client, target.url)
        print(f"  {target.name} ({target.user}): warm-up {first[0]:.2f} s", file=sys.stderr)
    if first and first[0] > 20:  # a very slow target: fewer runs keep `make bench` bounded
        runs = min(runs, 2)
    floors, times, multiples = [], [], []
    status = size = None
    for _ in range(runs):
        gc.collect()
        f, _s, _b = _get(floor_client, FLOOR_URL)
        gc.collect()
        t, status, size = _get(client, target.url)
        floors.append(f)
        times.append(t)
        multiples.append(t / f)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _get(client, target.url)
    gc.collect()
    tracemalloc.start()
    _get(client, target.url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "target": target.name,
        "user": target.user,
        "multiple_median": round(statistics.median(multiples), 2),
        "multiple_min": round(min(multiples), 2),
        "multiple_max": round(max(multiples), 2),
        "target_ms_median": round(statistics.median(times) * 1000, 1),
        "floor_ms_median": round(statistics.median(floors) * 1000, 1),
        "queries": len(queries),
        "peak_python_mb": round(peak / 1e6, 1),
        "bytes": size,
        "status": status,
        "runs": runs,
        "goal_1m": GOAL_1M,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ods_bench_1m")
    parser.add_argument("--profile", choices=sorted(generate.PROFILES), default="1m")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="target names to run")
    args = parser.parse_args()
    generate.ensure(args.database, args.profile)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False  # no per-query bookkeeping outside CaptureQueriesContext
    rows = []
    for target in targets():
        if args.only and target.name not in args.only:
            continue
        row = measure(target, args.runs, args.warmup)
        row["profile"] = args.profile
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| target | user | × floor (median, min–max) | target ms | floor ms | queries "
          "| peak MB | KB |\n|---|---|---:|---:|---:|---:|---:|---:|", file=sys.stderr)  # fmt: skip
    for r in rows:
        print(
            f"| {r['target']} | {r['user']} | {r['multiple_median']} "
            f"({r['multiple_min']}–{r['multiple_max']}) | {r['target_ms_median']} "
            f"| {r['floor_ms_median']} | {r['queries']} | {r['peak_python_mb']} "
            f"| {(r['bytes'] or 0) // 1000} |",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
