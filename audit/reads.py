"""Recording reads: every page, list, export, API answer and download that shows domain data
notes what it showed; the middleware writes all of a request's notes in one bulk insert.

    record_read(request, "list", Observation, [o.pk for o in page], scene_ids=[scene.pk])

`ids` are the objects shown (a list page's rows, an export's rows); `scene_ids` the scenes
their data belongs to, for the log review's "reads outside the team's scenes".

    record_read_rows(request, "export", Observation, observations, scene_ids=[scene.pk])

notes the same for every row of a queryset, whose ids the database itself collects into the
entry when it is written (`INSERT … SELECT`): a long export's ids never pass through Python,
so the request's memory does not grow with its rows (250,000 ids held 140 MB; bench/).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

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


def record_read_rows(
    request, action: str, model_or_label, rows: QuerySet, *, scene_ids: Iterable[int] = ()
) -> None:
    """`record_read` for every row of `rows` (their primary keys, collected by the database
    when the entry is written; no entry when there are none)."""
    http = _http_request(request)
    http.__dict__.setdefault("_audit_reads", []).append(
        {
            "action": action,
            "object_type": _label(model_or_label),
            "object_id": "",
            "object_ids": rows.order_by().values("pk"),
            "scene_ids": sorted({int(s) for s in scene_ids if s is not None}),
        }
    )


# The entry's ids from a query: distinct, ascending (as record_read sorts them), and its one
# id as `object_id` when there is exactly one.
_INSERT_WITH_IDS = """
    WITH found AS (SELECT ARRAY(SELECT DISTINCT q.pk FROM ({rows}) AS q(pk) ORDER BY 1) AS ids)
    INSERT INTO {table} ({columns})
    SELECT {values} FROM found WHERE cardinality(found.ids) > 0
"""
_ONE_ID = "CASE WHEN cardinality(found.ids) = 1 THEN found.ids[1]::text ELSE '' END"


def _insert_with_ids(entry: Entry, rows: QuerySet) -> None:
    """Insert `entry` with `object_ids` (and `object_id`) taken from the query `rows`."""
    columns, values, params = [], [], []
    for field in Entry._meta.concrete_fields:
        if field.primary_key or field.has_db_default():
            continue  # the id and `at` come from the database
        columns.append(connection.ops.quote_name(field.column or field.name))
        if field.name == "object_ids":
            values.append("found.ids")
        elif field.name == "object_id":
            values.append(_ONE_ID)
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(entry, True), connection))
    rows_sql, rows_params = rows.query.sql_with_params()
    sql = _INSERT_WITH_IDS.format(
        rows=rows_sql,
        table=connection.ops.quote_name(Entry._meta.db_table),
        columns=", ".join(columns),
        values=", ".join(values),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rows_params, *params])


def flush_reads(request, context: dict) -> int:
    """Write the request's reads, one bulk insert (and one insert for each read of a query's
    rows); returns how many were noted."""
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
    listed = [read for read in reads if not isinstance(read["object_ids"], QuerySet)]
    Entry.objects.bulk_create([Entry(kind=Entry.Kind.READ, **who, **read) for read in listed])
    for read in reads:
        if isinstance(read["object_ids"], QuerySet):
            rows = read["object_ids"]
            _insert_with_ids(Entry(kind=Entry.Kind.READ, **who, **{**read, "object_ids": []}), rows)
    return len(reads)


def noting(objects, seen: list):
    """The objects, each one's id noted in `seen` as it passes (for an export that writes
    its rows as it reads them; record `seen` once it is written)."""
    for obj in objects:
        seen.append(obj.pk)
        yield obj
