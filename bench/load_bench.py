"""Load test of the serving model: 150 simulated staff against gunicorn, on a scratch database.

    .venv/bin/python bench/load_bench.py --database ods_load --users 150 --duration 120 \\
        --workers 2 --threads 8

What it does, all on this machine:
1. Creates the scratch database when it is missing (PostGIS, migrations, reference data and the
   demo data set); refuses a database whose name does not say it is for load tests
   (`load` or `bench` in it), so it never writes into someone's test or demo database.
2. Starts a private redis-server, one Celery worker (reports are built for real) and gunicorn
   with the platform's gunicorn.conf.py (`--workers`, `--threads`, or `--worker-class sync` to
   compare), with DEBUG off as in production.
3. Logs the simulated users in (one session each, for the demo personas by role: field staff,
   coordinators, readers) and runs locust headless for `--duration` seconds, ramping up at
   `--spawn-rate` users a second. Each run stops by itself.
4. Prints p50/p95/p99 per kind of request and in total, the error count, requests per second,
   and checks that every write the platform accepted is stored exactly once (observations and
   action updates by their marker, reports by count). Exit status 1 when a write is missing or
   doubled.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
# The goals: p95 of each kind of read (GET) and write (POST) on this machine.
READ_P95_GOAL, WRITE_P95_GOAL = 500, 800

ROLES = {
    "field": ["sthlm.falt", "polis.city", "sl.trygghet", "kv.handlaggare"],
    "coordinator": ["sthlm.samordnare", "botkyrka.samordnare"],
    "reader": ["lan.samordnare", "stad.utvarderare"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def run(command: list[str], env: dict) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def prepare_database(env: dict, name: str) -> None:
    names = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SELECT datname FROM pg_database"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    exists = name in names
    if not exists:
        print(f"Creating the scratch database {name} (migrations and demo data) ...")
        run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], env)
        run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-qc",
             "CREATE EXTENSION IF NOT EXISTS postgis"], env)  # fmt: skip
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        run([PYTHON, "manage.py", "load_reference_data"], env)
        run([PYTHON, "manage.py", "load_demo"], {**env, "ODS_DEMO_DATA": "true"})
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)


def sessions_and_counts(env: dict, users: int, path: Path) -> dict:
    """Log the simulated users in (sessions in the database, as a log-in would make), and
    write what each needs to know: its session, the scenes it may log at, its actions."""
    script = r"""
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from actors.models import User
from sara.models import Action, ActionUpdate
from scenes.models import Observation, Scene
from situation_reports.models import Report
import os
roles, users, path = json.loads(os.environ["BENCH_ARGS"])
weights = {"field": 6, "coordinator": 3, "reader": 1}
out = {"sessions": {}}
for role, names in roles.items():
    entries = []
    count = max(1, users * weights[role] // 10 + 1)
    for i in range(count):
        user = User.objects.get(username=names[i % len(names)])
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        scenes = [
            {"id": s.pk, "lat": s.boundary.centroid.y, "lon": s.boundary.centroid.x}
            for s in Scene.objects.visible_to(user)
        ]
        actions = list(Action.objects.responsible_of(user).values_list("pk", flat=True)[:20])
        entries.append({"session": store.session_key, "scenes": scenes, "actions": actions})
    out["sessions"][role] = entries
out["before"] = {"reports": Report.objects.count()}
json.dump(out, open(path, "w"))
"""
    args = json.dumps([ROLES, users, str(path)])
    run([PYTHON, "manage.py", "shell", "-c", script], {**env, "BENCH_ARGS": args})
    return json.loads(path.read_text())


def stored_exactly_once(env: dict, accepted: dict, before: dict, run: str) -> dict:
    script = r"""
import json, sys
from collections import Counter
from sara.models import ActionUpdate
from scenes.models import Observation
from situation_reports.models import Report
import os
accepted_path, before, run = json.loads(os.environ["BENCH_ARGS"])
accepted = json.load(open(accepted_path))
def count(model, field, markers):
    found = Counter()
    rows = model.objects.filter(**{field + "__contains": f"bench-{run}-"}).values_list(
        field, flat=True
    )
    for text in rows:
        found[text.rsplit(" ", 1)[-1]] += 1
    wanted = set(markers)
    return {
        "accepted": len(markers),
        "missing": sum(1 for m in markers if found[m] == 0),
        "doubled": sum(1 for m in markers if found[m] > 1),
        "stored_but_not_accepted": sum(1 for m in found if m not in wanted),
    }
print(json.dumps({
    "observations": count(Observation, "description", accepted["observations"]),
    "action_updates": count(ActionUpdate, "text", accepted["action_updates"]),
    "reports": {"accepted": accepted["reports"],
                "stored": Report.objects.count() - before["reports"]},
}))
"""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(accepted, handle)
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", script],
        cwd=ROOT, env={**env, "BENCH_ARGS": json.dumps([handle.name, before, run])},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(handle.name)
    return json.loads(out.strip().splitlines()[-1])


def percentiles(stats_csv: Path) -> list[dict]:
    rows = []
    with open(stats_csv) as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["Name"] if row["Name"] != "Aggregated" else "**all requests**",
                    "type": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": row["50%"],
                    "p95": row["95%"],
                    "p99": row["99%"],
                    "rps": float(row["Requests/s"]),
                }
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="ods_load")
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=8, help="WEB_THREADS")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    args = parser.parse_args()
    if "load" not in args.database and "bench" not in args.database:
        raise SystemExit("Use a scratch database whose name says so (e.g. ods_load).")

    work = Path(tempfile.mkdtemp(prefix="ods-load-"))
    # The markers of this run's writes (letters only, see locustfile.py).
    run_id = os.urandom(4).hex().translate(str.maketrans("0123456789", "ghijklmnop"))
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "REPORTS_ROOT": str(work / "reports"),
        "DEBUG": "false",
        "SECRET_KEY": "load-test-only-" + os.urandom(8).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ODS_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
        # The simulated browsers keep their connections across 5–15 s of thinking, as a
        # proxy keeps its upstream connections: gunicorn must not close them sooner.
        "WEB_KEEPALIVE": "30",
        "LOG_LEVEL": "WARNING",
        # The simulated staff are demo personas logged in by a session written into the
        # database, with no second factor: with the production default every page would
        # send them to the two-factor set-up (and nothing would be stored).
        "ODS_REQUIRE_MFA": "false",
    }
    processes: list[subprocess.Popen] = []

    def start(command: list[str], log: str, extra: dict | None = None) -> subprocess.Popen:
        with open(work / log, "wb") as handle:  # the child keeps its own copy
            proc = subprocess.Popen(
                command, cwd=ROOT, env={**env, **(extra or {})}, stdout=handle,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        processes.append(proc)
        return proc

    try:
        prepare_database(env, args.database)
        start([shutil.which("redis-server") or "redis-server", "--port", str(redis_port),
               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], "redis.log")  # fmt: skip
        wait_for(lambda: answers(redis_port), 10, "redis-server")
        start([str(BIN / "celery"), "-A", "ods_platform", "worker", "--queues",
               "celery,reports", "--concurrency", "1", "--loglevel", "WARNING"],
              "worker.log")  # fmt: skip
        gunicorn = [str(BIN / "gunicorn"), "ods_platform.wsgi", "--config", "gunicorn.conf.py"]
        if args.worker_class == "sync":
            gunicorn += ["--worker-class", "sync", "--threads", "1"]
        start(gunicorn, "gunicorn.log",
              {"DATABASE_POOL_MAX_SIZE": "0"} if args.worker_class == "sync" else None)  # fmt: skip
        wait_for(lambda: answers(web_port), 30, "gunicorn")
        config = sessions_and_counts(env, args.users, work / "sessions.json")
        accepted_path = work / "accepted.json"
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", f"{args.duration}s", "--stop-timeout", "20",
             "--host", f"http://127.0.0.1:{web_port}", "--csv", str(work / "locust"),
             "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, capture_output=True, text=True,
            env={**env, "BENCH_SESSIONS": str(work / "sessions.json"),
                 "BENCH_ACCEPTED": str(accepted_path), "BENCH_RUN": run_id},
            timeout=args.duration + 120,
        )  # fmt: skip
        if not accepted_path.exists():
            print(locust.stdout[-3000:], locust.stderr[-3000:])
            raise SystemExit("locust did not finish")
        accepted = json.loads(accepted_path.read_text())
        time.sleep(2)  # let the last requests' transactions end
        check = stored_exactly_once(env, accepted, config["before"], run_id)
    finally:
        for proc in reversed(processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)

    label = (
        f"{args.worker_class}, {args.workers} processes"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", {args.users} users, {args.duration} s"
    )
    print(f"\n### {label}\n")
    print("| request | count | errors | p50 ms | p95 ms | p99 ms | req/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in percentiles(work / "locust_stats.csv"):
        print(
            f"| {row['name']} | {row['requests']} | {row['failures']} | {row['p50']} | "
            f"{row['p95']} | {row['p99']} | {row['rps']:.1f} |"
        )
    print(f"\nWrites: {json.dumps(check)}")
    bad = any(
        check[k]["missing"] or check[k]["doubled"] for k in ("observations", "action_updates")
    ) or (check["reports"]["stored"] != check["reports"]["accepted"])
    print("Every accepted write stored exactly once." if not bad else "WRITES WRONG")
    print(f"(logs in {work})")
    rows = percentiles(work / "locust_stats.csv")
    by_kind = {kind: [r for r in rows if r["type"] == kind] for kind in ("GET", "POST")}
    worst = {
        kind: max((float(r["p95"]) for r in found if r["requests"]), default=0)
        for kind, found in by_kind.items()
    }
    errors = sum(r["failures"] for r in rows if r["type"])
    requests = sum(r["requests"] for r in rows if r["type"])
    met = (not bad and errors == 0 and worst["GET"] < READ_P95_GOAL
           and worst["POST"] < WRITE_P95_GOAL)  # fmt: skip
    print(json.dumps({
        "bench": "load", "label": label, "requests": requests, "errors": errors,
        "p95_reads_ms_worst": worst["GET"], "p95_writes_ms_worst": worst["POST"],
        "goal_reads_ms": READ_P95_GOAL, "goal_writes_ms": WRITE_P95_GOAL,
        "writes_exactly_once": not bad, "met": met,
    }))  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
