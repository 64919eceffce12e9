"""Platform-wide tasks: the worker check, and building XLSX exports (ods_platform/exports.py).

`build_export` may be delivered more than once (a worker killed mid-build hands its task
back; the sweeper re-publishes a job whose message was lost) and is safe to: it claims the
job (queued, or running for longer than a build may run) and writes its outcome only if the
claim is still its own. `sweep_exports` (beat) removes expired files with their jobs.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from actors.models import Organisation

from .models import ExportJob

logger = logging.getLogger(__name__)

EXPORT_TIME_LIMIT_S = 1800
# A job still "running" this long after its claim has lost its worker: it is taken again.
STALE_AFTER = timedelta(seconds=EXPORT_TIME_LIMIT_S + 60)
# A queued job whose message has not been taken this long is published again.
REPUBLISH_AFTER = timedelta(seconds=60)

FAILED_TOO_SLOW = "Exporten tog för lång tid. Välj en kortare period eller färre rader."
FAILED_ERROR = (
    "Exporten kunde inte skapas på grund av ett tekniskt fel. Felet är loggat; försök igen "
    "eller kontakta supporten."
)
FAILED_GONE = "Det som exporten gällde finns inte längre, eller så får du inte längre se det."


@shared_task
def count_organisations() -> int:
    """A round trip through the worker and the database: used to check that both answer."""
    return Organisation.objects.count()


def claim(job_id: str) -> ExportJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=job_id, expires_at__gt=now)
            .filter(
                Q(status=ExportJob.Status.QUEUED)
                | Q(status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER)
            )
            .first()
        )
        if job is None:
            return None
        # The time of the claim marks it: a later claim of the same job has another.
        job.status, job.done, job.started_at = ExportJob.Status.RUNNING, 0, now
        job.save(update_fields=["status", "done", "started_at"])
    return job


def _mine(job: ExportJob):
    return ExportJob.objects.filter(
        pk=job.pk, status=ExportJob.Status.RUNNING, started_at=job.started_at
    )


def _finish(job: ExportJob, status: str, *, file: str = "", done: int = 0, error: str = "") -> bool:
    with transaction.atomic():
        current = _mine(job).select_for_update().first()
        if current is None:
            return False
        current.status, current.file, current.error = status, file, error
        if status == ExportJob.Status.DONE:
            current.done = current.total = done
        current.finished_at = timezone.now()
        current.save(update_fields=["status", "file", "error", "done", "total", "finished_at"])
    return True


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=EXPORT_TIME_LIMIT_S - 60,
    time_limit=EXPORT_TIME_LIMIT_S,
)
def build_export(job_id: str) -> str:
    """Write one export's workbook. Safe to run any number of times."""
    from django.http import Http404

    from . import exports

    job = claim(job_id)
    if job is None:
        return "skipped"
    name = ""
    try:
        with translation.override(job.language):
            source = exports.source_for(job)
            _mine(job).update(total=source.total)
            name, written = exports.write_workbook(
                job, source, lambda done: _mine(job).update(done=done), chunk=exports.CHUNK
            )
    except (Http404, LookupError):
        _finish(job, ExportJob.Status.FAILED, error=FAILED_GONE)
        return "failed"
    except SoftTimeLimitExceeded:
        logger.error("Export %s took too long and was stopped.", job_id)
        _finish(job, ExportJob.Status.FAILED, error=FAILED_TOO_SLOW)
        return "failed"
    except Exception:
        logger.exception("Export %s could not be built.", job_id)
        _finish(job, ExportJob.Status.FAILED, error=FAILED_ERROR)
        return "failed"
    if not _finish(job, ExportJob.Status.DONE, file=name, done=written):
        # Another claim took the job over (this one was thought lost): its file wins.
        logger.warning("Export %s was taken over by another claim.", job_id)
        return "lost"
    return "done"


@shared_task(ignore_result=True)
def sweep_exports(now=None) -> int:
    """Remove the files and jobs of exports past `expires_at`, and hand out again the builds
    whose message never reached a worker. Returns how many were removed."""
    from .exports import publish

    now = now or timezone.now()
    removed = 0
    for pk in ExportJob.objects.filter(expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            job = ExportJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue
            job.remove_files()
            job.delete()
            removed += 1
    lost = ExportJob.objects.filter(status=ExportJob.Status.QUEUED, expires_at__gt=now)
    lost = lost.filter(Q(published_at__isnull=True) | Q(published_at__lt=now - REPUBLISH_AFTER))
    for pk in lost.values_list("pk", flat=True):
        if not publish(pk):
            break  # the broker is still down: try again at the next beat
    return removed
