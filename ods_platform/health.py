"""Health of the services the platform depends on, for /healthz and for `make run`.

Each check answers up or down only: no versions, host names or error text leave this module,
so the endpoint can stay unauthenticated.
"""

import logging

import redis
from django.conf import settings
from django.db import connection

from .celery import app as celery_app

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2


def database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.exception("health: database check failed")
        return False


def redis_up() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        log.warning("health: Redis check failed", exc_info=True)
        return False


def celery_worker_up() -> bool:
    """True when at least one worker answers a broadcast ping through the broker."""
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            replies = celery_app.control.ping(timeout=1.0, limit=1, connection=conn)
        return bool(replies)
    except Exception:
        log.warning("health: Celery ping failed", exc_info=True)
        return False


def check_all() -> dict[str, bool]:
    checks = {"database": database_up(), "redis": redis_up()}
    # Workers are reached through Redis: with Redis down, no worker can be asked.
    checks["celery"] = checks["redis"] and celery_worker_up()
    return checks
