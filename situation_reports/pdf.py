"""A lägesbild as a PDF: the frozen snapshot and its charts, drawn by WeasyPrint.

`render_pdf(snapshot, charts)` is the whole job: `render_html` turns the snapshot (the JSON
described in `situation_reports.snapshot`) and the drawn charts into one Swedish HTML
document, and `html_to_pdf` prints that document to PDF bytes. The rules it keeps:

No network, ever. WeasyPrint only sees an HTML string, never a URL to load, and every
resource it asks for goes through `StaticOnlyFetcher`: `data:` URIs (the charts) and our own
static files under the made-up base `https://ods.invalid/static/` (`.invalid` never
resolves), looked up with the staticfiles finders. Anything else (another host, `file:`,
`ftp:`, a path that climbs out of the static folder) is refused and logged at WARNING.

Free text is text. Titles, descriptions, comments and labels from the snapshot go through
Django's autoescaping and are never marked safe, so `<img src=...>` typed into a
description prints as those characters and fetches nothing.

Accessible, in Swedish. The document is `<html lang="sv">` and is written as tagged
PDF/UA-1: headings in order, tables with header cells and captions, every chart with a text
alternative, and the title shown as the window title. Numbers are formatted the Swedish way
(decimal comma, a narrow no-break space between thousands, "12,5 %") by the small helpers
below, so the template only places ready-made strings.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

#: The base URL the document is rendered against. Only the fetcher knows it; nothing
#: resolves it, because `.invalid` is reserved never to exist (RFC 2606).
STATIC_HOST = "ods.invalid"
STATIC_PREFIX = "/static/"
STATIC_BASE_URL = f"https://{STATIC_HOST}{STATIC_PREFIX}"

TEMPLATE_NAME = "situation_reports/pdf/lagesbild.html"
STYLESHEET = "css/report-print.css"
PDF_VARIANT = "pdf/ua-1"
GENERATOR = "ODS-plattformen"

NO_OBSERVATIONS = "Inga observationer under perioden."

CHART_KEYS = ("categories", "trend", "time_matrix", "groups", "insecurity", "map")
CHART_MIME_TYPES = frozenset({"image/svg+xml", "image/png"})

# Number formatting. Swedish: decimal comma, thousands apart by a narrow no-break space,
# a no-break space before "%", and a real minus sign.
THOUSANDS = "\u202f"  # NARROW NO-BREAK SPACE
NBSP = "\u00a0"
MINUS = "\u2212"
DASH = "–"  # shown for a value that does not exist (no previous period to compare with)


# --- Fetching -------------------------------------------------------------------------------


class RefusedURL(ValueError):
    """The fetcher will not load this URL: it is neither a data: URI nor one of our files."""


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9.+-]*):")


def _shown(url: str) -> str:
    """The URL as it may appear in a log line: short, and a data: URI only by its start."""
    return url if len(url) <= 200 else f"{url[:200]}…"


class StaticOnlyFetcher(URLFetcher):
    """Serves `data:` URIs and the project's static files; refuses everything else.

    A static file is asked for as `https://ods.invalid/static/<path>` (so relative URLs in
    the stylesheet resolve the usual way) and found with
    `django.contrib.staticfiles.finders.find`, the way `runserver` finds it. Only file types
    a printed page needs are served. Refusals raise `RefusedURL` and log a WARNING
    ("refused to fetch ..."); WeasyPrint then leaves the resource out and goes on.

    Nothing here opens a socket: `fetch` is replaced as a whole, so the HTTP, FTP and file
    handlers of the parent `URLFetcher` are never reached.
    """

    CONTENT_TYPES = {
        ".css": "text/css; charset=utf-8",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".woff": "font/woff",
        ".woff2": "font/woff2",
        ".ttf": "font/ttf",
        ".otf": "font/otf",
    }

    def __init__(self) -> None:
        # The parent's options only matter for its own fetch(), which is never called; they
        # are narrowed anyway. fail_on_errors=False (read by weasyprint.urls.fetch): a
        # refused resource is left out of the document instead of aborting it.
        super().__init__(allowed_protocols=("data", "https"), fail_on_errors=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        try:
            match = _SCHEME.match(url)
            scheme = match[1].lower() if match else ""
            if scheme == "data":
                return self._data(url)
            if scheme == "https":
                return self._static(url)
            raise RefusedURL("only data: URIs and the internal static base are served")
        except RefusedURL as refused:
            logger.warning("refused to fetch %s: %s", _shown(url), refused)
            raise

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        """Decode a `data:[<mediatype>][;base64],<data>` URI (RFC 2397) without any I/O."""
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise RefusedURL("malformed data: URI")
        raw = unquote_to_bytes(payload)
        if header.lower().endswith(";base64"):
            header = header[: -len(";base64")]
            try:
                body = base64.b64decode(raw, validate=False)
            except ValueError as error:
                raise RefusedURL("data: URI with invalid base64") from error
        else:
            body = raw
        content_type = header or "text/plain;charset=US-ASCII"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _static(self, url: str) -> URLFetcherResponse:
        name = self.static_name(url)
        content_type = self.CONTENT_TYPES.get(PurePosixPath(name).suffix.lower())
        if content_type is None:
            raise RefusedURL("not a file type a printed page needs")
        try:
            found = finders.find(name)
        except SuspiciousFileOperation as error:
            raise RefusedURL("outside the static folders") from error
        if not found:
            # Not a refusal: our own file is missing. WeasyPrint logs it and goes on.
            raise FileNotFoundError(f"no static file {name!r}")
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})

    @staticmethod
    def static_name(url: str) -> str:
        """The static file path a URL under the internal base names, or `RefusedURL`."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise RefusedURL("malformed URL") from error
        # netloc compared whole: no user, password or port may ride along.
        if parts.scheme.lower() != "https" or parts.netloc.lower() != STATIC_HOST:
            raise RefusedURL("not the internal static base")
        path = unquote(parts.path)
        if not path.startswith(STATIC_PREFIX):
            raise RefusedURL("not under the static prefix")
        name = path[len(STATIC_PREFIX) :]
        segments = name.split("/")
        if (
            not name
            or "\\" in name
            or "\x00" in name
            or any(segment in ("", ".", "..") for segment in segments)
        ):
            raise RefusedURL("path traversal or empty path segment")
        return name


# --- Swedish formatting ---------------------------------------------------------------------


def _rounded(value: float, decimals: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_int(value: int | None) -> str:
    """1248 → "1 248" (narrow no-break space); None → "–"."""
    if value is None:
        return DASH
    text = f"{abs(int(value)):,}".replace(",", THOUSANDS)
    return f"{MINUS}{text}" if value < 0 else text


def format_decimal(value: float | None, decimals: int = 1) -> str:
    """3.109 → "3,1"; None → "–"."""
    if value is None:
        return DASH
    number = _rounded(value, decimals)
    if number == 0:
        number = abs(number)
    whole, _, fraction = f"{abs(number):f}".partition(".")
    text = format_int(int(whole)) + (f",{fraction}" if fraction else "")
    return f"{MINUS}{text}" if number < 0 else text


def format_percent(share: float | None, decimals: int = 1) -> str:
    """A share as a percentage: 0.125 → "12,5 %"; None → "–"."""
    if share is None:
        return DASH
    return f"{format_decimal(share * 100, decimals)}{NBSP}%"


def format_change(change: float | None, decimals: int = 1) -> str:
    """A relative change with its sign: 0.25 → "+25,0 %", -0.1 → "−10,0 %"; None → "–"."""
    if change is None:
        return DASH
    text = format_percent(change, decimals)
    return text if text.startswith((MINUS, "0")) else f"+{text}"


def format_hours(hours: Iterable[int]) -> str:
    """Peak hours as clock ranges, joined when they follow each other.

    [21] → "kl. 21–22", [20, 21, 22] → "kl. 20–23", [8, 21] → "kl. 8–9 och 21–22".
    """
    runs: list[list[int]] = []
    for hour in sorted(set(hours)):
        if runs and hour == runs[-1][1]:
            runs[-1][1] = hour + 1
        else:
            runs.append([hour, hour + 1])
    if not runs:
        return ""
    return f"kl.{NBSP}" + join_words(f"{start}–{end}" for start, end in runs)


def count_noun(n: int, singular: str, plural: str) -> str:
    """1 → "1 observation", 1248 → "1 248 observationer"."""
    return f"{format_int(n)} {singular if n == 1 else plural}"


def join_words(words: Iterable[str]) -> str:
    """["a", "b", "c"] → "a, b och c"."""
    items = [str(word) for word in words]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} och {items[-1]}"


def format_datetime(value: str | None) -> str:
    """An ISO datetime as local Stockholm time: "2026-11-26 kl. 06:15"."""
    if not value:
        return DASH
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{moment:%Y-%m-%d} kl.{NBSP}{moment:%H:%M}"


def format_period(start: str, end: str) -> str:
    return f"{start} – {end}"


# --- The context the template draws ---------------------------------------------------------


class ChartLike(Protocol):
    key: str
    mime: str
    data: bytes
    alt: str
    caption: str

    def data_uri(self) -> str: ...


@dataclass(frozen=True)
class ChartView:
    """A chart as the template places it: `<img src="{{ data_uri }}" alt="{{ alt }}">`."""

    key: str
    data_uri: str
    alt: str
    caption: str


SCOPE_KINDS = {"scene": "Scen", "municipality": "Kommun", "county": "Län"}
INSECURITY_LABELS = {1: "knappt otrygg", 5: "mycket otrygg"}


def _chart_views(charts: Mapping[str, ChartLike] | None) -> dict[str, ChartView]:
    """The charts the template may place; a chart without an image or a text alternative is
    left out (and logged), since an image nobody can read breaks PDF/UA."""
    views = {}
    for key, chart in (charts or {}).items():
        if key not in CHART_KEYS or chart is None:
            continue
        alt = (chart.alt or "").strip()
        if chart.mime not in CHART_MIME_TYPES or not chart.data or not alt:
            logger.warning("chart %r left out of the PDF: no usable image or text", key)
            continue
        uri = chart.data_uri()
        if not uri.startswith(f"data:{chart.mime}"):
            logger.warning("chart %r left out of the PDF: not a data: URI", key)
            continue
        views[key] = ChartView(key, uri, alt, (chart.caption or "").strip())
    return views


def _count_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "label": row["label"],
            "count": format_int(row["count"]),
            "share": format_percent(row["share"]),
        }
        for row in rows
    ]


def _change_cell(count: int, previous: int, change: float | None) -> str:
    if change is None and previous == 0 and count > 0:
        return "ny"
    return format_change(change)


def _cover(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    period, previous = snapshot["period"], snapshot["previous_period"]
    scope = snapshot["scope"]
    return {
        "scope_kind": SCOPE_KINDS.get(scope["kind"], scope["kind"]),
        "scope_label": scope["label"],
        "period": format_period(period["start"], period["end"]),
        "period_days": format_int(period["days"]),
        "previous_period": format_period(previous["start"], previous["end"]),
        "requested_by": snapshot["requested_by"],
        "generated_at": format_datetime(snapshot["generated_at"]),
    }


def _sources(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    sources = snapshot["sources"]
    return {
        "observations": count_noun(sources["observations"], "observation", "observationer"),
        "by_source": _count_rows(sources["by_source"]),
        "by_organisation": _count_rows(sources["by_organisation"]),
        "days_with_observations": format_int(sources["days_with_observations"]),
        "days": format_int(snapshot["period"]["days"]),
        "indicators": [
            {
                "name": row["name"],
                "source": row["source"],
                "latest": row["latest"] or "Inga värden",
            }
            for row in sources["indicators"]
        ],
        "limits": list(sources["limits"]),
    }


def _what(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    what = snapshot["what"]
    return {
        "total": format_int(what["total"]),
        "previous_total": format_int(what["previous_total"]),
        "total_text": count_noun(what["total"], "observation", "observationer"),
        "previous_total_text": count_noun(what["previous_total"], "observation", "observationer"),
        "change": _change_cell(what["total"], what["previous_total"], what["change"]),
        "has_previous": what["previous_total"] > 0,
        "categories": [
            {
                "label": row["label"],
                "count": format_int(row["count"]),
                "previous": format_int(row["previous"]),
                "change": _change_cell(row["count"], row["previous"], row["change"]),
            }
            for row in what["categories"]
        ],
    }


def _position(lat: float, lon: float) -> str:
    return f"{format_decimal(lat, 5)}°{NBSP}N, {format_decimal(lon, 5)}°{NBSP}Ö"


def _where(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    where = snapshot["where"]
    shapes = where["map"]["scenes"] or where["map"]["places"] or where["map"]["cells"]
    return {
        # An empty map says nothing the sentence below it does not: drawn only with shapes.
        "show_map": bool(shapes),
        "cell_m": format_int(where["cell_m"]),
        "hotspots": [
            {
                "rank": format_int(row["rank"]),
                "count": format_int(row["count"]),
                "share": format_percent(row["share"]),
                "place": row["place"] or "Utan delplats",
                "position": _position(row["lat"], row["lon"]),
            }
            for row in where["hotspots"]
        ],
        "places": _count_rows(where["places"]),
    }


def _when(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    when = snapshot["when"]
    weekday_totals = [sum(day) for day in when["matrix"]]
    return {
        "weekdays": [
            {"label": label.capitalize(), "count": format_int(n)}
            for label, n in zip(when["weekdays"], weekday_totals, strict=False)
        ],
        "trend": [
            {"label": row["label"], "count": format_int(row["count"])} for row in when["trend"]
        ],
        "peak_hours": format_hours(when["peak_hours"]),
        "busiest_weekdays": join_words(when["busiest_weekdays"]),
        "summary": when["summary"],
    }


def _who(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    who = snapshot["who"]
    insecurity = who["insecurity"]
    answers = sum(insecurity["distribution"])
    return {
        "groups": _count_rows(who["groups"]),
        "insecurity": {
            "mean": format_decimal(insecurity["mean"]) if insecurity["mean"] is not None else "",
            "previous_mean": (
                format_decimal(insecurity["previous_mean"])
                if insecurity["previous_mean"] is not None
                else ""
            ),
            "answers": count_noun(answers, "bedömning", "bedömningar"),
            "distribution": [
                {
                    "rating": str(rating),
                    "meaning": INSECURITY_LABELS.get(rating, ""),
                    "count": format_int(n),
                    "share": format_percent(n / answers) if answers else DASH,
                }
                for rating, n in enumerate(insecurity["distribution"], start=1)
            ],
        },
    }


def _concentration_sentence(concentration: Mapping[str, Any], cell_m: int) -> str:
    if concentration["share"] is None or not concentration["cells"]:
        return ""
    top = concentration["top_cells"]
    where = (
        "den mest belastade cellen" if top == 1 else f"de {format_int(top)} mest belastade cellerna"
    )
    cells = count_noun(concentration["cells"], "cell", "celler")
    return (
        f"{format_percent(concentration['share'])} av observationerna finns i {where} "
        f"(10{NBSP}% av {cells} med observationer). "
        f"En cell är en ruta på {format_int(cell_m)}{NBSP}×{NBSP}{format_int(cell_m)}{NBSP}meter."
    )


def _hotspot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    hotspot = snapshot["hotspot"]
    return {
        "concentration": _concentration_sentence(
            hotspot["concentration"], snapshot["where"]["cell_m"]
        ),
        "symptoms": list(hotspot["symptoms"]),
    }


def _work(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    work = snapshot["work"]
    return {
        "cases": [
            {
                **case,
                "actions": format_int(case["actions"]),
                "open_actions": format_int(case["open_actions"]),
                "overdue_actions": format_int(case["overdue_actions"]),
            }
            for case in work["cases"]
        ],
        "actions_by_organisation": [
            {
                "organisation": row["organisation"],
                **{
                    key: format_int(row[key])
                    for key in ("planned", "ongoing", "done", "cancelled", "overdue")
                },
            }
            for row in work["actions_by_organisation"]
        ],
        "overdue": list(work["overdue"]),
    }


def report_context(
    snapshot: Mapping[str, Any], charts: Mapping[str, ChartLike] | None = None
) -> dict[str, Any]:
    """Everything the template shows, numbers already formatted, free text left as it is
    (the template escapes it). Raises ValueError for a snapshot version it does not know."""
    if snapshot.get("version") != 1:
        raise ValueError(f"Unsupported snapshot version: {snapshot.get('version')!r}")
    observations = snapshot["sources"]["observations"]
    insecurity = snapshot["who"]["insecurity"]
    return {
        "title": snapshot["title"],
        "stylesheet_url": STATIC_BASE_URL + STYLESHEET,
        "generator": GENERATOR,
        "created": snapshot["generated_at"],
        "description": (
            f"Lägesbild för {snapshot['scope']['label']}, "
            f"{format_period(snapshot['period']['start'], snapshot['period']['end'])}"
        ),
        "no_observations": NO_OBSERVATIONS,
        "has_observations": observations > 0,
        "has_insecurity": insecurity["mean"] is not None and sum(insecurity["distribution"]) > 0,
        "cover": _cover(snapshot),
        "sources": _sources(snapshot),
        "what": _what(snapshot),
        "where": _where(snapshot),
        "when": _when(snapshot),
        "who": _who(snapshot),
        "hotspot": _hotspot(snapshot),
        "place": {"scenes": list(snapshot["place"]["scenes"])},
        "work": _work(snapshot),
        "charts": _chart_views(charts),
    }


# --- Rendering ------------------------------------------------------------------------------


def render_html(snapshot: Mapping[str, Any], charts: Mapping[str, ChartLike] | None) -> str:
    """The report as one HTML document, rendered in Swedish."""
    with translation.override("sv"):
        return render_to_string(TEMPLATE_NAME, report_context(snapshot, charts))


def html_to_pdf(html: str) -> bytes:
    """Print an HTML string to a tagged PDF/UA-1 document.

    The HTML is given as a string (WeasyPrint loads no page) against the internal static
    base, and every resource it refers to goes through `StaticOnlyFetcher`. The metadata
    (title, language, author, description, creator, creation date) comes from the HTML head;
    `custom_metadata` stays off, so no other `<meta>` reaches the PDF.
    """
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def render_pdf(snapshot: Mapping[str, Any], charts: Mapping[str, ChartLike] | None) -> bytes:
    """The finished lägesbild: `html_to_pdf(render_html(snapshot, charts))`."""
    return html_to_pdf(render_html(snapshot, charts))
