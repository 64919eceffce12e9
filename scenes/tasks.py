"""Checking uploaded import files in the worker, and the sweeper that tidies them up.

`check_import` may be delivered more than once (a worker killed mid-check hands its task
back; the sweeper re-publishes a job whose message was lost) and is safe to: it claims the
job (`select_for_update(skip_locked=True)`, queued, or running for longer than a check may
run), and writes its outcome only if the claim is still its own.

`refresh_observation_rollup` (beat) recomputes the per-scene observation rollup;
`refresh_observation_days` (beat) brings the daily rollup up to yesterday.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from . import rollups
from .models import ImportJob

logger = logging.getLogger(__name__)

TIME_LIMIT_S = 300
# A job still "running" this long after its claim has lost its worker: it is taken again.
STALE_AFTER = timedelta(seconds=TIME_LIMIT_S + 60)
# A queued job whose message has not been taken this long is published again.
REPUBLISH_AFTER = timedelta(seconds=60)

FAILED_TOO_SLOW = "Filen tog för lång tid att kontrollera. Dela upp den i mindre filer."
FAILED_GONE = "Den uppladdade filen finns inte längre. Ladda upp den igen."
FAILED_NO_ACCESS = "Du får inte längre importera hit. Inget har sparats."
FAILED_ERROR = (
    "Filen kunde inte kontrolleras på grund av ett tekniskt fel. Felet är loggat; ladda upp "
    "filen igen eller kontakta supporten."
)


def claim(job_id: str) -> ImportJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "scene")
            .filter(pk=job_id)
            .filter(
                Q(status=ImportJob.Status.QUEUED)
                | Q(status=ImportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER)
            )
            .first()
        )
        if job is None:
            return None
        # The time of the claim marks it: a later claim of the same job has another.
        job.status, job.progress, job.started_at = ImportJob.Status.RUNNING, 5, now
        job.save(update_fields=["status", "progress", "started_at"])
    return job


def _progress(job: ImportJob, percent: int) -> None:
    ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.RUNNING, started_at=job.started_at
    ).update(progress=percent)


def _finish(job: ImportJob, status: str, *, results=None, rows=None, error: str = "") -> bool:
    """Write the outcome, if the claim is still ours, and remove the file. False otherwise."""
    from ods_platform.lib.plain import MAX_TEXT, printable

    with transaction.atomic():
        current = (
            ImportJob.objects.select_for_update()
            .filter(pk=job.pk, status=ImportJob.Status.RUNNING, started_at=job.started_at)
            .first()
        )
        if current is None:
            return False
        current.remove_file()
        current.status = status
        current.progress = 100
        current.results = results
        current.rows = rows
        current.error = printable(error)[:MAX_TEXT]
        current.finished_at = timezone.now()
        current.save(
            update_fields=["file", "status", "progress", "results", "rows", "error", "finished_at"]
        )
    return True


def _checker(job: ImportJob):
    if job.kind == ImportJob.Kind.OBSERVATIONS:
        from .imports import check_job
    else:
        from .indicators import check_job
    return check_job


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=TIME_LIMIT_S - 60,
    time_limit=TIME_LIMIT_S,
)
def check_import(job_id: str) -> str:
    """Parse and dry-run one uploaded file. Safe to run any number of times."""
    from django.core.exceptions import PermissionDenied

    from .imports import ImportFileError

    job = claim(job_id)
    if job is None:
        return "skipped"
    try:
        with translation.override(job.language):
            try:
                with job.file.open("rb") as handle:
                    content = handle.read()
            except (OSError, ValueError):
                _finish(job, ImportJob.Status.FAILED, error=FAILED_GONE)
                return "failed"
            _progress(job, 20)
            results, rows = _checker(job)(job, content, lambda p: _progress(job, p))
    except ImportFileError as error:
        _finish(
            job, ImportJob.Status.FAILED, results={"error_code": error.code}, error=error.message
        )
        return "failed"
    except PermissionDenied:
        _finish(job, ImportJob.Status.FAILED, error=FAILED_NO_ACCESS)
        return "failed"
    except SoftTimeLimitExceeded:
        logger.error("Import %s took too long to check and was stopped.", job_id)
        _finish(job, ImportJob.Status.FAILED, error=FAILED_TOO_SLOW)
        return "failed"
    except Exception:
        logger.exception("Import %s could not be checked.", job_id)
        _finish(job, ImportJob.Status.FAILED, error=FAILED_ERROR)
        return "failed"
    _finish(job, ImportJob.Status.READY, results=results, rows=rows)
    return "ready"


@shared_task(ignore_result=True)
def sweep_imports(now=None) -> int:
    """Remove previews, rows and files older than ODS_IMPORT_KEEP_MINUTES, and hand out
    again the checks whose message never reached a worker. Returns how many were removed."""
    from .import_jobs import publish

    now = now or timezone.now()
    keep = timedelta(minutes=settings.ODS_IMPORT_KEEP_MINUTES)
    removed = 0
    old = ImportJob.objects.filter(created_at__lt=now - keep).filter(
        ~Q(file="") | Q(results__isnull=False) | Q(rows__isnull=False)
    )
    for pk in old.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue
            job.remove_file()
            job.results = job.rows = None
            if job.status != ImportJob.Status.IMPORTED:
                job.status = ImportJob.Status.SPENT
            job.save(update_fields=["file", "results", "rows", "status"])
            removed += 1
    lost = ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__gte=now - keep)
    lost = lost.filter(Q(published_at__isnull=True) | Q(published_at__lt=now - REPUBLISH_AFTER))
    for pk in lost.values_list("pk", flat=True):
        if not publish(pk):
            break  # the broker is still down: try again at the next beat
    return removed


@shared_task(name="scenes.tasks.refresh_observation_rollup", ignore_result=True)
def refresh_observation_rollup() -> None:
    """Recompute the per-scene observation rollup from the observations (the trigger keeps
    it exact on every write; this repairs what bypassed it) and stamp when."""
    rollups.refresh_all()


@shared_task(name="scenes.tasks.refresh_observation_days", ignore_result=True)
def refresh_observation_days() -> None:
    """Bring the daily observation rollup up to yesterday (stale and recent days made again
    from the observations; scenes/rollups.py)."""
    rollups.refresh_days()
