"""What the broker (Redis) holds for report builds, so the sweeper does not send them twice.

Celery on Redis (kombu's Redis transport) keeps a queue as a Redis list of JSON messages, one
list per priority step, and a message a worker has taken but not yet acknowledged in the
`unacked` hash (with the time it was taken in `unacked_index`). A report whose build message
is in either place reaches a worker without help; only the others need publishing again.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

BUILD_TASK = "situation_reports.tasks.build_report"
# kombu's Redis transport: priority steps and the separator of a queue's per-step lists.
PRIORITY_STEPS = (0, 3, 6, 9)
PRIORITY_SEPARATOR = "\x06\x16"
# A backlog longer than this is not read through (the sweeper then relies on published_at).
MAX_MESSAGES = 20_000


@dataclass
class BrokerView:
    waiting: set[int] = field(default_factory=set)  # in a queue, not yet taken by a worker
    taken: dict[int, float] = field(default_factory=dict)  # taken by a worker: since (epoch s)


def _report_id(raw: bytes | str) -> int | None:
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # the unacked hash stores [message, exchange, key]
            message = message[0]
        if message.get("headers", {}).get("task") != BUILD_TASK:
            return None
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return int(args[0])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _queue_keys(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]


def report_queue() -> str:
    route = settings.CELERY_TASK_ROUTES.get(BUILD_TASK, {})
    return route.get("queue", "celery")


def look(url: str | None = None) -> BrokerView:
    """The report builds the broker holds now. Raises redis errors when it cannot be read."""
    client = redis.Redis.from_url(
        url or settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=5
    )
    view = BrokerView()
    try:
        for key in _queue_keys(report_queue()):
            for raw in client.lrange(key, 0, MAX_MESSAGES - 1):
                if (pk := _report_id(raw)) is not None:
                    view.waiting.add(pk)
        since = dict(client.zrange("unacked_index", 0, -1, withscores=True))
        for tag, raw in client.hscan_iter("unacked"):
            if (pk := _report_id(raw)) is not None:
                taken = since.get(tag, 0.0)
                view.taken[pk] = max(view.taken.get(pk, 0.0), taken)
    finally:
        client.close()
    return view
