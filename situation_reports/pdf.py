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
alternative, and the title shown as the window title. Numbers and figures are put into words by
`ods_platform.lib.formatting` and `scenes.wording`, the same functions the pages use, so the
template only places ready-made strings.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ods_platform.lib import formatting as fmt
from scenes import wording

from .charts import CHART_KEYS, NO_OBSERVATIONS
from .snapshot import NO_PLACE, upgrade

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


CHART_MIME_TYPES = frozenset({"image/svg+xml", "image/png"})

#: A table per organisation prints at most this many rows, the largest first; the others
#: are summed in one "Övriga N organisationer" row, under which a total row stands (a county
#: has some fifty organisations in each of three tables: laying out their cells was a third
#: of the county report's PDF time). The snapshot keeps every organisation.
ORGANISATION_ROWS = 15


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


# --- The context the template draws ---------------------------------------------------------
#
# Every number is put into words here, by ods_platform.lib.formatting and scenes.wording (the
# same functions the pages use), under the rules the snapshot recorded (rules.enough: the
# thin-data minimum; what.change: whether a change may be stated).


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


def _share(part: int, whole: int, enough: bool) -> str:
    """A share only where the thin-data rule allows one; else "–"."""
    return fmt.percent(part / whole) if enough and whole else fmt.DASH


def _count_rows(rows: Sequence[Mapping[str, Any]], total: int, enough: bool) -> list[dict]:
    return [
        {
            "label": row["label"],
            "count": fmt.integer(row["count"]),
            "share": _share(row["count"], total, enough),
        }
        for row in rows
    ]


def _capped(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str], size: str | None = None
) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None, dict[str, int] | None]:
    """A per-organisation table's rows cut to `ORGANISATION_ROWS`: (the rows shown, the rest
    row or None, the totals of `keys` or None). Short tables stay as they are; a long one
    shows its largest rows (by `size`, or by the sum of `keys`; ties by name, as the
    snapshot ordered them) and sums the others, so shown rows + rest = total."""
    if len(rows) <= ORGANISATION_ROWS:
        return list(rows), None, None

    def weight(row: Mapping[str, Any]) -> int:
        return int(row[size]) if size else sum(int(row[k]) for k in keys)

    ranked = sorted(rows, key=lambda row: -weight(row))  # stable: ties keep their order
    shown, others = ranked[:ORGANISATION_ROWS], ranked[ORGANISATION_ROWS:]
    rest: dict[str, Any] = {k: sum(int(row[k]) for row in others) for k in keys}
    rest["label"] = ngettext(
        "%(count)s other organisation", "The other %(count)s organisations", len(others)
    ) % {"count": fmt.integer(len(others))}
    totals = {k: sum(int(row[k]) for row in rows) for k in keys}
    return shown, rest, totals


def _limit_text(limit: Mapping[str, Any]) -> str:
    kind = limit.get("kind")
    if kind == "text":
        return limit["text"]
    if kind == "general":
        return (
            "Observationerna är det teamens personal har sett och loggat i plattformen, inte "
            "en fullständig räkning av allt som händer på platsen."
        )
    if kind == "none":
        return "Inga observationer finns för perioden: problembilden kan inte beskrivas."
    if kind == "thin":
        return wording.thin_data(limit["count"], limit["min"])
    if kind == "few_days":
        return (
            f"Observationer finns för {fmt.integer(limit['days'])} av periodens "
            f"{fmt.integer(limit['period_days'])} dagar; dagar utan loggning kan ha haft "
            "händelser."
        )
    if kind == "missing_sources":
        return f"Källor utan observationer under perioden: {', '.join(limit['labels'])}."
    if kind == "no_indicators":
        return (
            "Inga indikatorer (till exempel polisanmälningar eller trygghetsmätningar) är "
            "kopplade till platsen."
        )
    if kind == "indicator_stale":
        return f"Indikatorn {limit['name']} har inga värden för perioden."
    if kind == "no_assessment":
        return f"Ingen symtombedömning finns för {limit['scene']}."
    if kind == "no_assessment_count":
        return ngettext(
            "%(count)s scene has no symptom assessment.",
            "%(count)s scenes have no symptom assessment.",
            limit["count"],
        ) % {"count": fmt.integer(limit["count"])}
    if kind == "stale_assessment_count":
        return ngettext(
            "The latest symptom assessment of %(count)s scene is older than half a year.",
            "The latest symptom assessments of %(count)s scenes are older than half a year.",
            limit["count"],
        ) % {"count": fmt.integer(limit["count"])}
    if kind == "stale_assessment":
        return (
            f"Den senaste symtombedömningen för {limit['scene']} är från "
            f"{fmt.date(limit['assessed_on'])}, äldre än ett halvår."
        )
    return ""


def _cover(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    period, previous = snapshot["period"], snapshot["previous_period"]
    scope = snapshot["scope"]
    label = scope["label"]
    if scope["kind"] != "scene":
        label = f"{label}: {fmt.count(scope.get('scenes', 0), 'scen', 'scener')}"
    return {
        "scope_kind": SCOPE_KINDS.get(scope["kind"], scope["kind"]),
        "scope_label": label,
        "period": fmt.period(period["start"], period["end"]),
        "period_days": fmt.integer(period["days"]),
        "previous_period": fmt.period(previous["start"], previous["end"]),
        "requested_by": snapshot["requested_by"],
        "generated_at": fmt.datetime(snapshot["generated_at"]),
    }


def _sources(snapshot: Mapping[str, Any], enough: bool) -> dict[str, Any]:
    sources = snapshot["sources"]
    total = sources["observations"]
    by_org, rest, totals = _capped(sources["by_organisation"], ["count"])
    return {
        "observations": wording.observations(total),
        "by_source": _count_rows(sources["by_source"], total, enough),
        "by_organisation": _count_rows(by_org, total, enough),
        "by_organisation_rest": _count_rows([rest], total, enough)[0] if rest else None,
        "by_organisation_total": _count_rows([{"label": "", **totals}], total, enough)[0]
        if totals
        else None,
        "days_with_observations": fmt.integer(sources["days_with_observations"]),
        "days": fmt.integer(snapshot["period"]["days"]),
        "indicators": [
            {
                "name": row["name"],
                "source": row["source"],
                "latest": fmt.date(row["latest"]) if row["latest"] else "Inga värden",
            }
            for row in sources["indicators"]
        ],
        "limits": [text for text in map(_limit_text, sources["limits"]) if text],
    }


def _what(snapshot: Mapping[str, Any], minimum: int) -> dict[str, Any]:
    what = snapshot["what"]
    change = what["change"]

    def row_change(count: int, previous: int) -> str:
        # A category's change obeys the same rule as the total's, on its own counts.
        if not change["stated"] or count < minimum or previous < minimum or not previous:
            return fmt.DASH
        return fmt.change((count - previous) / previous)

    return {
        "total": fmt.integer(what["total"]),
        "previous_total": fmt.integer(what["previous_total"]),
        "total_text": wording.observations(what["total"]),
        "previous_total_text": wording.observations(what["previous_total"]),
        "change": fmt.change(change["value"]) if change["stated"] else fmt.DASH,
        "change_text": wording.change(change, minimum),
        "has_previous": what["previous_total"] > 0,
        "categories": [
            {
                "label": row["label"],
                "count": fmt.integer(row["count"]),
                "previous": fmt.integer(row["previous"]),
                "change": row_change(row["count"], row["previous"]),
            }
            for row in what["categories"]
        ],
        "row_rule": (
            f"En kategoris förändring anges bara när förändringen för hela underlaget kan "
            f"anges och kategorin har minst {fmt.integer(minimum)} observationer i båda "
            "perioderna."
        ),
    }


def _where(snapshot: Mapping[str, Any], enough: bool) -> dict[str, Any]:
    where = snapshot["where"]
    map_ = where["map"]
    shapes = map_["scenes"] or map_["places"] or map_["cells"] or map_.get("landmarks")
    total = snapshot["what"]["total"]
    return {
        # An empty map says nothing the sentence below it does not: drawn only with shapes.
        "show_map": bool(shapes),
        "cell_m": fmt.integer(where["cell_m"]),
        "hotspots": [
            {
                "rank": fmt.integer(row["rank"]),
                "count": fmt.integer(row["count"]),
                "share": fmt.percent(row["share"]),
                "place": row["place"] or NO_PLACE,
                "position": fmt.position(row["lat"], row["lon"]),
            }
            for row in where["hotspots"]
        ]
        if enough
        else [],
        "places": _count_rows(where["places"], total, enough),
    }


def _peak_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "label": wording.peak_label(row),
            "count": fmt.integer(row["count"]),
            "share": fmt.percent(row["share"]),
            "stands_out": "Ja" if row["stands_out"] else "Nej, inom slumpen",
        }
        for row in rows
    ]


def _when(snapshot: Mapping[str, Any], enough: bool) -> dict[str, Any]:
    when = snapshot["when"]
    weekday_totals = [sum(day) for day in when["matrix"]]
    peaks = when["peaks"]
    months = when["months"]
    return {
        "weekdays": [
            {"label": fmt.weekday(d).capitalize(), "count": fmt.integer(n)}
            for d, n in enumerate(weekday_totals)
        ],
        "months": [
            {"label": wording.month(m), "count": fmt.integer(m["count"]), "partial": m["partial"]}
            for m in months
        ],
        "partial_note": wording.partial_months_note() if any(m["partial"] for m in months) else "",
        "peaks_text": wording.peaks_summary(peaks) if enough else "",
        "peak_rule": wording.peak_rule(),
        "peak_tables": [
            ("veckodag och timme", _peak_rows(peaks["slots"])),
            ("timme på dygnet", _peak_rows(peaks["hours"])),
            ("veckodag", _peak_rows(peaks["weekdays"])),
        ]
        if enough
        else [],
    }


def _who(snapshot: Mapping[str, Any], enough: bool) -> dict[str, Any]:
    who = snapshot["who"]
    insecurity = who["insecurity"]
    answers = sum(insecurity["distribution"])
    return {
        "groups": _count_rows(who["groups"], snapshot["what"]["total"], enough),
        "insecurity": {
            "mean": fmt.number(insecurity["mean"], 1) if insecurity["mean"] is not None else "",
            "previous_mean": (
                fmt.number(insecurity["previous_mean"], 1)
                if insecurity["previous_mean"] is not None
                else ""
            ),
            "answers": fmt.count(answers, "bedömning", "bedömningar"),
            "distribution": [
                {
                    "rating": str(rating),
                    "meaning": INSECURITY_LABELS.get(rating, ""),
                    "count": fmt.integer(n),
                    "share": _share(n, answers, enough),
                }
                for rating, n in enumerate(insecurity["distribution"], start=1)
            ],
        },
    }


def _hotspot(snapshot: Mapping[str, Any], enough: bool) -> dict[str, Any]:
    hotspot = snapshot["hotspot"]
    return {
        "concentration": wording.concentration(
            hotspot["concentration"], snapshot["where"]["cell_m"]
        )
        if enough
        else "",
        "symptoms": [
            {
                **row,
                "latest": _dated(row["latest"]),
                "previous": _dated(row["previous"]),
            }
            for row in hotspot["symptoms"]
        ],
    }


def _dated(assessment: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if assessment is None:
        return None
    return {**assessment, "assessed_on": fmt.date(assessment["assessed_on"])}


CONSEQUENCE_SYMPTOMS = ("Allmänheten undviker platsen", "Platsen upplevs som otrygg")


def _causes(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    causes = snapshot.get("causes") or {"analyses": [], "controllers": []}
    areas: dict[str, dict[str, Any]] = {}
    for row in causes["analyses"]:
        area = areas.setdefault(row["area"], {"label": row["area_label"], "rows": []})
        area["rows"].append(row)
    weak = [
        f"{c['label']} ({fmt.integer(c['weak'])} av {fmt.integer(c['named'])} analyser)"
        for c in causes["controllers"]
        if c["weak"]
    ]
    symptoms = []
    for row in snapshot["hotspot"]["symptoms"]:
        if row["latest"]:
            symptoms.append({"scene": row["scene"], "symptoms": row["latest"]["symptoms"]})
    return {
        "areas": list(areas.values()),
        "count": fmt.integer(len(causes["analyses"])),
        "controllers": [
            {
                "label": c["label"],
                "named": fmt.integer(c["named"]),
                "weak": fmt.integer(c["weak"]),
            }
            for c in causes["controllers"]
        ],
        "weak_text": (
            "Svaga kontrollanter enligt analyserna: " + fmt.join(weak) + "."
            if weak
            else "Ingen analys har markerat en kontrollant som svag."
        ),
        "symptoms": symptoms,
    }


def _goal(goal: Mapping[str, Any] | str | None) -> str:
    if not goal:
        return ""
    if isinstance(goal, str) or "text" in goal:
        return goal if isinstance(goal, str) else goal["text"]
    if not goal["indicator"]:
        return ""
    parts = [goal["indicator"]]
    baseline, target = goal["baseline"], goal["target"]
    if baseline is not None and target is not None:
        parts.append(f"från {fmt.number(Decimal(baseline))} till {fmt.number(Decimal(target))}")
    elif target is not None:
        parts.append(f"till {fmt.number(Decimal(target))}")
    if goal["date"]:
        parts.append(f"senast {fmt.date(goal['date'])}")
    return " ".join(parts)


def _work(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    work = snapshot["work"]
    return {
        "cases": [
            {
                **case,
                "goal": _goal(case["goal"]),
                "actions": fmt.integer(case["actions"]),
                "open_actions": fmt.integer(case["open_actions"]),
                "overdue_actions": fmt.integer(case["overdue_actions"]),
            }
            for case in work["cases"]
        ],
        **_actions_by_organisation(work["actions_by_organisation"]),
        "overdue": [{**row, "due_on": fmt.date(row["due_on"])} for row in work["overdue"]],
        **_work_totals(work),
    }


ACTION_STATUSES = ("planned", "ongoing", "done", "cancelled", "overdue")


def _actions_by_organisation(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Actions per organisation and status: the organisations with the most actions, the
    rest summed (overdue actions are also planned or ongoing, so they do not add to the
    size)."""
    shown, rest, totals = _capped(
        [{**row, "size": sum(row[k] for k in ACTION_STATUSES[:4])} for row in rows],
        ACTION_STATUSES,
        size="size",
    )

    def formatted(row: Mapping[str, Any], label: str) -> dict[str, str]:
        return {"organisation": label, **{k: fmt.integer(row[k]) for k in ACTION_STATUSES}}

    return {
        "actions_by_organisation": [formatted(row, row["organisation"]) for row in shown],
        "actions_rest": formatted(rest, rest["label"]) if rest else None,
        "actions_total": formatted(totals, _("Total")) if totals else None,
    }


def _work_totals(work: Mapping[str, Any]) -> dict[str, Any]:
    """The counts beside the bounded lists (empty for a snapshot made before they were)."""
    if "cases_total" not in work:
        return {}
    cases, overdue = work["cases_total"], work["overdue_total"]
    shown_cases, shown_overdue = len(work["cases"]), len(work["overdue"])
    by_org, rest, _totals = _capped(work["cases_by_organisation"], ["cases"])
    return {
        "summarised": True,
        "cases_by_organisation": [
            {"organisation": row["organisation"], "cases": fmt.integer(row["cases"])}
            for row in by_org
        ],
        "cases_rest": {"organisation": rest["label"], "cases": fmt.integer(rest["cases"])}
        if rest
        else None,
        "cases_capped": rest is not None,
        "cases_total": fmt.integer(cases),
        "cases_note": _(
            "The %(shown)s open cases with the most overdue actions of %(total)s in all."
        )
        % {"shown": fmt.integer(shown_cases), "total": fmt.integer(cases)}
        if cases > shown_cases
        else "",
        "overdue_total": fmt.integer(overdue),
        "overdue_note": _("The %(shown)s most overdue of %(total)s overdue actions in all.")
        % {"shown": fmt.integer(shown_overdue), "total": fmt.integer(overdue)}
        if overdue > shown_overdue
        else "",
    }


def _difference(n: int) -> str:
    """+12, −5 (a true minus sign), 0: the change in a count."""
    if n > 0:
        return f"+{fmt.integer(n)}"
    if n < 0:
        return f"\u2212{fmt.integer(-n)}"
    return "0"


def _scene_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": row["name"],
        "municipality": row["municipality"],
        "status": row["status"],
        "observations": fmt.integer(row["observations"]),
        "previous": fmt.integer(row["previous"]),
        "difference": _difference(row["difference"]),
        "open_cases": fmt.integer(row["open_cases"]),
        "overdue_actions": fmt.integer(row["overdue_actions"]),
    }


def _summary(snapshot: Mapping[str, Any]) -> dict[str, Any] | None:
    """A municipality's or the county's summary: a table per municipality, the scenes that
    changed most in short, the rest as appendix rows. None for a scene report (and for a
    version 2 report of any scope, which prints every scene in full)."""
    summary = snapshot.get("summary")
    if not summary:
        return None
    minimum = snapshot["rules"]["min_observations"]
    municipalities = summary["municipalities"]
    totals = {
        key: sum(m[key] for m in municipalities)
        for key in ("scenes", "observations", "previous", "difference", "open_cases")
    }
    totals["overdue_actions"] = sum(m["overdue_actions"] for m in municipalities)
    top = []
    for row in summary["top_scenes"]:
        slot, place = row["slot"], row["place"]
        top.append(
            {
                **_scene_row(row),
                "change_text": wording.change(row["change"], minimum),
                "categories": fmt.join(
                    [f"{c['label']} ({fmt.integer(c['count'])})" for c in row["categories"]]
                ),
                "place": f"{place['label']} ({fmt.integer(place['count'])})" if place else "",
                "slot": (
                    f"{wording.peak_label(slot)} ({fmt.integer(slot['count'])})" if slot else ""
                ),
                "insecurity": fmt.number(row["insecurity"], 1)
                if row["insecurity"] is not None
                else "",
                "symptoms": fmt.join(row["symptoms"]) if row["symptoms"] else "",
                "assessed_on": fmt.date(row["assessed_on"]) if row["assessed_on"] else "",
            }
        )
    scenes, shown = totals["scenes"], len(top)
    appendix = [_scene_row(row) for row in summary["appendix"]]
    return {
        "municipalities": [
            {
                "name": m["name"],
                "scenes": fmt.integer(m["scenes"]),
                "observations": fmt.integer(m["observations"]),
                "previous": fmt.integer(m["previous"]),
                "difference": _difference(m["difference"]),
                "open_cases": fmt.integer(m["open_cases"]),
                "overdue_actions": fmt.integer(m["overdue_actions"]),
            }
            for m in municipalities
        ],
        "totals": {
            **{k: fmt.integer(v) for k, v in totals.items()},
            "difference": _difference(totals["difference"]),
        },
        "intro": ngettext(
            "The report covers %(scenes)s scene in %(municipalities)s municipality.",
            "The report covers %(scenes)s scenes in %(municipalities)s municipalities.",
            scenes,
        )
        % {
            "scenes": fmt.integer(scenes),
            "municipalities": fmt.integer(len(municipalities)),
        },
        "top_intro": ngettext(
            "The scene whose number of observations changed most against the previous "
            "period is described here in short; every other scene is a row of the appendix.",
            "The %(count)s scenes whose number of observations changed most against the "
            "previous period are described here in short; every other scene is a row of the "
            "appendix.",
            shown,
        )
        % {"count": fmt.integer(shown)},
        "top": top,
        "appendix": appendix,
        "appendix_groups": [
            {
                "municipality": name,
                "scenes": [row for row in appendix if row["municipality"] == name],
            }
            for name in dict.fromkeys(row["municipality"] for row in appendix)
        ],
    }


def report_context(
    snapshot: Mapping[str, Any], charts: Mapping[str, ChartLike] | None = None
) -> dict[str, Any]:
    """Everything the template shows, numbers already formatted, free text left as it is
    (the template escapes it). An older snapshot is upgraded first; raises ValueError for a
    version it does not know."""
    snapshot = upgrade(dict(snapshot))
    observations = snapshot["sources"]["observations"]
    insecurity = snapshot["who"]["insecurity"]
    rules = snapshot["rules"]
    enough, minimum = rules["enough"], rules["min_observations"]
    return {
        "title": snapshot["title"],
        "stylesheet_url": STATIC_BASE_URL + STYLESHEET,
        "generator": GENERATOR,
        "created": snapshot["generated_at"],
        "description": (
            f"Lägesbild för {snapshot['scope']['label']}, "
            f"{fmt.period(snapshot['period']['start'], snapshot['period']['end'])}"
        ),
        "no_observations": f"{NO_OBSERVATIONS}.",
        "has_observations": observations > 0,
        "enough": enough,
        "thin_data": "" if enough else wording.thin_data(observations, minimum),
        "has_insecurity": insecurity["mean"] is not None and sum(insecurity["distribution"]) > 0,
        "cover": _cover(snapshot),
        "sources": _sources(snapshot, enough),
        "what": _what(snapshot, minimum),
        "where": _where(snapshot, enough),
        "when": _when(snapshot, enough),
        "who": _who(snapshot, enough),
        "hotspot": _hotspot(snapshot, enough),
        "causes": _causes(snapshot),
        "place": {
            "scenes": [
                {**scene, "identified_on": fmt.date(scene["identified_on"])}
                for scene in snapshot["place"]["scenes"]
            ]
        },
        "work": _work(snapshot),
        "summary": _summary(snapshot),
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
