"""The offline basemap: one PMTiles file (`settings.ODS_BASEMAP_PMTILES`) served by the
platform itself, with HTTP Range requests, to the web maps (pmtiles + protomaps-leaflet).

Nothing is fetched from outside: the operator puts the file on disk (see README, "Offline
basemap"). Without the setting the URL answers 404 and the maps draw the scene's own
context (boundary, sub-places, landmarks) without any background.
"""

from __future__ import annotations

import os
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_safe

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Larger single reads than the client ever asks for (a directory or a tile) are refused.
MAX_RANGE_BYTES = 16 * 1024 * 1024


def _path() -> str:
    path = settings.ODS_BASEMAP_PMTILES
    if not path or not os.path.isfile(path):
        raise Http404
    return path


@login_required
@require_safe
def basemap(request):
    path = _path()
    size = os.path.getsize(path)
    stat = os.stat(path)
    etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
    header = request.headers.get("Range", "")
    if not header:
        # FileResponse closes the file when the response is done.
        handle = open(path, "rb")  # noqa: SIM115
        response = FileResponse(handle, content_type="application/vnd.pmtiles")
        response["Accept-Ranges"] = "bytes"
        response["ETag"] = etag
        return response
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return _unsatisfiable(size)
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        start, end = max(0, size - length), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start or end - start + 1 > MAX_RANGE_BYTES:
        return _unsatisfiable(size)
    with open(path, "rb") as handle:
        handle.seek(start)
        body = handle.read(end - start + 1)
    response = HttpResponse(body, status=206, content_type="application/vnd.pmtiles")
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
