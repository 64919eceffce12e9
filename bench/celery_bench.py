"""Celery overhead and scaling: a report ordered through the broker and built by a real worker
against the same order and build called directly, and a batch built by one worker against two.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/ods_bench_celery \\
        .venv/bin/python bench/celery_bench.py [--observations 5000] [--runs 5] [--batch 20]

What it does, all on this machine and on a scratch database (its name must contain `bench`):
1. Starts a private redis-server on a free port (never the machine's) and creates or migrates
   the database and the bench scene (`synthetic.py`, `--observations` in its 90 days).
2. Starts worker A (`celery worker --queues reports --concurrency 1`, a real prefork child)
   and, for the scaling runs, worker B, whose consumer is switched off and on with Celery's
   remote control (`cancel_consumer` / `add_consumer`) so one and two workers interleave.
3. **Overhead**: after a warm-up of both, `--runs` pairs, one after the other: *direct*
   (`services.request_report` with publishing off, then `build_report.run` in this process)
   and *through Celery* (`request_report` publishing on commit; from the row's `created_at`
   to its `finished_at`, both written by the platform). The figure is the median through
   Celery over the median direct, minus one. Goal: at most 0.05.
4. **Scaling**: `--batch` reports ordered in one transaction, timed until the last is built,
   with worker A alone and with A and B, alternating, `--batch-runs` times each. The figure
   is the median time with one worker over the median with two. Goal: at least 1.8.

One JSON line per figure on stdout. Exit status 0 (the goals are reported, not enforced).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_bench import answers, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OVERHEAD_GOAL = 0.05
SPEEDUP_GOAL = 1.8


def _start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    with open(log, "wb") as handle:  # the child keeps its own copy
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _worker(name: str, work: Path, env: dict) -> subprocess.Popen:
    return _start(
        [str(BIN / "celery"), "-A", "ods_platform", "worker", "--queues", "reports",
         "--concurrency", "1", "--hostname", f"{name}@bench", "--without-gossip",
         "--without-mingle", "--loglevel", "WARNING"],
        work / f"{name}.log", env,
    )  # fmt: skip


def _wait_until_built(ids: list[int], timeout: float = 600) -> None:
    from situation_reports.models import Report

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = list(Report.objects.filter(pk__in=ids).values_list("status", "error"))
        failed = [error for status, error in states if status == Report.Status.FAILED]
        if failed:
            raise SystemExit(f"A bench report failed: {failed[0]}")
        if len(states) == len(ids) and all(s == Report.Status.DONE for s, _e in states):
            return
        time.sleep(0.05)
    raise SystemExit(f"Reports {ids} were not built within {timeout:.0f} s")


def _order(data, *, publish: bool) -> int:
    from report_bench import _new_report

    from situation_reports import services

    real = services.publish
    if not publish:
        services.publish = lambda report_id: False
    try:
        return _new_report(data).pk
    finally:
        services.publish = real


def _built_seconds(report_id: int) -> float:
    from situation_reports.models import Report

    report = Report.objects.get(pk=report_id)
    return (report.finished_at - report.created_at).total_seconds()


def _batch(data, size: int) -> float:
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():  # every order published once the transaction commits
        ids = [_order(data, publish=True) for _ in range(size)]
    _wait_until_built(ids)
    return time.perf_counter() - started


def _summary(values: list[float]) -> dict:
    return {
        "median_s": round(statistics.median(values), 4),
        "min_s": round(min(values), 4),
        "max_s": round(max(values), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--batch-runs", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("Set DATABASE_URL to a scratch database whose name contains 'bench'.")

    work = Path(tempfile.mkdtemp(prefix="ods-celery-bench-"))
    redis_port = free_port()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ["REPORTS_ROOT"] = str(work / "reports")
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    processes: list[subprocess.Popen] = []
    try:
        processes.append(_start(
            [shutil.which("redis-server") or "redis-server", "--port", str(redis_port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], work / "redis.log", env,
        ))  # fmt: skip
        wait_for(lambda: answers(redis_port), 10, "redis-server")

        from report_bench import _clear_old_reports, _ensure_database, _setup_django

        _setup_django()
        _ensure_database()
        from synthetic import ensure_bench_scene

        from ods_platform.celery import app
        from situation_reports import tasks

        data = ensure_bench_scene(args.observations, log=lambda m: print(m, file=sys.stderr))
        _clear_old_reports(data.scene_id)

        worker_a, worker_b = _worker("a", work, env), _worker("b", work, env)
        processes += [worker_a, worker_b]
        wait_for(lambda: len(app.control.ping(timeout=1)) == 2, 60, "two workers")
        # Worker B stays idle until the scaling runs ask for it.
        app.control.cancel_consumer("reports", destination=["b@bench"], reply=True)

        # Warm-up: a worker child and this process are warm from their second build on.
        _wait_until_built([_order(data, publish=True)])
        tasks.build_report.run(_order(data, publish=False))

        direct, through = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            outcome = tasks.build_report.run(_order(data, publish=False))
            direct.append(time.perf_counter() - started)
            if outcome != "done":
                raise SystemExit(f"A direct build ended {outcome!r}")
            report_id = _order(data, publish=True)
            _wait_until_built([report_id])
            through.append(_built_seconds(report_id))
        overhead = statistics.median(through) / statistics.median(direct) - 1
        print(json.dumps({
            "bench": "celery_overhead", "observations": data.observations, "runs": args.runs,
            "direct": _summary(direct), "through_celery": _summary(through),
            "overhead": round(overhead, 4), "goal": OVERHEAD_GOAL,
            "met": overhead <= OVERHEAD_GOAL,
        }))  # fmt: skip

        one, two = [], []
        for _ in range(args.batch_runs):
            one.append(_batch(data, args.batch))
            app.control.add_consumer("reports", destination=["b@bench"], reply=True)
            two.append(_batch(data, args.batch))
            app.control.cancel_consumer("reports", destination=["b@bench"], reply=True)
        speedup = statistics.median(one) / statistics.median(two)
        print(json.dumps({
            "bench": "celery_scaling", "batch": args.batch, "runs": args.batch_runs,
            "one_worker": _summary(one), "two_workers": _summary(two),
            "speedup": round(speedup, 3), "goal": SPEEDUP_GOAL, "met": speedup >= SPEEDUP_GOAL,
            "cpus": os.cpu_count(),
        }))  # fmt: skip
        _clear_old_reports(data.scene_id)
    finally:
        for proc in reversed(processes):
            _stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
