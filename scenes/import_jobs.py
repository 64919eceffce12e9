"""Imports off the request path: the upload becomes an `ImportJob`, a worker checks it.

The observation import (imports.py) and the indicator import (indicators.py) share this:

1. The request checks the upload for size and type by its content (uploads.py), stores it
   on the private `imports` storage, creates the queued job in the same transaction and
   publishes the check (`scenes.tasks.check_import`, by the job's id) once it commits;
   publishing fails fast when the broker is down, and the sweeper hands the job out later.
   The page answers at once with a progress bar, which asks for itself every second (htmx)
   and reloads the page when the check is done.
2. The worker claims the job, parses the file and validates every row as a dry run with the
   uploader's permissions and language, writes the preview (and the rows, when they may be
   imported) to the job and removes the file.
3. The page shows the preview with every row's errors. Confirming validates the rows again
   and saves them, all or none, on the request (at most MAX_ROWS rows, so bounded work), and
   spends the job; a second confirm finds it spent.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation

from ods_platform.lib.jobs import publish_job
from ods_platform.lib.plain import printable

from .models import ImportJob


def start(user, *, kind: str, upload, file_type: str, content: bytes, scene=None) -> ImportJob:
    """A queued job for an upload that passed its checks; the check is published when the
    transaction commits."""
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            scene=scene,
            user=user,
            language=translation.get_language() or "sv",
            filename=printable(upload.name or "")[:200],
            file_type=file_type,
        )
        job.file.save(f"{job.pk}.{file_type}", ContentFile(content), save=False)
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda: publish(job_id))
    return job


def publish(job_id) -> bool:
    """Hand the check to the workers now; False (logged) when the broker cannot be reached."""
    from .tasks import check_import

    queued = ImportJob.objects.filter(status=ImportJob.Status.QUEUED)
    return publish_job(check_import, queued, job_id, "import")


def confirmable(job: ImportJob) -> bool:
    return job.status == ImportJob.Status.READY and job.rows is not None and not job.is_expired()


def progress_response(request, job: ImportJob, progress_url: str, page_url: str):
    """The progress box alone; once the check is done it tells htmx to reload the page,
    which then shows the preview."""
    from django.shortcuts import render

    response = render(
        request,
        "scenes/_import_progress.html",
        {"job": job, "polling": job.is_checking, "progress_url": progress_url,
         "page_url": page_url},
    )  # fmt: skip
    if not job.is_checking:
        response["HX-Refresh"] = "true"
    return response
