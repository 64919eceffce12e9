"""The national-scale generator (bench/generate.py) run as `make bench` runs it, on its
smallest profile, in a database of its own: a migration that adds a constraint to the
observation table once broke it halfway through the bulk load."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432/"


@pytest.fixture
def bench_database():
    name = f"ods_bench_smoke_{os.getpid()}"  # one per test process, whichever checkout runs
    yield name
    with psycopg.connect(SERVER + "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _generate(database, *extra):
    env = {**os.environ, "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/postgres"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    args = ["--database", database, "--profile", "smoke", "--today", "2026-06-15", *extra]
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_generator_loads_its_profile_with_every_index_and_constraint(bench_database):
    done = _generate(bench_database, "--force")
    assert done.returncode == 0, done.stderr[-3000:]

    with psycopg.connect(SERVER + bench_database) as conn:
        observations = conn.execute("SELECT count(*) FROM scenes_observation").fetchone()[0]
        scenes = conn.execute("SELECT count(*) FROM scenes_scene").fetchone()[0]
        constraints = {
            name
            for (name,) in conn.execute(
                "SELECT conname FROM pg_constraint"
                " WHERE conrelid = 'scenes_observation'::regclass AND contype = 'u'"
            )
        }
        indexes = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'scenes_observation'"
        ).fetchone()[0]
        marker = conn.execute("SELECT marker FROM bench_generated").fetchone()[0]
    assert observations >= 20_000
    assert scenes == 40
    assert "observation_client_uuid_unique" in constraints
    assert indexes >= 10  # the primary key, the client key and the rebuilt secondary ones
    assert marker == "profile=smoke seed=2026 today=2026-06-15"

    again = _generate(bench_database)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already holds" in again.stdout
