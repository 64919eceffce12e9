"""Read logging's cost: list pages with every read written to the audit trail against the same
pages with the reads not written, interleaved, on the national-scale bench data.

    .venv/bin/python bench/read_audit_bench.py [--database ods_bench_1m] [--profile 1m]
                                               [--runs 7]

For each list (the pages of `pages.py` that show many rows: the observation list of 50 rows,
the scene list, *Mina åtgärder*, the API's observation lists) it requests the page once with
read logging on and once with it off, `--runs` times after a warm-up of both, alternating
which goes first. "Off" replaces the audit middleware's `flush_reads` with a no-op in this
process only (the page still notes what it shows; nothing is inserted). The figure is the
throughput with logging on relative to off (median time off / median time on). Goal: at least
0.9. One JSON line per page on stdout, a Markdown table on stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate
import pages

GOAL = 0.9
LISTS = [
    "observation_list_50", "scene_list", "my_actions", "api_observations_scene",
    "api_observations_all",
]  # fmt: skip


def measure(target: pages.Target, runs: int) -> dict:
    from audit import middleware

    logging_on = middleware.flush_reads
    client = pages._client(target.user)

    def timed(on: bool) -> tuple[float, int]:
        middleware.flush_reads = logging_on if on else (lambda request, context: 0)
        try:
            gc.collect()
            seconds, status, _size = pages._get(client, target.url)
        finally:
            middleware.flush_reads = logging_on
        return seconds, status

    from audit.models import Entry

    timed(True), timed(False)  # warm-up
    on, off = [], []
    before = Entry.objects.filter(kind=Entry.Kind.READ).count()
    for run in range(runs):
        order = (True, False) if run % 2 == 0 else (False, True)
        for flag in order:
            seconds, status = timed(flag)
            (on if flag else off).append(seconds)
    written = Entry.objects.filter(kind=Entry.Kind.READ).count() - before
    ratio = statistics.median(off) / statistics.median(on)
    return {
        "bench": "read_audit",
        "target": target.name,
        "user": target.user,
        "throughput_on_vs_off": round(ratio, 3),
        "on_ms_median": round(statistics.median(on) * 1000, 1),
        "off_ms_median": round(statistics.median(off) * 1000, 1),
        "read_entries_written": written,
        "status": status,
        "runs": runs,
        "goal": GOAL,
        "met": ratio >= GOAL,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ods_bench_1m")
    parser.add_argument("--profile", choices=sorted(generate.PROFILES), default="1m")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    generate.ensure(args.database, args.profile)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    rows = []
    for target in pages.targets():
        if target.name not in LISTS:
            continue
        row = measure(target, args.runs)
        row["profile"] = args.profile
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| list | user | on ÷ off throughput | on ms | off ms | reads written |\n"
          "|---|---|---:|---:|---:|---:|", file=sys.stderr)  # fmt: skip
    for r in rows:
        print(
            f"| {r['target']} | {r['user']} | {r['throughput_on_vs_off']} | {r['on_ms_median']} "
            f"| {r['off_ms_median']} | {r['read_entries_written']} |",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
