"""The map's viewport grid against a grid count of the whole observation table, interleaved.

    .venv/bin/python bench/map_bench.py [--database ods_bench_1m] [--profile 1m] [--runs 5]

The issue's map target: a 3 × 3 km viewport over 30 days with 100 m cells costs at most 0.03
of a grid count over the full table (at 10 M observations), and a map response is never over
500 KB whatever the data.

- target: the scene map data (`scenes:scene_observation_map`) of Sergels torg as the Stockholm
  coordinator, with `bbox=` a 3 × 3 km box around the scene and the last 30 days, through the
  whole request (Django's test `Client`, middleware and read logging included), with 100 m
  cells and no points (`ODS_HOTSPOT_CELL_M=100`, `ODS_MAP_POINT_LIMIT=0`: always the grid);
- baseline: the same grid function (`scenes.analysis.grid_aggregates`, 100 m) over every row
  of the observation table, counting its cells (what a map without viewport, period or scene
  would have to do);
- and, for the response-size rule, the same map data with the default settings over the whole
  three years of the scene (the largest answer the endpoint can give for it).

One warm-up of each, then `--runs` interleaved runs; one JSON line on stdout with the median
ratio (target / baseline), its spread, both medians, the number of cells and the bytes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate

GOAL = 0.03
MAX_BYTES = 500_000


def _viewport(scene, half_m: float = 1500) -> str:
    west, south, east, north = scene.boundary.extent
    cx, cy = (west + east) / 2, (south + north) / 2
    dx, dy = half_m / 56_800, half_m / 111_320  # metres per degree at 59.3° N
    return f"{cx - dx:.6f},{cy - dy:.6f},{cx + dx:.6f},{cy + dy:.6f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ods_bench_1m")
    parser.add_argument("--profile", choices=sorted(generate.PROFILES), default="1m")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scene", default="Sergels torg (demo)")
    parser.add_argument("--user", default="sthlm.samordnare")
    args = parser.parse_args()
    generate.ensure(args.database, args.profile)

    from django.conf import settings
    from django.test import Client, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from actors.models import User
    from scenes import analysis
    from scenes.models import Observation, Scene

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    scene = Scene.objects.get(name=args.scene)
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    today = timezone.localdate()
    url = reverse("scenes:scene_observation_map", args=[scene.pk])
    month = f"start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}"
    viewport_url = f"{url}?{month}&bbox={_viewport(scene)}"

    def target() -> tuple[float, dict, int]:
        with override_settings(ODS_HOTSPOT_CELL_M=100, ODS_MAP_POINT_LIMIT=0):
            started = time.perf_counter()
            response = client.get(viewport_url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{viewport_url} answered {response.status_code}")
        return elapsed, response.json(), len(response.content)

    def baseline() -> tuple[float, int]:
        started = time.perf_counter()
        cells = analysis.grid_aggregates(Observation.objects.all(), None, 100)
        return time.perf_counter() - started, len(cells)

    print(f"  warm-up: {args.profile}, {Observation.objects.count():,} rows", file=sys.stderr)
    target()
    baseline()
    targets, baselines, ratios = [], [], []
    for run in range(args.runs):
        t, body, size = target()
        b, full_cells = baseline()
        targets.append(t)
        baselines.append(b)
        ratios.append(t / b)
        print(f"  run {run + 1}: viewport {t * 1000:.0f} ms, full table {b * 1000:.0f} ms",
              file=sys.stderr)  # fmt: skip

    # The largest answer for this scene: every observation of its three years, default cells.
    start = (today - timedelta(days=3 * 366)).isoformat()
    largest = client.get(f"{url}?start={start}&end={today.isoformat()}")
    row = {
        "target": "map_viewport_30d_100m_vs_full_table_grid",
        "user": args.user,
        "profile": args.profile,
        "ratio": round(statistics.median(ratios), 4),
        "ratio_min": round(min(ratios), 4),
        "ratio_max": round(max(ratios), 4),
        "viewport_ms_median": round(statistics.median(targets) * 1000, 1),
        "full_table_ms_median": round(statistics.median(baselines) * 1000, 1),
        "viewport_cells": len(body.get("cells", [])),
        "viewport_mode": body.get("mode"),
        "full_table_cells": full_cells,
        "viewport_bytes": size,
        "largest_response_bytes": len(largest.content),
        "largest_response_mode": largest.json().get("mode"),
        "bytes_goal": MAX_BYTES,
        "runs": args.runs,
        "goal": f"≤ {GOAL} at 10 M; every response ≤ {MAX_BYTES // 1000} KB",
        "met": statistics.median(ratios) <= GOAL and len(largest.content) <= MAX_BYTES,
    }
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
