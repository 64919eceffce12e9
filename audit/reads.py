"""Recording reads: every page, list, export, API answer and download that shows domain data
notes what it showed; the middleware writes all of a request's notes in one bulk insert.

    record_read(request, "list", Observation, [o.pk for o in page], scene_ids=[scene.pk])

`ids` are the objects shown (a list page's rows, an export's rows); `scene_ids` the scenes
their data belongs to, for the log review's "reads outside the team's scenes".
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Entry


def _http_request(request):
    return getattr(request, "_request", request)  # a DRF Request wraps Django's


def _label(model_or_label) -> str:
    if isinstance(model_or_label, str):
        return model_or_label
    return model_or_label._meta.label_lower


def record_read(
    request, action: str, model_or_label, ids: Iterable[int], *, scene_ids: Iterable[int] = ()
) -> None:
    ids = sorted({int(i) for i in ids if i is not None})
    if not ids:
        return
    http = _http_request(request)
    reads = http.__dict__.setdefault("_audit_reads", [])
    reads.append(
        {
            "action": action,
            "object_type": _label(model_or_label),
            "object_id": str(ids[0]) if len(ids) == 1 else "",
            "object_ids": ids,
            "scene_ids": sorted({int(s) for s in scene_ids if s is not None}),
        }
    )


def flush_reads(request, context: dict) -> int:
    """Write the request's reads, one bulk insert; returns how many entries."""
    reads = request.__dict__.pop("_audit_reads", [])
    if not reads:
        return 0
    who = {
        "user_id": context.get("user_id"),
        "username": context.get("username", ""),
        "organisation_ids": context.get("organisation_ids", []),
        "organisations": context.get("organisations", ""),
        "ip": context.get("ip"),
        "request_id": context.get("request_id", ""),
        "path": context.get("path", ""),
    }
    Entry.objects.bulk_create([Entry(kind=Entry.Kind.READ, **who, **read) for read in reads])
    return len(reads)


def noting(objects, seen: list):
    """The objects, each one's id noted in `seen` as it passes (for an export that writes
    its rows as it reads them; record `seen` once it is written)."""
    for obj in objects:
        seen.append(obj.pk)
        yield obj
