"""The web tier as production runs it: gunicorn with gunicorn.conf.py (threads, a pool of
database connections per process), two instances side by side on one host."""

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ods_platform.testing import ROOT, database_url_for_tests, free_port

pytestmark = pytest.mark.django_db(transaction=True)


class Gunicorn:
    def __init__(self, home: Path, **extra: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "HOME": str(home),
            "DATABASE_URL": database_url_for_tests(),
            "DEBUG": "true",
            "ODS_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "4",
            **extra,
        }
        env.pop("XDG_RUNTIME_DIR", None)
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        self.proc = subprocess.Popen(
            [gunicorn, "ods_platform.wsgi", "--config", "gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("/accounts/login/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(self.stop())

    def get(self, path: str):
        return urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10)

    def stop(self) -> str:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        return out.decode(errors="replace")


def test_two_instances_on_one_host_do_not_share_a_control_socket(tmp_path):
    first = Gunicorn(tmp_path)
    own_socket = tmp_path / "second.ctl"
    second = Gunicorn(tmp_path, GUNICORN_CONTROL_SOCKET=str(own_socket))
    try:
        assert own_socket.is_socket()
        assert not (tmp_path / ".gunicorn").exists()  # no shared default path
        log = second.stop()
        assert not own_socket.exists()
        response = first.get("/accounts/login/")  # the first one is unaffected
        assert response.status == 200
        assert len(response.headers["X-Request-ID"]) == 32
    finally:
        first_log = first.stop()
    assert "gthread" in first_log and "gthread" in log
