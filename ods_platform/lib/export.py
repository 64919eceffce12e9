"""Tables as downloadable CSV or XLSX files, safe to open in a spreadsheet program."""

from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell that starts with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence], fmt: str
) -> HttpResponse:
    """A download of the rows in the format asked for ('csv' or 'xlsx')."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    data = tablib.Dataset(headers=[str(h) for h in headers])
    for row in rows:
        data.append([_safe(v) for v in row])
    # For CSV, a byte-order mark lets Excel read the Swedish letters as UTF-8.
    content = "\ufeff" + data.export("csv") if fmt == "csv" else data.export("xlsx")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
