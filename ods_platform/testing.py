"""Real services for the test suite, loaded as a pytest plugin (`-p ods_platform.testing`).

- Every test session (each xdist worker too) gets its own `redis-server` on a free port,
  started here at import, before pytest-django reads the settings, so that a test may stop
  and start "Redis" without touching the machine's shared one.
- `celery_worker` runs a real Celery worker subprocess against that Redis and the test
  database.
- `CHROMIUM_LAUNCH` is how Playwright starts Debian's Chromium (it cannot download a
  browser of its own here); the root conftest hands it to pytest-playwright.
- The clock (`testing_clock`): the whole session, its worker subprocesses included, runs on
  a clock that starts at a fixed instant and ticks, so no test depends on the day or the
  hour the suite is run.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from ods_platform import testing_clock

ROOT = Path(__file__).resolve().parent.parent

testing_clock.set_session_offset()
testing_clock.start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class RedisServer:
    """A private redis-server that tests may stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ods-test-redis-")
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.proc and self.proc.poll() is None:
            return
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for(self.ping, 10, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


redis_server_instance = RedisServer()
redis_server_instance.start()
atexit.register(redis_server_instance.stop)
os.environ["REDIS_URL"] = redis_server_instance.url()
# Reports built in tests (by this process or its worker subprocesses) go to a private
# directory of the session's, removed at exit.
_reports_root = tempfile.mkdtemp(prefix="ods-test-reports-")
atexit.register(shutil.rmtree, _reports_root, ignore_errors=True)
os.environ["REPORTS_ROOT"] = _reports_root
_imports_root = tempfile.mkdtemp(prefix="ods-test-imports-")
atexit.register(shutil.rmtree, _imports_root, ignore_errors=True)
os.environ["IMPORTS_ROOT"] = _imports_root
# Playwright's sync API runs an event loop in the test thread; the ORM calls made from
# tests around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _flush_empties_the_audit_trail_too():
    """Between transactional tests Django empties every table with one TRUNCATE, which the
    audit tables refuse (they are append-only): for that flush, and only in tests, the
    refusal is lifted."""
    import pgtrigger
    from django.core.management.commands import flush

    original = flush.Command.handle
    refusals = [f"audit.{m}:{m.lower()}_no_truncate" for m in ("Entry", "Seal", "Head", "Review")]

    def handle(self, **options):
        with pgtrigger.ignore(*refusals):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(scope="session")
def redis_server() -> RedisServer:
    """The session's own Redis (the platform's broker and result store in tests)."""
    return redis_server_instance


class CeleryWorker:
    """A `celery worker` subprocess bound to the test database and the session's Redis."""

    def __init__(self, database_url: str, queues: str = "celery,reports") -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.database_url = database_url
        self.queues = queues
        fd, self.log_path = tempfile.mkstemp(prefix="ods-worker-", suffix=".log")
        os.close(fd)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": redis_server_instance.url(),
            "DEBUG": "true",
        }
        command = [
            sys.executable, "-m", "ods_platform.testing_clock", "-A", "ods_platform", "worker",
            "--hostname", self.name, "--queues", self.queues,
            "--concurrency", "1", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for(self.answers_ping, 60, f"Celery worker {self.name}")

    def answers_ping(self) -> bool:
        from redis import exceptions as redis_errors

        from ods_platform.celery import app

        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{self.output()}")
        # A connection of its own each time, never a pooled one that may predate a Redis
        # restart made by an earlier test.
        with app.connection_for_write() as connection:
            try:
                return bool(
                    app.control.ping(destination=[self.name], timeout=0.5, connection=connection)
                )
            except (OSError, redis_errors.ConnectionError):
                return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def output(self) -> str:
        return Path(self.log_path).read_text(errors="replace")


def database_url_for_tests() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgis://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker, started for one test and stopped after it."""
    worker = CeleryWorker(database_url_for_tests())
    worker.start()
    yield worker
    worker.stop()
    os.unlink(worker.log_path)


CHROMIUM_LAUNCH = {
    "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}


def follow_export(client, response):
    """An XLSX link's answer followed as a user's browser and a worker would: the redirect to
    the export's page, the build (run here, in-process, as the worker runs it) and the
    download; returns the download's answer (the answer itself when it is not a redirect to
    an export). The file's bytes: `b"".join(answer.streaming_content)`."""
    from django.urls import resolve, reverse

    from ods_platform.tasks import build_export

    if response.status_code != 302:
        return response
    match = resolve(response["Location"].split("?")[0])
    if match.url_name != "export_job":
        return response
    job_id = str(match.kwargs["pk"])
    build_export(job_id)
    return client.get(reverse("export_download", args=[job_id]))


def content_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
