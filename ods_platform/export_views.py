"""The page of an XLSX export being built by a worker, its progress box and its download
(ods_platform/exports.py). Only the person who asked reaches any of them (404 for anyone
else, ods_platform/permissions.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.reads import record_read

from . import exports
from .lib.export import FORMATS
from .models import ExportJob, export_storage
from .permissions import get_export_for_user


def _state(job: ExportJob) -> dict:
    return {"job": job, "polling": job.is_building}


@login_required
@require_GET
def export_job(request, pk):
    job = get_export_for_user(request.user, pk)
    return render(request, "exports/job.html", _state(job))


@login_required
@require_GET
def export_progress(request, pk):
    """The progress box alone, polled by the job's page while the file is built."""
    job = get_export_for_user(request.user, pk)
    return render(request, "exports/_progress.html", _state(job))


@login_required
@require_GET
def export_download(request, pk):
    job = get_export_for_user(request.user, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = export_storage().open(job.file, "rb")
    except FileNotFoundError:
        raise Http404 from None
    # The file's rows are read now: the read log notes them as it notes a report download.
    ids, scene_ids = exports.read_ids(job)
    record_read(request, "download", exports.SOURCES_LABELS[job.kind], ids, scene_ids=scene_ids)
    response = FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type=FORMATS["xlsx"]
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
