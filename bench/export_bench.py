"""The XLSX export benchmark: the worker's build (`ods_platform.tasks.build_export`) of a
scene's observation export, its peak memory and time at two sizes, each in a fresh process.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/ods_bench \\
    EXPORTS_ROOT=/tmp/ods-bench-exports \\
        .venv/bin/python bench/export_bench.py --sizes 20000 200000

DATABASE_URL must name a scratch database (created, given PostGIS and migrated when missing,
as for bench/report_bench.py). For each size the bench scene (bench/synthetic.py) is given
that many observations in its 90 days, an export job of the whole period is created for the
scene's coordinator (never published: no broker, no worker), and then built once in a fresh
subprocess (`--child build JOB`, a cold process like a new worker child; `--child tablib
JOB` does the same with the in-memory tablib path the request used before, for comparison,
unless `--no-tablib`). One JSON line per size and way on stdout, then the ratios; exit status
1 when the build's peak RSS at the largest size is over 1.25 times the one at the smallest.

Peak RSS is `ru_maxrss` of the child (started by a small launcher, so that it does not
inherit the parent's count; VmHWM alongside as a check); "growth" is the peak less the RSS
once Django is set up, i.e. what the build itself added.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The build's peak memory may not grow with the rows: at most this much more at the largest size.
PEAK_RATIO_GOAL = 1.25
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report_bench import (  # noqa: E402
    _LAUNCHER,
    _ensure_database,
    _peak_kib,
    _rss_now_kib,
    _status_kib,
)


def _run_child(*args: str) -> dict:
    """This script once more as `--child ...`, through the launcher (see report_bench)."""
    command = [sys.executable, "-c", _LAUNCHER, sys.executable, str(Path(__file__).resolve()),
               "--child", *args]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {' '.join(args)} failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ods_platform.settings")
    os.environ.setdefault("EXPORTS_ROOT", str(Path(tempfile.gettempdir()) / "ods-bench-exports"))
    import django

    django.setup()


def _child(kind: str, job_id: str) -> dict:
    _setup_django()
    # Everything the build imports, imported before the start figure (as in a warm worker).
    import openpyxl  # noqa: F401
    import tablib  # noqa: F401
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ods_platform import exports  # noqa: F401
    from ods_platform.models import ExportJob, export_storage
    from ods_platform.tasks import build_export
    from scenes import tables

    ExportJob.objects.filter(pk=job_id).update(status="queued", done=0, file="")
    started_kib = _rss_now_kib()
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        if kind == "build":
            outcome = build_export(job_id)
            job = ExportJob.objects.get(pk=job_id)
            rows, size = job.done, export_storage().size(job.file)
        else:  # the path of the request before: a tablib Dataset in memory
            from ods_platform.lib.export import table_response
            from scenes.filtersets import scene_observations
            from scenes.permissions import get_scene_for_user

            outcome = "tablib"
            job = ExportJob.objects.select_related("user").get(pk=job_id)
            data = {k: v[0] for k, v in job.parameters.items()}
            scene = get_scene_for_user(job.user, data["scene_pk"])
            _fs, observations, _s = scene_observations(job.user, scene, data)
            response = table_response(
                "x",
                tables.export_headings(),
                tables.export_rows(observations.iterator(chunk_size=2000)),
                "xlsx",
            )
            rows, size = observations.count(), len(response.content)
    seconds = time.perf_counter() - t0
    return {
        "way": kind,
        "outcome": outcome,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "queries": len(queries),
        "startup_kib": started_kib,
        "peak_kib": _peak_kib(),
        "hwm_kib": _status_kib("VmHWM"),
    }


@dataclass
class Target:
    scene_id: int
    requester_id: int
    start: date
    end: date
    observations: int


def _job_for(data) -> str:
    from django.utils import timezone

    from ods_platform.models import ExportJob

    ExportJob.objects.filter(
        user_id=data.requester_id, filename=f"bench-{data.observations}.xlsx"
    ).delete()
    job = ExportJob.objects.create(
        user_id=data.requester_id,
        kind=ExportJob.Kind.OBSERVATIONS,
        parameters={
            "scene_pk": [str(data.scene_id)],
            "start": [data.start.isoformat()],
            "end": [data.end.isoformat()],
        },
        language="sv",
        filename=f"bench-{data.observations}.xlsx",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return str(job.pk)


def _period_of(scene_name: str, username: str, rows: int) -> Target:
    """On an existing database (`--scene`): the period ending at the scene's last observation
    that holds at least `rows` of its observations (whole local days)."""
    from django.utils import timezone

    from actors.models import User
    from scenes.models import Observation, Scene

    scene = Scene.objects.get(name=scene_name)
    mine = Observation.objects.filter(scene=scene).order_by("-occurred_at")
    last = mine.values_list("occurred_at", flat=True).first()
    first = mine.values_list("occurred_at", flat=True)[rows - 1 : rows].first()
    start, end = timezone.localtime(first).date(), timezone.localtime(last).date()
    user = User.objects.get(username=username)
    counted = Observation.objects.visible_to(user).filter(
        scene=scene, occurred_at__date__gte=start, occurred_at__date__lte=end
    )
    return Target(scene.pk, user.pk, start, end, counted.count())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-tablib", action="store_true", help="skip the old in-memory path")
    parser.add_argument(
        "--scene",
        help="use this scene of an existing database (e.g. the 1 M bench copy) instead of "
        "generating the bench scene; each size picks the period holding that many rows",
    )
    parser.add_argument("--user", default="sthlm.samordnare", help="with --scene: the asker")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    if not os.environ.get("DATABASE_URL"):
        print("Set DATABASE_URL to a scratch database (see the docstring).", file=sys.stderr)
        return 2
    _setup_django()
    if not args.scene:
        _ensure_database()
    from synthetic import ensure_bench_scene

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    results: dict[tuple[int, str], dict] = {}
    for size in sorted(args.sizes):
        if args.scene:
            data = _period_of(args.scene, args.user, size)
            log(f"{size:,}: {data.start} – {data.end}, {data.observations:,} rows")
        else:
            data = ensure_bench_scene(size, args.seed, log=log)
        job_id = _job_for(data)
        for way in ("build",) if args.no_tablib else ("build", "tablib"):
            result = _run_child(way, job_id) | {"size": size}
            result["growth_kib"] = result["peak_kib"] - result["startup_kib"]
            results[(size, way)] = result
            print(json.dumps(result), flush=True)
    small, large = min(args.sizes), max(args.sizes)
    ratios = {
        way: {
            "peak_ratio": round(
                results[(large, way)]["peak_kib"] / results[(small, way)]["peak_kib"], 2
            ),
            "growth_ratio": round(
                results[(large, way)]["growth_kib"] / max(results[(small, way)]["growth_kib"], 1), 2
            ),
            "rows_ratio": round(large / small, 1),
        }
        for way in ("build", "tablib")
        if (small, way) in results
    }
    met = ratios["build"]["peak_ratio"] <= PEAK_RATIO_GOAL
    print(json.dumps({
        "target": "xlsx_export_peak_rss",
        "label": f"{large:,} rows against {small:,}",
        "ratio": ratios["build"]["peak_ratio"],
        "peak_mb_small": round(results[(small, "build")]["peak_kib"] / 1024, 1),
        "peak_mb_large": round(results[(large, "build")]["peak_kib"] / 1024, 1),
        "ratios": ratios,
        "goal": f"peak at {large:,} rows ≤ {PEAK_RATIO_GOAL} × the peak at {small:,}",
        "met": met,
    }))  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
