"""Tables as downloadable CSV or XLSX files, safe to open in a spreadsheet program."""

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import tablib
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from .plain import printable

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell that starts with one of these is run as a formula by spreadsheet programs; the
# export puts an apostrophe before it, and an import of the export takes it off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        # A workbook has no time zones: the time as it was in Stockholm.
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str):
        # Text stored before the input rules may hold control characters, which a workbook
        # cannot: the export leaves them out rather than fail.
        value = printable(value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """A cell as it was before the export neutralised it as a formula."""
    return text[1:] if text[:1] == "'" and text[1:].startswith(FORMULA_START) else text


def table_response(
    filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]], fmt: str
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


class _Line:
    """A file-like object whose write returns what it was given (for csv.writer)."""

    def write(self, text: str) -> str:
        return text


def csv_lines(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], batch: int = 500
) -> Iterator[str]:
    """The CSV text of the rows in pieces of `batch` rows, cells defused as in
    `table_response` (the same dialect as its CSV: Excel's, with a byte-order mark)."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    piece: list[str] = []
    for row in rows:
        piece.append(writer.writerow([_safe(v) for v in row]))
        if len(piece) >= batch:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def csv_stream_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A CSV download written while the rows are read (pass an iterator over
    `QuerySet.iterator(chunk_size=...)`): memory stays flat whatever the number of rows, and
    the first bytes leave before the last row is read."""
    response = StreamingHttpResponse(
        (piece.encode() for piece in csv_lines(headers, rows)), content_type=FORMATS["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# Characters a sheet's name may not hold, and its longest length (Excel's rules).
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
SHEET_NAME_MAX = 31


def sheet_title(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts, unique in the workbook."""
    base = " ".join(str(title).translate(_SHEET_FORBIDDEN).split())[:SHEET_NAME_MAX] or "Blad"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name


def workbook(sheets: Iterable[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook with one sheet per (title, headers, rows), cells defused as above."""
    book = tablib.Databook()
    taken: set[str] = set()
    for title, headers, rows in sheets:
        data = tablib.Dataset(headers=[str(h) for h in headers], title=sheet_title(title, taken))
        width = len(headers)
        for row in rows:
            cells = [_safe(v) for v in row][:width]
            data.append(cells + [""] * (width - len(cells)))
        book.add_sheet(data)
    content: bytes = book.export("xlsx")
    return content


def workbook_response(
    filename: str, sheets: Iterable[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]
) -> HttpResponse:
    response = HttpResponse(workbook(sheets), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
