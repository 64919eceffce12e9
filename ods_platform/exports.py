"""XLSX exports of big tables, built by a worker with progress instead of on the request.

CSV exports stream (ods_platform/lib/export.py `csv_stream_response`); a workbook cannot be
streamed as it is read, and built in memory it took minutes and hundreds of MB for one scene
at a million observations. So an XLSX link of an unbounded table leads here:

1. The page's view calls `start()` with the kind of export and the page's filters (the
   period fixed to the day of the request, so that the file holds what the page showed). A
   queued `ExportJob` is created and its build published when the transaction commits; the
   same request again (a reload, a second click) within a few minutes finds the same job.
   The answer is a redirect to the job's page, whose progress bar asks for itself every
   second (htmx) and offers the download once the file is there.
2. The worker (`ods_platform.tasks.build_export`) claims the job and asks the kind's
   `source` for the rows: the same querysets and visibility rules as the page, in the
   asker's name and language. The rows are read with `.iterator(chunk_size=CHUNK)` and
   written with openpyxl in write-only mode (inline strings, rows go to disk as they are
   appended), cells defused as every export's are (`export._safe`); progress is written
   once per chunk. Memory stays flat whatever the number of rows (bench/export_bench.py).
3. The download (owner only, 404 for anyone else) is recorded in the read log with the ids
   of the rows the file holds, like a report download; the file and its job are removed
   after `ODS_EXPORT_KEEP_HOURS` by `sweep_exports` (beat).

Small tables of a fixed size (a case's actions, one indicator's values, the scene list, the
method catalogue, the follow-up tables, an åtgärdsplan's snapshot, the log review's capped
lists) stay direct downloads: their views say why.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone, translation

from .lib.export import _safe, sheet_title
from .lib.jobs import publish_job
from .models import ExportJob, export_storage

CHUNK = 2000
# The same export asked for again this soon (a reload, a second click) is the same job.
REUSE_WITHIN = timedelta(minutes=10)


@dataclass
class Source:
    """What a kind of export writes: headings, and (id, scene id, row) read in chunks (the
    ids and scenes go to the read log when the file is downloaded)."""

    title: str
    headings: Sequence[str]
    rows: Iterable[tuple[int, int | None, Sequence[Any]]]
    total: int


# kind -> "module.function" returning a Source for (user, parameters); imported when used,
# so that this module needs none of the apps.
SOURCES: dict[str, str] = {
    ExportJob.Kind.OBSERVATIONS: "scenes.tables.observation_export_source",
    ExportJob.Kind.MY_ACTIONS: "sara.exports.my_actions_export_source",
}

# The read log's object type of each kind's rows (the ids stored beside the file).
SOURCES_LABELS: dict[str, str] = {
    ExportJob.Kind.OBSERVATIONS: "scenes.observation",
    ExportJob.Kind.MY_ACTIONS: "sara.action",
}


def source_for(job: ExportJob) -> Source:
    module, name = SOURCES[job.kind].rsplit(".", 1)
    build: Callable[[Any, dict[str, Any]], Source] = getattr(importlib.import_module(module), name)
    return build(job.user, job.parameters)


def parameters_of(query: Any, **extra: Any) -> dict[str, Any]:
    """A page's GET filters as JSON (lists for repeated names), without how it is shown;
    `extra` fills in what the page decided itself (the scene, the default period)."""
    data = {k: query.getlist(k) for k in query if k not in ("format", "page")}
    for key, value in extra.items():
        # A field sent empty (a form's blank date) is fixed as well as a missing one.
        if value is not None and not any(data.get(key, [])):
            data[key] = [str(value)]
    return data


def start(request: Any, kind: str, parameters: dict[str, Any], filename: str) -> ExportJob:
    """A queued export (or the same one asked for a moment ago); the build is published when
    the transaction commits."""
    user = request.user
    language = translation.get_language() or "sv"
    now = timezone.now()
    with transaction.atomic():
        same = (
            ExportJob.objects.visible_to(user)
            .filter(kind=kind, parameters=parameters, language=language)
            .filter(created_at__gte=now - REUSE_WITHIN)
            .exclude(status=ExportJob.Status.FAILED)
            .order_by("-created_at")
            .first()
        )
        if same is not None:
            return same
        job = ExportJob.objects.create(
            user=user,
            kind=kind,
            parameters=parameters,
            language=language,
            filename=f"{filename}.xlsx",
            expires_at=now + timedelta(hours=settings.ODS_EXPORT_KEEP_HOURS),
        )
        job_id = job.pk
        transaction.on_commit(lambda: publish(job_id))
    return job


def start_response(request: Any, kind: str, parameters: dict[str, Any], filename: str) -> Any:
    job = start(request, kind, parameters, filename)
    return redirect("export_job", job.pk)


def publish(job_id: Any) -> bool:
    """Hand the build to the workers now; False (logged) when the broker cannot be reached
    (the sweeper hands the job out later)."""
    from .tasks import build_export

    queued = ExportJob.objects.filter(status=ExportJob.Status.QUEUED)
    return publish_job(build_export, queued, job_id, "export")


def _local_path(name: str) -> Path:
    return Path(export_storage().path(name))


def write_workbook(
    job: ExportJob, source: Source, on_chunk: Callable[[int], None], chunk: int = CHUNK
) -> tuple[str, int]:
    """Write the source's rows to the job's file (and their ids beside it), calling
    `on_chunk(rows written)` after every `chunk` rows; returns the stored name and the count.

    openpyxl's write-only workbook keeps no cells: each appended row is written to a
    temporary file at once, and strings are stored inline (no shared-string table growing
    with the rows). The finished file is renamed into place, so a half-written workbook is
    never offered."""
    from openpyxl import Workbook

    name = f"{job.user_id}/{job.pk}.xlsx"
    target = _local_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    ids_path = _local_path(f"{name}.ids")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(source.title, set()))
    width = len(source.headings)
    sheet.append([str(h) for h in source.headings])
    written = 0
    try:
        with open(ids_path, "w", encoding="ascii") as ids:
            for pk, scene_id, row in source.rows:
                cells = [_safe(v) for v in row][:width]
                sheet.append(cells + [""] * (width - len(cells)))
                ids.write(f"{pk} {scene_id or ''}\n")
                written += 1
                if written % chunk == 0:
                    on_chunk(written)
        book.save(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        ids_path.unlink(missing_ok=True)
        raise
    return name, written


def read_ids(job: ExportJob) -> tuple[list[int], set[int]]:
    """The ids of the rows in the job's file and their scenes (for the read log)."""
    ids: list[int] = []
    scenes: set[int] = set()
    try:
        with open(_local_path(job.ids_name), encoding="ascii") as handle:
            for line in handle:
                pk, _space, scene = line.strip().partition(" ")
                if pk:
                    ids.append(int(pk))
                if scene:
                    scenes.add(int(scene))
    except FileNotFoundError:
        pass
    return ids, scenes
