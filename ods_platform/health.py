"""Health of the services the platform depends on, for /healthz and for `make run`.

Each check answers up or down only: no versions, host names, paths or error text leave this
module, so the endpoint can stay unauthenticated. Besides the services: the report storage
(writable, with at least ODS_REPORTS_MIN_FREE_MB free) and whether the most recent finished
reports still have their files (a count).
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


def reports_storage_up() -> bool:
    """The report storage takes a file, and has at least ODS_REPORTS_MIN_FREE_MB free."""
    from situation_reports import storage

    try:
        return storage.check().up
    except Exception:
        log.exception("health: report storage check failed")
        return False


def missing_report_files(limit: int | None = None) -> int:
    """How many of the most recent finished reports have no file in the storage (a bounded
    look; `manage.py verify_reports` checks them all, with checksums)."""
    from situation_reports.models import Report
    from situation_reports.storage import file_present

    limit = settings.ODS_HEALTH_REPORT_FILES_CHECKED if limit is None else limit
    names = (
        Report.objects.filter(status=Report.Status.DONE)
        .order_by("-finished_at", "-pk")
        .values_list("file", flat=True)[:limit]
    )
    return sum(1 for name in names if not file_present(name))


def check_all(counts: dict[str, int] | None = None) -> dict[str, bool]:
    """Up or down per service; `counts`, when given, receives the missing report files."""
    checks = {"database": database_up(), "redis": redis_up()}
    # Workers are reached through Redis: with Redis down, no worker can be asked.
    checks["celery"] = checks["redis"] and celery_worker_up()
    checks["reports_storage"] = reports_storage_up()
    if checks["database"]:
        try:
            missing = missing_report_files()
            checks["report_files"] = missing == 0
            if counts is not None:
                counts["missing_report_files"] = missing
        except Exception:
            log.exception("health: report files check failed")
            checks["report_files"] = False
    return checks
