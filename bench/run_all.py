"""Every benchmark of bench/README.md in one run (`make bench`, `make bench-10m`).

    .venv/bin/python bench/run_all.py [--profile 1m|10m] [--runs 5] [--only NAME ...]

Runs each benchmark as its own process, one after the other (they must not share the machine's
two cores), collects the JSON lines each prints on stdout into `bench/results-<profile>.jsonl`
(each line with its benchmark's name in `"bench"`), passes their logs and tables through on
stderr, and ends with a table of every figure against its goal. A benchmark that fails is
recorded as such and the others still run. Exit status 0 unless a benchmark could not run: the
goals are reported, not enforced.

The page benchmarks (pages, read logging, permission filtering, exports, report scopes) use
the profile's national-scale database (`ods_bench_1m` or `ods_bench_10m`, generated once by
`generate.py`); the lägesbild budget on 20,000 rows and the Celery runs use `ods_bench`, the
load test `ods_load_bench`. None of them is a test or demo database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
SERVER = "postgis://postgres@127.0.0.1:5432/"


def steps(profile: str, runs: int) -> list[tuple[str, list[str], dict]]:
    big = f"ods_bench_{profile}"
    small = {"DATABASE_URL": SERVER + "ods_bench"}
    copy = f"{big}_reports"
    on_copy = {"DATABASE_URL": SERVER + copy}
    scale = ["--database", big, "--profile", profile]
    report = [PY, str(BENCH / "report_bench.py")]
    few = str(min(runs, 2))  # a county report takes a minute on a loaded machine
    return [
        ("pages", [PY, str(BENCH / "pages.py"), *scale, "--runs", str(runs)], {}),
        ("map", [PY, str(BENCH / "map_bench.py"), *scale, "--runs", str(runs)], {}),
        ("indexes", [PY, str(BENCH / "index_bench.py"), *scale, "--runs", few], {}),
        ("read_audit", [PY, str(BENCH / "read_audit_bench.py"), *scale], {}),
        ("permissions", [PY, str(BENCH / "permission_bench.py"), "--source", big,
                         "--database", f"{big}_perm", "--runs", str(max(runs, 5))], {}),
        ("report_20k", [*report, "--observations", "20000", "--runs", str(runs)], small),
        # The report and export steps write rows (reports, export jobs): into a fresh copy.
        ("copy", [PY, str(BENCH / "generate.py"), *scale, "--copy-to", copy], {}),
        ("report_scene", [*report, "--scope", "scene", "--user", "sthlm.samordnare",
                          "--runs", few], on_copy),
        ("report_municipality", [*report, "--scope", "municipality", "--municipality", "0180",
                                 "--user", "sthlm.samordnare", "--runs", few], on_copy),
        ("report_county", [*report, "--scope", "county", "--user", "lan.samordnare",
                           "--runs", few], on_copy),
        ("evaluation_county", [*report, "--scope", "county", "--kind", "evaluation",
                               "--user", "lan.samordnare", "--runs", few], on_copy),
        ("exports", [PY, str(BENCH / "export_bench.py"), "--scene", "Sergels torg (demo)",
                     "--sizes", "20000", "200000", "--no-tablib"], on_copy),
        ("celery", [PY, str(BENCH / "celery_bench.py")], small),
        ("load", [PY, str(BENCH / "load_bench.py"), "--database", "ods_load_bench",
                  "--users", "150", "--duration", "120"], {}),
    ]  # fmt: skip


# The report scopes' goal: at most 3 x the 20,000-row scene report's build, at most 400 MB.
REPORT_MULTIPLE_GOAL = 3.0
REPORT_PEAK_MB_GOAL = 400


def against_scene_report(rows: list[dict]) -> None:
    """Give every report scope's line its multiple of the 20,000-row scene report (warm
    builds, medians) and whether it meets the goal; the reference is this run's or, with
    --only, the file's."""
    reference = next((r for r in rows if r.get("step") == "report_20k"
                      and r.get("build_warm_median_s")), None)  # fmt: skip
    for row in rows:
        if not row.get("scope") or not row.get("build_warm_median_s"):
            continue
        row["goal"] = f"≤ {REPORT_MULTIPLE_GOAL} × the 20,000-row scene report, ≤ 400 MB"
        if reference is None:
            continue
        multiple = row["build_warm_median_s"] / reference["build_warm_median_s"]
        row["multiple_of_scene_report"] = round(multiple, 2)
        row["met"] = multiple <= REPORT_MULTIPLE_GOAL and row.get(
            "cold_peak_rss_mb", 0) <= REPORT_PEAK_MB_GOAL  # fmt: skip


def run(name: str, command: list[str], env: dict) -> tuple[list[dict], int, float]:
    print(f"\n== {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 (the project's own scripts)
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True
    )
    lines = []
    for line in proc.stdout or ():
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            if isinstance(row, dict):
                row.setdefault("bench", name)
                row["step"] = name
                lines.append(row)
                print(line.rstrip(), file=sys.stderr, flush=True)
                continue
        print(line.rstrip(), file=sys.stderr, flush=True)
    return lines, proc.wait(), time.monotonic() - started


def figure(row: dict) -> str:
    for key in ("multiple_median", "throughput_on_vs_off", "ratio", "ratio_median", "overhead",
                "speedup", "multiple_of_scene_report", "build_median_s", "build_warm_median_s",
                "p95_reads_ms_worst"):  # fmt: skip
        if key in row:
            return f"{key} = {row[key]}"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="1m")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="step names to run")
    args = parser.parse_args()
    results, broken = [], []
    began = time.monotonic()
    for name, command, env in steps(args.profile, args.runs):
        if args.only and name not in args.only:
            continue
        lines, status, seconds = run(name, command, env)
        results += lines
        print(f"== {name}: exit {status} after {seconds:.0f} s", file=sys.stderr, flush=True)
        if status != 0 and not lines:
            broken.append(name)
            results.append({"bench": name, "step": name, "error": f"exit status {status}"})
    out = BENCH / f"results-{args.profile}.jsonl"
    ran = {row["step"] for row in results}
    # With --only, the other steps' figures of an earlier run stay in the file.
    kept = [json.loads(line) for line in out.read_text().splitlines() if line.strip()] if (
        args.only and out.exists()) else []  # fmt: skip
    kept = [row for row in kept if row.get("step", row.get("bench", "pages")) not in ran]
    against_scene_report(kept + results)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept + results))
    print(f"\n{len(results)} figures in {out.relative_to(ROOT)} after "
          f"{(time.monotonic() - began) / 60:.1f} min\n", file=sys.stderr)  # fmt: skip
    print("| bench | what | figure | goal | met |\n|---|---|---|---|---|", file=sys.stderr)
    for r in results:
        if not figure(r) and "error" not in r:
            continue  # a detail line (an export's size), summed up by the bench's own line
        what = " ".join(
            str(r[k]) for k in ("target", "index", "cases", "user", "scope", "label") if r.get(k)
        )
        goal = r.get("goal", r.get("goal_1m", ""))
        met = r.get("met", "" if "error" not in r else "error")
        if "multiple_median" in r and "met" not in r:
            met = r["multiple_median"] <= r.get("goal_1m", 4)
        if "ratio_median" in r and "met" not in r and isinstance(goal, int | float):
            met = r["ratio_median"] <= goal  # permission filtering
        print(f"| {r['bench']} | {what} | {figure(r) or r.get('error', '')} | {goal} | {met} |",
              file=sys.stderr)  # fmt: skip
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
