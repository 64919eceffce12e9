"""How long a lägesbild takes the worker, and how much memory, against plain WeasyPrint.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/ods_bench \\
        .venv/bin/python bench/report_bench.py [--observations 20000] [--runs 5]

DATABASE_URL must name a scratch database (it is created, given PostGIS and migrated when
missing, and the synthetic bench scene is written into it); the bench refuses to run without
it, so it never writes into the development database by accident. Report files go to
REPORTS_ROOT, by default a folder in the system's temporary directory.

What is measured, in one process, each step `--runs` times (interleaved, so drift on the
machine touches every step alike), median and min:

- baseline: `weasyprint.HTML(string=html).write_pdf()` with default options, where `html` is
  the document the pipeline rendered for this very report, once, up front;
- the pipeline's pieces: the snapshot (`tasks._snapshot`, the database reads in their
  REPEATABLE READ transaction), the charts (`charts.draw_charts`), the HTML
  (`pdf.render_html`) and the PDF (`pdf.html_to_pdf`: PDF/UA-1 and the static-only fetcher);
- for the breakdown, the snapshot again with PostgreSQL's JIT compilation off for the
  session (`SET jit = off`, reset afterwards): the hot-spot queries' PostGIS calls carry
  such high planner costs that the JIT compiles them on every run;
- for the breakdown, WeasyPrint with the pipeline's base URL and fetcher but without
  PDF/UA: the plain baseline cannot load the stylesheet (its URL is under `.invalid`), so
  it prints an unstyled document, and this row shows what styling and PDF/UA each cost;
- the whole worker build: `build_report.run(report_id)` (claim → generate → store →
  finish) on a fresh queued report each run, exactly what the Celery task does, with the
  time it spent in Python's cyclic garbage collector (the pieces above start from a fresh
  collection each, so the whole build is more than their sum);
- for the breakdown, the whole build again with both fixes proposed in README.md tried out
  in this process only: JIT off for the session and `gc.freeze()` before the build.

Peak memory: the whole build once in a fresh subprocess (`--child build REPORT_ID`, a cold
process like a new worker child) and the baseline once in another (`--child baseline
HTML_FILE`, plain Python and WeasyPrint only), each reporting `ru_maxrss` at its end.

Budgets (from the issue): the build's median at most 3 s and its peak RSS at most 300 MB
(10^6 bytes). The exit status is 1 when either is exceeded, 0 otherwise.

Reports are asked for with `services.request_report`, whose publishing is switched off in
this process: no task reaches the broker, so no worker anywhere picks up a bench report.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

STYLESHEET_URL = "https://ods.invalid/static/css/report-print.css"
BUDGET_SECONDS = 3.0
BUDGET_MB = 300.0
SCRATCH_HINT = "postgis://postgres@127.0.0.1:5432/ods_bench"


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (KiB); 0 where there is none.
    VmRSS: resident now; VmHWM: the peak of this process's own address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_now_kib() -> int:
    return _status_kib("VmRSS")


def _peak_kib() -> int:
    """Peak resident set size of this process (ru_maxrss: KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _mb(kib: int) -> float:
    return kib * 1024 / 1e6


# --- Children: one measurement each, in a fresh process -------------------------------------


def child_baseline(html_file: str) -> dict:
    """Plain WeasyPrint on the HTML, in a process that loads nothing else."""
    import weasyprint

    logging.getLogger("weasyprint").addFilter(_ExpectedStylesheetFailure())
    html = Path(html_file).read_text(encoding="utf-8")
    started_kib = _rss_now_kib()
    t0 = time.perf_counter()
    pdf = weasyprint.HTML(string=html).write_pdf()
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "bytes": len(pdf),
        "startup_kib": started_kib,
        "end_kib": _rss_now_kib(),
        "peak_kib": _peak_kib(),
        "hwm_kib": _status_kib("VmHWM"),
    }


def child_build(report_id: int) -> dict:
    """The worker's task body on one queued report, in a freshly started Django process."""
    _setup_django()
    from situation_reports.models import Report
    from situation_reports.tasks import build_report

    started_kib = _rss_now_kib()
    t0 = time.perf_counter()
    outcome = build_report.run(report_id)
    seconds = time.perf_counter() - t0
    report = Report.objects.get(pk=report_id)
    return {
        "outcome": outcome,
        "status": report.status,
        "error": report.error,
        "seconds": seconds,
        "bytes": report.size,
        "startup_kib": started_kib,
        "end_kib": _rss_now_kib(),
        "peak_kib": _peak_kib(),
        "hwm_kib": _status_kib("VmHWM"),
    }


# Linux carries ru_maxrss over fork and execve: a child of this (by then big) process would
# report at least this process's size. So children are started by a small launcher process,
# whose own children start with a clean count. VmHWM is printed alongside as a check.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def _run_child(*args: str) -> dict:
    command = [
        sys.executable,
        "-c",
        _LAUNCHER,
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"child {' '.join(args)} failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Set-up -----------------------------------------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ods_platform.settings")
    os.environ.setdefault("REPORTS_ROOT", str(Path(tempfile.gettempdir()) / "ods-bench-reports"))
    import django

    django.setup()


def _ensure_database() -> None:
    """Create the scratch database with PostGIS when it is missing, then migrate it."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from psycopg import sql

    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if exists.fetchone() is None:
            print(f"Creating database {db['NAME']} …", file=sys.stderr)
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    with psycopg.connect(dbname=db["NAME"], autocommit=True, **params) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    call_command("migrate", interactive=False, verbosity=0)


def _no_publishing() -> None:
    """Reports stay queued in the database: the bench builds them itself."""
    from situation_reports import services

    services.publish = lambda report_id: False


def _clear_old_reports(scene_id: int) -> int:
    """Remove the reports (rows and files) earlier bench runs left on the bench scene."""
    from situation_reports.models import Report, report_storage

    storage = report_storage()
    old = Report.objects.filter(scene_id=scene_id)
    for name in old.exclude(file="").values_list("file", flat=True):
        if storage.exists(name):
            storage.delete(name)
    return old.delete()[0]


def _new_report(data):
    from actors.models import User
    from scenes.models import Scene
    from situation_reports import services

    return services.request_report(
        User.objects.get(pk=data.requester_id),
        scope="scene",
        scene=Scene.objects.get(pk=data.scene_id),
        start=data.start,
        end=data.end,
    )


# --- Measuring ------------------------------------------------------------------------------


class _GcClock:
    """Seconds spent in the cyclic garbage collector while it is installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start


GC_CLOCK = _GcClock()


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall time of fn(), after a collection so no step pays for garbage left by another
    (the garbage a step makes itself is collected during it, as in the worker)."""
    gc.collect()
    GC_CLOCK.seconds = 0.0
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def _tuned_build(report_id: int) -> object:
    """What-if of the proposed fixes: the build with PostgreSQL's JIT off and the objects
    that exist before it (imported modules, caches) frozen out of the garbage collector."""
    from situation_reports import tasks

    gc.freeze()
    try:
        return _without_jit(lambda: tasks.build_report.run(report_id))
    finally:
        gc.unfreeze()


def _memory_row(label: str, child: dict) -> str:
    return (
        f"| {label} | {_mb(child['peak_kib']):.0f} | {_mb(child['hwm_kib']):.0f} "
        f"| {_mb(child['startup_kib']):.0f} | {_mb(child['end_kib']):.0f} "
        f"| {child['seconds']:.3f} |"
    )


class _ExpectedStylesheetFailure(logging.Filter):
    """Drops WeasyPrint's error about the stylesheet the plain baseline cannot fetch."""

    def filter(self, record: logging.LogRecord) -> bool:
        return STYLESHEET_URL not in record.getMessage()


def _machine(load: tuple[float, float, float]) -> str:
    import django
    import matplotlib
    import weasyprint

    return (
        f"{_cpu_model()}, {os.cpu_count()} CPUs (load average {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} at the start); Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}, matplotlib {matplotlib.__version__}, "
        f"Django {django.__version__}, {_postgres()}, {platform.system()} {platform.release()}"
    )


def _postgres() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('jit')")
        version, jit = cursor.fetchone()
        cursor.execute("SELECT postgis_lib_version()")
        (postgis,) = cursor.fetchone()
    return f"PostgreSQL {version} (jit={jit}) with PostGIS {postgis}"


def _without_jit(fn: Callable[[], object]) -> object:
    """Run fn with PostgreSQL's JIT compilation off for this session, then restore it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        return fn()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _scope_report(args):
    """A fresh queued report of `--scope` over the last `--days` days, asked by `--user`."""
    from datetime import timedelta

    from django.utils import timezone

    from actors.models import Organisation, User
    from scenes.models import Scene
    from situation_reports import services

    today = timezone.localdate()
    extra: dict = {}
    if args.scope == "scene":
        extra["scene"] = Scene.objects.get(name=args.scene)
    if args.scope == "municipality":
        extra["municipality"] = Organisation.objects.get(
            kind=Organisation.Kind.KOMMUN, municipality_code=args.municipality
        )
    return services.request_report(
        User.objects.get(username=args.user),
        scope=args.scope,
        start=today - timedelta(days=args.days - 1),
        end=today,
        kind=args.kind,
        **extra,
    )


def scope_bench(args, load_before: tuple[float, float, float]) -> int:
    """A scene, municipality or county report on the data in the database as it is (no
    synthetic scene, no migration): the pieces once after a warm-up build, the whole build
    `--runs` times warm in this process, then once cold in a fresh process for peak memory.
    Prints one JSON line on stdout and a Markdown row on stderr."""
    from situation_reports import tasks
    from situation_reports.charts import draw_charts
    from situation_reports.pdf import html_to_pdf, render_html

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    log(f"Warm-up build ({args.scope}) …")
    warm = _scope_report(args)
    warm_seconds, outcome = _timed(lambda: tasks.build_report.run(warm.pk))
    if outcome != "done":
        warm.refresh_from_db()
        raise SystemExit(f"The warm-up build ended {outcome!r}: {warm.error}")
    reference = _scope_report(args)
    pieces: dict[str, float] = {}
    pieces["snapshot"], (snapshot, scene_ids) = _timed(lambda: tasks._snapshot(reference))
    if args.kind == "evaluation":  # tables only: no charts or map
        from situation_reports.evaluation import render_html as render_evaluation

        pieces["charts"] = 0.0
        pieces["html"], html = _timed(lambda: render_evaluation(snapshot))
    else:
        pieces["charts"], charts = _timed(lambda: draw_charts(snapshot))
        pieces["html"], html = _timed(lambda: render_html(snapshot, charts))
    pieces["pdf"], pdf = _timed(lambda: html_to_pdf(html))
    builds = []
    for run in range(args.runs):
        log(f"Run {run + 1}/{args.runs} …")
        report = _scope_report(args)
        seconds, outcome = _timed(lambda report=report: tasks.build_report.run(report.pk))
        if outcome != "done":
            report.refresh_from_db()
            raise SystemExit(f"Build {run + 1} ended {outcome!r}: {report.error}")
        builds.append(seconds)
    log("Peak memory: the build in a fresh process …")
    child = _run_child("build", str(_scope_report(args).pk))
    if child["outcome"] != "done":
        raise SystemExit(f"The child's build ended {child['outcome']!r}: {child['error']}")
    summary = snapshot.get("summary") or {}
    if not isinstance(summary, dict):  # the evaluation report's summary is sentences
        summary = {}
    result = {
        "scope": args.scope if args.kind == "lagesbild" else f"{args.scope} {args.kind}",
        "kind": args.kind,
        "user": args.user,
        "days": args.days,
        "scenes": len(scene_ids),
        "observations": (snapshot.get("what") or {}).get("total"),
        "top_scenes": len(summary.get("top_scenes", [])),
        "appendix_rows": len(summary.get("appendix", [])),
        "snapshot_s": round(pieces["snapshot"], 3),
        "charts_s": round(pieces["charts"], 3),
        "html_s": round(pieces["html"], 3),
        "pdf_s": round(pieces["pdf"], 3),
        "html_bytes": len(html.encode()),
        "pdf_bytes": len(pdf),
        "build_warm_median_s": round(statistics.median(builds), 3),
        "build_warm_min_s": round(min(builds), 3),
        "first_build_s": round(warm_seconds, 3),
        "cold_build_s": round(child["seconds"], 3),
        "cold_peak_rss_mb": round(_mb(child["peak_kib"]), 1),
        "cold_hwm_mb": round(_mb(child["hwm_kib"]), 1),
        "load_average": [round(v, 2) for v in load_before],
    }
    print(json.dumps(result))
    log(
        f"| {args.scope} | {result['scenes']} | {result['observations'] or 0:,} "
        f"| {result['snapshot_s']:.2f} | {result['charts_s']:.2f} | {result['pdf_s']:.2f} "
        f"| {result['build_warm_median_s']:.2f} | {result['cold_build_s']:.2f} "
        f"| {result['cold_peak_rss_mb']:.0f} | {result['html_bytes'] / 1e3:,.0f} kB "
        f"| {result['pdf_bytes'] / 1e3:,.0f} kB |"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time and size of a lägesbild build against plain WeasyPrint."
    )
    parser.add_argument("--observations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--scope",
        choices=["bench", "scene", "municipality", "county"],
        default="bench",
        help="bench (default): the synthetic bench scene; scene/municipality/county: a report "
        "of that scope on the data already in the database (e.g. a copy of ods_bench_1m), "
        "nothing generated",
    )
    parser.add_argument(
        "--kind",
        choices=["lagesbild", "evaluation"],
        default="lagesbild",
        help="with --scope municipality|county: the lägesbild or STAD's evaluation report",
    )
    parser.add_argument("--scene", default="Sergels torg (demo)", help="with --scope scene")
    parser.add_argument(
        "--municipality", default="0180", help="municipality code, with --scope municipality"
    )
    parser.add_argument(
        "--user", default="lan.samordnare", help="who asks (not with --scope bench)"
    )
    parser.add_argument("--days", type=int, default=90, help="the period, up to today")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, arg = args.child
        result = child_baseline(arg) if kind == "baseline" else child_build(int(arg))
        print(json.dumps(result))
        return 0

    if not os.environ.get("DATABASE_URL"):
        print(
            "Set DATABASE_URL to a scratch database, for example\n"
            f"  DATABASE_URL={SCRATCH_HINT} .venv/bin/python bench/report_bench.py",
            file=sys.stderr,
        )
        return 2
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    load_before = os.getloadavg()
    _setup_django()
    if args.scope != "bench":
        _no_publishing()
        return scope_bench(args, load_before)
    _ensure_database()
    _no_publishing()

    from synthetic import ensure_bench_scene

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    t0 = time.perf_counter()
    data = ensure_bench_scene(args.observations, args.seed, log=log)
    if data.created:
        log(f"Generated {data.created:,} observations in {time.perf_counter() - t0:.1f} s.")

    _clear_old_reports(data.scene_id)

    import weasyprint

    from situation_reports import tasks
    from situation_reports.charts import draw_charts
    from situation_reports.pdf import STATIC_BASE_URL, StaticOnlyFetcher, html_to_pdf, render_html

    # Up front: one build warms the process (lazy imports, fonts, matplotlib's caches), as a
    # worker child is warm from its second report on; then the HTML for the baseline.
    log("Warm-up build …")
    warm_report = _new_report(data)
    warm_seconds, outcome = _timed(lambda: tasks.build_report.run(warm_report.pk))
    if outcome != "done":
        warm_report.refresh_from_db()
        raise SystemExit(f"The warm-up build ended {outcome!r}: {warm_report.error}")
    reference = _new_report(data)
    snapshot, _scene_ids = tasks._snapshot(reference)
    charts = draw_charts(snapshot)
    html = render_html(snapshot, charts)
    html_file = Path(tempfile.gettempdir()) / f"ods-bench-{os.getpid()}.html"
    html_file.write_text(html, encoding="utf-8")
    logging.getLogger("weasyprint").addFilter(_ExpectedStylesheetFailure())
    rss_after_warmup = _rss_now_kib()

    steps: dict[str, Callable[[], object]] = {
        "baseline": lambda: weasyprint.HTML(string=html).write_pdf(),
        "snapshot": lambda: tasks._snapshot(reference),
        "snapshot_nojit": lambda: _without_jit(lambda: tasks._snapshot(reference)),
        "charts": lambda: draw_charts(snapshot),
        "html": lambda: render_html(snapshot, charts),
        "styled": lambda: weasyprint.HTML(
            string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher()
        ).write_pdf(),
        "pdf": lambda: html_to_pdf(html),
    }
    times: dict[str, list[float]] = {key: [] for key in [*steps, "build", "tuned"]}
    gc_seconds: list[float] = []
    gc.callbacks.append(GC_CLOCK)
    sizes: dict[str, int] = {}
    for run in range(args.runs):
        log(f"Run {run + 1}/{args.runs} …")
        for key, fn in steps.items():
            seconds, result = _timed(fn)
            times[key].append(seconds)
            if isinstance(result, bytes):
                sizes[key] = len(result)
        report = _new_report(data)
        seconds, outcome = _timed(lambda report=report: tasks.build_report.run(report.pk))
        if outcome != "done":
            report.refresh_from_db()
            raise SystemExit(f"Build {run + 1} ended {outcome!r}: {report.error}")
        times["build"].append(seconds)
        gc_seconds.append(GC_CLOCK.seconds)
        report.refresh_from_db()
        sizes["build"] = report.size
        report = _new_report(data)
        seconds, outcome = _timed(lambda report=report: _tuned_build(report.pk))
        if outcome != "done":
            raise SystemExit(f"Tuned build {run + 1} ended {outcome!r}")
        times["tuned"].append(seconds)
    gc.callbacks.remove(GC_CLOCK)

    rss_after_runs = _rss_now_kib()
    log("Peak memory: the build and the baseline, each in a fresh process …")
    build_child = _run_child("build", str(_new_report(data).pk))
    if build_child["outcome"] != "done":
        raise SystemExit(f"The child's build ended {build_child['outcome']!r}")
    baseline_child = _run_child("baseline", str(html_file))
    html_file.unlink()

    median = {key: statistics.median(values) for key, values in times.items()}
    best = {key: min(values) for key, values in times.items()}
    base = median["baseline"]
    ratios = [b / a for a, b in zip(times["baseline"], times["build"], strict=True)]
    pipeline_sum = sum(median[k] for k in ("snapshot", "charts", "html", "pdf"))

    labels = [
        ("baseline", "Baseline: `HTML(string=html).write_pdf()`, default options"),
        ("snapshot", "Snapshot (database, `tasks._snapshot`)"),
        ("snapshot_nojit", "Snapshot with `SET jit = off` (what-if, breakdown)"),
        ("charts", "Charts (`draw_charts`)"),
        ("html", "HTML (`render_html`)"),
        ("styled", "WeasyPrint with base URL + fetcher, no PDF/UA (breakdown)"),
        ("pdf", "PDF (`html_to_pdf`: PDF/UA-1 + fetcher)"),
        ("build", "**Whole worker build** (`build_report.run`: claim → generate → store)"),
        ("tuned", "Whole build with `SET jit = off` and `gc.freeze()` (what-if, breakdown)"),
    ]
    lines = [
        f"### Lägesbild, {data.observations:,} observations, "
        f"{(data.end - data.start).days + 1} days ({args.runs} runs)",
        "",
        f"Machine: {_machine(load_before)}",
        "",
        "| Step | Median (s) | Min (s) | × baseline (medians) | PDF size |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in labels:
        size = f"{sizes[key] / 1024:,.0f} KiB" if key in sizes else ""
        lines.append(
            f"| {label} | {median[key]:.3f} | {best[key]:.3f} | {median[key] / base:.2f} | {size} |"
        )
    lines += [
        f"| Sum of the pieces (snapshot + charts + HTML + PDF) | {pipeline_sum:.3f} | | "
        f"{pipeline_sum / base:.2f} | |",
        f"| Garbage collection during the whole build | {statistics.median(gc_seconds):.3f} "
        f"| {min(gc_seconds):.3f} | {statistics.median(gc_seconds) / base:.2f} | |",
        f"| First build in this process (warm-up, not counted) | {warm_seconds:.3f} | | "
        f"{warm_seconds / base:.2f} | |",
        "",
        f"Whole build / baseline: **{statistics.median(ratios):.2f}×** "
        f"(median of the {args.runs} per-run ratios; "
        f"min {min(ratios):.2f}×, max {max(ratios):.2f}×).",
        "",
        "| Memory, one render in a fresh process | Peak RSS, `ru_maxrss` (MB) | VmHWM (MB) "
        "| RSS before the render (MB) | RSS after (MB) | Wall time (s) |",
        "|---|---:|---:|---:|---:|---:|",
        _memory_row("Whole worker build (`--child build`: Django set up, cold)", build_child),
        _memory_row("Baseline (`--child baseline`: Python + WeasyPrint only)", baseline_child),
        "",
        f"This process (warm, {2 * args.runs + 1} builds and {args.runs} rounds of pieces): "
        f"RSS {_mb(rss_after_warmup):.0f} MB after the warm-up build, "
        f"{_mb(rss_after_runs):.0f} MB after the runs; peak {_mb(_peak_kib()):.0f} MB.",
        "",
        "MB are 10^6 bytes. The build child's wall time is a cold first report in a new "
        "process (the lazy imports of matplotlib and WeasyPrint, fonts and caches included); "
        "the timings above are warm. The plain baseline cannot fetch the stylesheet "
        f"({STYLESHEET_URL} does not resolve), so it prints the document unstyled.",
        "",
    ]
    peak_mb = _mb(build_child["peak_kib"])
    slow = median["build"] > BUDGET_SECONDS
    big = peak_mb > BUDGET_MB
    lines.append(
        f"Budget: build median ≤ {BUDGET_SECONDS:.0f} s: "
        f"**{'EXCEEDED' if slow else 'ok'}** ({median['build']:.2f} s); "
        f"peak RSS ≤ {BUDGET_MB:.0f} MB: **{'EXCEEDED' if big else 'ok'}** ({peak_mb:.0f} MB)."
    )
    if build_child["seconds"] > BUDGET_SECONDS:
        lines.append(
            f"Note: the first build in a fresh process took {build_child['seconds']:.2f} s, over "
            f"{BUDGET_SECONDS:.0f} s (not part of the exit status, which judges the warm median)."
        )
    if slow or big:
        lines.append("Exit status 1: the lägesbild is over budget.")
    # One JSON line for `make bench` (bench/run_all.py): the reference the report scopes are
    # measured against.
    print(json.dumps({
        "target": "scene_report",
        "label": f"{args.observations:,} observations in 90 days",
        "build_warm_median_s": round(median["build"], 3),
        "baseline_median_s": round(base, 3),
        "cold_build_s": round(build_child["seconds"], 3),
        "cold_peak_rss_mb": round(peak_mb, 1),
        "goal": f"≤ {BUDGET_SECONDS:.0f} s, ≤ {BUDGET_MB:.0f} MB",
        "met": not (slow or big),
    }))  # fmt: skip
    print("\n".join(lines))
    return 1 if slow or big else 0


if __name__ == "__main__":
    sys.exit(main())
