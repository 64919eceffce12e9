"""Simulated staff for the load test (locust): they browse, log observations, update actions
and order lägesbilder, with 5–15 s of thinking between steps.

Started by `bench/load_bench.py`, which prepares a scratch database, logs the simulated users
in (a session each, written into BENCH_SESSIONS) and starts the platform. Every write carries
a unique marker; the ones the platform accepted (a redirect after the form, not to the log-in
or two-factor pages) are written to
BENCH_ACCEPTED when the run stops, so the driver can check that each is stored exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import uuid
from datetime import date, datetime, timedelta

from locust import HttpUser, between, events, task

with open(os.environ["BENCH_SESSIONS"]) as _config:
    CONFIG = json.load(_config)
_sessions = {role: itertools.cycle(entries) for role, entries in CONFIG["sessions"].items()}
_lock = threading.Lock()
ACCEPTED: dict[str, list] = {"observations": [], "action_updates": [], "reports": 0}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RUN = os.environ.get("BENCH_RUN", "run")
# Markers in letters only: a run of digits could look like a personnummer and be refused.
_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def _marker() -> str:
    return f"bench-{RUN}-{uuid.uuid4().hex.translate(_LETTERS)}"


def _saved(response) -> bool:
    """A write the platform accepted: its redirect to the next page, not one to the log-in or
    the two-factor pages (those answer 302 too, and store nothing)."""
    return response.status_code == 302 and not response.headers.get("Location", "").startswith(
        "/accounts/"
    )


def _next_session(role: str) -> dict:
    with _lock:
        return next(_sessions[role])


class Staff(HttpUser):
    abstract = True
    role = ""
    wait_time = between(5, 15)

    def on_start(self) -> None:
        entry = _next_session(self.role)
        self.client.cookies.set("sessionid", entry["session"])
        self.scenes = entry["scenes"]
        self.actions = entry["actions"]

    def _page(self, path: str, name: str):
        """GET a page; a failure when it is not the page but the log-in or the two-factor
        pages it was sent to (the session is not accepted), whose timings would mislead."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.ok and response.url and "/accounts/" in response.url:
                response.failure(f"sent to {response.url}")
            return response

    def _csrf(self, path: str, name: str) -> str | None:
        response = self._page(path, name)
        match = CSRF.search(response.text)
        return match.group(1) if match else None

    def browse_scene(self) -> None:
        scene = random.choice(self.scenes)
        self._page(f"/scenes/{scene['id']}/", "scene page")

    @task(3)
    def start_and_scene_list(self) -> None:
        self._page("/", "start page")
        self._page("/scenes/", "scene list")

    @task(3)
    def scene_page(self) -> None:
        self.browse_scene()


class FieldWorker(Staff):
    """Case officers in the field: mostly logging observations."""

    role = "field"
    weight = 6

    @task(4)
    def log_observation(self) -> None:
        scene = random.choice(self.scenes)
        token = self._csrf(f"/observations/new/?scene={scene['id']}", "observation form")
        if not token:
            return
        marker = _marker()
        now = datetime.now() - timedelta(minutes=random.randint(1, 600))
        data = {
            "csrfmiddlewaretoken": token,
            "scene": scene["id"],
            "latitude": f"{scene['lat'] + random.uniform(-0.0003, 0.0003):.6f}",
            "longitude": f"{scene['lon'] + random.uniform(-0.0003, 0.0003):.6f}",
            "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
            "category": random.choice(
                ["narkotikaforsaljning", "narkotikabruk", "ordningsstorning"]
            ),
            "source": "egen",
            "insecurity": str(random.randint(1, 5)),
            "people_count": str(random.randint(1, 12)),
            "affected_groups": ["resenarer"],
            "description": f"Grupp vid entrén, lugnt läge. {marker}",
        }
        with self.client.post(
            "/observations/new/", data, name="log observation", allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            if _saved(response):
                with _lock:
                    ACCEPTED["observations"].append(marker)
                response.success()
            else:
                response.failure(f"not saved: {response.status_code}")


class Coordinator(Staff):
    """Coordinators: their actions, updates, and now and then a lägesbild."""

    role = "coordinator"
    weight = 3

    @task(3)
    def my_actions_and_update(self) -> None:
        token = self._csrf("/sara/my-actions/", "my actions")
        if not token or not self.actions:
            return
        action = random.choice(self.actions)
        marker = _marker()
        with self.client.post(
            f"/sara/actions/{action}/",
            {"csrfmiddlewaretoken": token, "text": f"Uppföljning gjord. {marker}", "status": "",
             "next": "/sara/my-actions/"},
            name="update action", allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            if _saved(response):
                with _lock:
                    ACCEPTED["action_updates"].append(marker)
                response.success()
            else:
                response.failure(f"not saved: {response.status_code}")

    @task(1)
    def order_report(self) -> None:
        token = self._csrf("/reports/", "report list")
        if not token:
            return
        scene = random.choice(self.scenes)
        today = date.today()
        with self.client.post(
            "/reports/",
            {"csrfmiddlewaretoken": token, "scope": "scene", "scene": scene["id"],
             "start": (today - timedelta(days=89)).isoformat(), "end": today.isoformat()},
            name="order report", allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            if _saved(response):
                with _lock:
                    ACCEPTED["reports"] += 1
                response.success()
                self._page(response.headers["Location"], "report page")
            else:
                response.failure(f"not ordered: {response.status_code}")


class Reader(Staff):
    """Analysts and evaluators: reading pages and past reports."""

    role = "reader"
    weight = 1

    @task(2)
    def reports(self) -> None:
        self.client.get("/reports/", name="report list")


@events.quitting.add_listener
def _write_accepted(environment, **_kwargs) -> None:
    with open(os.environ["BENCH_ACCEPTED"], "w") as handle:
        json.dump(ACCEPTED, handle)
