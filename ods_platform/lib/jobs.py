"""Handing a job row (an import check, an export build) to the Celery workers."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)


def publish_job(task: Any, queued: QuerySet[Any], job_id: Any, what: str) -> bool:
    """Send `task(job_id)` to the workers now, trying the broker twice, and mark the row
    published (`queued`: the job rows still waiting); False (logged) when the broker cannot be
    reached: the sweeper hands the job out later."""
    try:
        task.apply_async(
            (str(job_id),),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0},
        )
    except Exception:
        logger.warning(
            "Could not queue %s %s; the sweeper will hand it out later.", what, job_id,
            exc_info=True,
        )  # fmt: skip
        return False
    queued.filter(pk=job_id).update(published_at=timezone.now())
    return True
