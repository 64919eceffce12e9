"""Charts and the map of a lägesbild, drawn from its frozen snapshot alone.

`draw_charts(snapshot)` answers with every chart, keyed by `Chart.key`; one function per chart
draws a single one. Nothing here queries the database: the snapshot (see
`situation_reports.snapshot`, whose docstring is the schema) is the only input, so a report
can be redrawn byte for byte from what is stored on it.

The charts
==========
=============  =====  ==============================================================
key            mime   what it shows
=============  =====  ==============================================================
categories     SVG    observations per category, the period next to the previous one
trend          SVG    observations per month
time_matrix    PNG    weekday × hour heat matrix (7 × 24), with a colour bar
groups         SVG    affected groups, count and share
insecurity     SVG    how insecure observers felt, ratings 1–5, with mean values
map            SVG    "Var?": scene boundaries, sub-places, hotspot cells, scale, north
=============  =====  ==============================================================

Conventions
===========
- Matplotlib's object API only (`matplotlib.figure.Figure`, saved with `fig.savefig`): never
  pyplot, whose global figure registry leaks memory in a long-lived worker. A figure that
  pyplot never saw is freed by the garbage collector like any other object; each one is
  also cleared as soon as it is saved.
- Style is set with `matplotlib.rc_context` around the drawing *and* the saving (some
  settings, such as `svg.fonttype`, are read at save time). `rc_context` changes the
  process-wide rcParams while it is active: fine in a prefork Celery worker or a request
  thread that draws one chart at a time, but do not draw from several threads at once.
- SVG text stays text (`svg.fonttype = "none"`, DejaVu Sans, which WeasyPrint has too), so
  labels are selectable and searchable in the PDF. Math text parsing is off: labels come
  from users and a "$" must print as a "$". Text never gets path effects, which would turn
  it into outlines: halos are drawn as white boxes behind the text instead.
- Output is deterministic: the same snapshot gives the same bytes (fixed `svg.hashsalt`, no
  dates in the metadata). Only a matplotlib upgrade changes them.
- Sizes fit an A4 text column: every chart is `WIDTH_CM` (16 cm) wide; heights vary with the
  content and are given on `Chart.width_cm` / `Chart.height_cm`. The PNG is drawn at
  `PNG_DPI` (150) dots per inch, so the template must give its size (it is not read from
  the file); SVGs carry their size in pt.
- Colours are colour-blind safe: bars are dark blue (contrast > 10:1 against white), the
  previous period a light grey-blue, and quantities a sequential colour map running from
  pale (few) to dark (many), `cividis` reversed.
- Numbers are written the Swedish way: "1 234" (a no-break space between the thousands),
  "3,4", "25 %" and "100 m" (ordinary spaces before units).
- A chart without data is still drawn, as an empty frame saying
  "Inga observationer under perioden" (or, when there were observations but none of the
  chart's kind, what is missing), and its alt text says the same.
- The map is drawn in SWEREF 99 TM (EPSG:3006) metres, one unit = one metre, equal aspect,
  with grid north up (it differs from true north by about 2–3° in the county). Everything on
  it is vector; only the colour bar's gradient is a small embedded image, as matplotlib draws
  long colour bars (a stack of vector bands shows hairline seams in some PDF viewers).
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

from ods_platform.lib import formatting as fmt
from scenes import wording

matplotlib.use("Agg")  # headless: no GUI toolkit is ever imported

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator

__all__ = [
    "CHART_KEYS",
    "NO_OBSERVATIONS",
    "PNG",
    "PNG_DPI",
    "SVG",
    "WIDTH_CM",
    "Chart",
    "draw_categories",
    "draw_charts",
    "draw_groups",
    "draw_insecurity",
    "draw_map",
    "draw_time_matrix",
    "draw_trend",
    "format_length",
    "polygon_path",
    "scale_bar_length",
]

SVG = "image/svg+xml"
PNG = "image/png"

WIDTH_CM = 16.0
PNG_DPI = 150
CM = 1 / 2.54  # inches per centimetre

CHART_KEYS = ("categories", "trend", "time_matrix", "groups", "insecurity", "map")
NO_OBSERVATIONS = "Inga observationer under perioden"

DARK_BLUE = "#1b3a66"  # bars; about 11:1 against white
LIGHT_BLUE = "#a9bcd6"  # the previous period
INK = "#222222"
GRID = "#d9d9d9"
SCENE_EDGE = "#1b3a66"
SCENE_FILL = "#e8edf4"
PLACE_EDGE = "#333333"
CMAP = colormaps["cividis"].reversed()  # pale = few, dark = many

INSECURITY_SCALE = "1 = knappt otryggt, 5 = mycket otryggt"

# Round scale-bar lengths in metres, and how much of the map's width one should span.
SCALE_BAR_LENGTHS = (10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000)
SCALE_BAR_SHARE = 1 / 5

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ods",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "text.parse_math": False,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "xtick.color": "#555555",
    "ytick.color": "#555555",
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "path.simplify": True,
}


@dataclass(frozen=True)
class Chart:
    """One drawn chart, ready for an `<img>` in the PDF template."""

    key: str  # one of CHART_KEYS
    mime: str  # "image/svg+xml" or "image/png"
    data: bytes
    alt: str  # Swedish text alternative with the chart's key numbers
    caption: str  # short Swedish figure caption
    width_cm: float = WIDTH_CM  # the size the chart was drawn for
    height_cm: float = 0.0

    def data_uri(self) -> str:
        """The chart as a base64 `data:` URI, for `<img src>` without a URL fetcher."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def draw_charts(snapshot: dict) -> dict[str, Chart]:
    """Every chart of the snapshot, keyed by `Chart.key`, in `CHART_KEYS` order."""
    from .snapshot import upgrade

    if snapshot.get("version") == 1:
        snapshot = upgrade(snapshot)
    drawers = (
        draw_categories,
        draw_trend,
        draw_time_matrix,
        draw_groups,
        draw_insecurity,
        draw_map,
    )
    charts = (draw(snapshot) for draw in drawers)
    return {chart.key: chart for chart in charts}


# --- Formatting ---------------------------------------------------------------------------


# Numbers in the charts are written by the platform's one formatting module (Swedish), so a
# chart prints a figure exactly as the text beside it does.


def _int(n: int | float) -> str:
    return fmt.integer(n, lang="sv")


def _dec(x: float, digits: int = 1) -> str:
    return fmt.number(x, digits, lang="sv")


def _pct(share: float | None) -> str:
    return "" if share is None else fmt.percent(share, lang="sv")


def _join(items: Sequence[str]) -> str:
    return fmt.join(items, lang="sv")


def _wrap(label: str, width: int = 26) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def format_length(metres: float) -> str:
    """A scale-bar label: 50 -> "50 m", 1000 -> "1 km", 2500 -> "2,5 km"."""
    return fmt.length(metres, lang="sv")


def scale_bar_length(width_m: float, share: float = SCALE_BAR_SHARE) -> int:
    """The round length (metres) nearest to `share` of a map `width_m` metres wide.

    "Nearest" is by ratio, so the bar spans between about a third and an eighth of the
    map: 300 m -> 50 m, 2 km -> 500 m, 40 km -> 10 km.
    """
    if not width_m or width_m <= 0 or not math.isfinite(width_m):
        return SCALE_BAR_LENGTHS[0]
    target = width_m * share
    return min(SCALE_BAR_LENGTHS, key=lambda length: abs(math.log(length / target)))


# --- Snapshot access ----------------------------------------------------------------------


def _section(snapshot: dict, *keys: str) -> Any:
    """snapshot[k1][k2]… or None when any level is missing."""
    value: Any = snapshot
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _total_observations(snapshot: dict) -> int:
    total = _section(snapshot, "what", "total")
    if total is None:
        total = _section(snapshot, "sources", "observations")
    return int(total or 0)


def _missing(snapshot: dict, what: str) -> str:
    """The empty-chart text: no observations at all, or none of this chart's kind."""
    return NO_OBSERVATIONS if _total_observations(snapshot) == 0 else what


def _period(snapshot: dict, key: str) -> str:
    start, end = _section(snapshot, key, "start"), _section(snapshot, key, "end")
    return fmt.period(start, end, lang="sv") if start and end else ""


# --- Figures ------------------------------------------------------------------------------


def _figure(height_cm: float, layout: str | None = "constrained") -> Figure:
    fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), layout=layout)
    if layout == "constrained":
        fig.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72)
    return fig


def _save(fig: Figure, key: str, mime: str, alt: str, caption: str) -> Chart:
    """Render the figure (inside the caller's rc_context) and free it."""
    buf = io.BytesIO()
    if mime == PNG:
        fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    else:
        fig.savefig(buf, format="svg", metadata={"Date": None})
    width_in, height_in = fig.get_size_inches()
    fig.clear()
    return Chart(
        key=key,
        mime=mime,
        data=buf.getvalue(),
        alt=alt,
        caption=caption,
        width_cm=round(float(width_in) / CM, 2),
        height_cm=round(float(height_in) / CM, 2),
    )


def _empty(key: str, mime: str, message: str, alt_intro: str, caption: str) -> Chart:
    """A framed, empty chart that says why it is empty."""
    fig = _figure(3.5, layout=None)
    ax = fig.add_axes((0.01, 0.03, 0.98, 0.94))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(GRID)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, transform=ax.transAxes)
    return _save(fig, key, mime, f"{alt_intro}. {message}.", caption)


def _count_locator() -> MaxNLocator:
    """Ticks for counts: whole numbers in steps of 1, 2 or 5 times a power of ten."""
    return MaxNLocator(integer=True, steps=[1, 2, 5, 10])


def _value_axis(ax, axis: str = "y") -> None:
    """Integer ticks and a light grid along the value axis, drawn behind the bars."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(_count_locator())
    ax.grid(axis=axis, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


# --- Bar charts ---------------------------------------------------------------------------


def draw_categories(snapshot: dict) -> Chart:
    """Horizontal bars per category: the period (dark) next to the previous period (light)."""
    key, caption = "categories", "Observationer per kategori jämfört med föregående period"
    intro = "Stapeldiagram över observationer per kategori"
    categories = _section(snapshot, "what", "categories") or []
    with rc_context(_RC):
        if not any(c.get("count") or c.get("previous") for c in categories):
            message = _missing(snapshot, "Inga kategorier angivna under perioden")
            return _empty(key, SVG, message, intro, caption)

        labels = [_wrap(str(c.get("label", ""))) for c in categories]
        counts = [int(c.get("count") or 0) for c in categories]
        previous = [int(c.get("previous") or 0) for c in categories]
        lines = sum(label.count("\n") + 1 for label in labels)
        fig = _figure(max(5.0, 2.2 + 0.75 * len(categories) + 0.3 * (lines - len(labels))))
        ax = fig.add_subplot()
        y = np.arange(len(categories))
        height = 0.38
        period, previous_period = _period(snapshot, "period"), _period(snapshot, "previous_period")
        current_bars = ax.barh(
            y - height / 2,
            counts,
            height,
            color=DARK_BLUE,
            label=f"Perioden {period}".strip(),
        )
        previous_bars = ax.barh(
            y + height / 2,
            previous,
            height,
            color=LIGHT_BLUE,
            label=f"Föregående period {previous_period}".strip(),
        )
        ax.bar_label(current_bars, labels=[_int(n) for n in counts], padding=2, fontsize=7.5)
        ax.bar_label(
            previous_bars, labels=[_int(n) for n in previous], padding=2, fontsize=7, color="#555"
        )
        ax.set_yticks(y, labels)
        ax.invert_yaxis()  # the first (biggest) category on top
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Antal observationer")
        ax.margins(x=0.1)
        _value_axis(ax, "x")
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2, borderaxespad=0.2)
        if sum(counts) == 0:
            _note(ax, NO_OBSERVATIONS)

        parts = [
            f"{c.get('label', '')} {_int(n)} (föregående period {_int(p)})"
            for c, n, p in zip(categories, counts, previous, strict=True)
        ]
        alt = f"{intro}, perioden jämförd med föregående period. {', '.join(parts)}."
        return _save(fig, key, SVG, alt, caption)


def draw_trend(snapshot: dict) -> Chart:
    """Vertical bars, one per month of the period."""
    key, caption = "trend", "Observationer per månad"
    intro = "Stapeldiagram över observationer per månad"
    trend = _section(snapshot, "when", "months") or []
    with rc_context(_RC):
        if not any(m.get("count") for m in trend):
            return _empty(key, SVG, NO_OBSERVATIONS, intro, caption)

        labels = [_month_label(m) for m in trend]
        counts = [int(m.get("count") or 0) for m in trend]
        partial = [bool(m.get("partial")) for m in trend]
        fig = _figure(6.5)
        ax = fig.add_subplot()
        x = np.arange(len(trend))
        bars = ax.bar(
            x,
            counts,
            0.7,
            color=[LIGHT_BLUE if p else DARK_BLUE for p in partial],
            hatch=["////" if p else "" for p in partial],
            edgecolor=DARK_BLUE,
            linewidth=0.6,
        )
        if any(partial):
            ax.legend(
                handles=[
                    Patch(facecolor=DARK_BLUE, label="Hel månad"),
                    Patch(
                        facecolor=LIGHT_BLUE,
                        hatch="////",
                        edgecolor=DARK_BLUE,
                        label="Del av månad (perioden skär månaden)",
                    ),
                ],
                loc="lower right",
                bbox_to_anchor=(1, 1),
                ncols=2,
                borderaxespad=0.2,
            )
        if len(trend) <= 24:
            ax.bar_label(bars, labels=[_int(n) for n in counts], padding=2, fontsize=7.5)
        many = len(trend) > 8
        ax.set_xticks(
            x,
            labels,
            rotation=45 if many else 0,
            ha="right" if many else "center",
            rotation_mode="anchor",
        )
        ax.tick_params(axis="x", length=0)
        ax.set_xlabel("Månad")
        ax.set_ylabel("Antal observationer")
        ax.margins(y=0.15)
        _value_axis(ax, "y")

        parts = [f"{wording.month(m)} {_int(n)}" for m, n in zip(trend, counts, strict=True)]
        alt = f"{intro}: {'; '.join(parts)}."
        if any(partial):
            alt += " " + wording.partial_months_note()
        return _save(fig, key, SVG, alt, caption)


def _month_label(month: dict) -> str:
    """ "okt. 2026", with an asterisk for a month the period cuts."""
    first = month.get("month") or ""
    label = fmt.month_short(first + "-01", lang="sv") if len(first) == 7 else str(first)
    return f"{label}*" if month.get("partial") else label


def draw_groups(snapshot: dict) -> Chart:
    """Horizontal bars per affected group, labelled with count and share."""
    key, caption = "groups", "Berörda grupper"
    intro = "Stapeldiagram över berörda grupper"
    groups = _section(snapshot, "who", "groups") or []
    with rc_context(_RC):
        if not any(g.get("count") for g in groups):
            message = _missing(snapshot, "Inga berörda grupper angivna under perioden")
            return _empty(key, SVG, message, intro, caption)

        labels = [_wrap(str(g.get("label", ""))) for g in groups]
        counts = [int(g.get("count") or 0) for g in groups]
        total = _total_observations(snapshot)
        enough = (_section(snapshot, "rules", "enough") or False) and total > 0
        shares = [int(g.get("count") or 0) / total if enough else None for g in groups]
        values = [
            f"{_int(n)} ({_pct(s)})" if s is not None else _int(n)
            for n, s in zip(counts, shares, strict=True)
        ]
        fig = _figure(max(4.5, 1.8 + 0.55 * len(groups)))
        ax = fig.add_subplot()
        y = np.arange(len(groups))
        bars = ax.barh(y, counts, 0.6, color=DARK_BLUE)
        ax.bar_label(bars, labels=values, padding=2, fontsize=7.5)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Antal observationer")
        ax.margins(x=0.15)
        _value_axis(ax, "x")

        parts = [f"{g.get('label', '')} {v}" for g, v in zip(groups, values, strict=True)]
        alt = f"{intro}: {', '.join(parts)}."
        return _save(fig, key, SVG, alt, caption)


def draw_insecurity(snapshot: dict) -> Chart:
    """Bars for the ratings 1–5, with the mean of this and the previous period as lines."""
    key, caption = "insecurity", f"Upplevd otrygghet ({INSECURITY_SCALE})"
    intro = f"Stapeldiagram över upplevd otrygghet på skalan 1–5 ({INSECURITY_SCALE})"
    insecurity = _section(snapshot, "who", "insecurity") or {}
    distribution = [int(n or 0) for n in (insecurity.get("distribution") or [])][:5]
    distribution += [0] * (5 - len(distribution))
    mean, previous_mean = insecurity.get("mean"), insecurity.get("previous_mean")
    with rc_context(_RC):
        if not any(distribution):
            return _empty(key, SVG, NO_OBSERVATIONS, intro, caption)

        fig = _figure(6.0)
        ax = fig.add_subplot()
        ratings = np.arange(1, 6)
        bars = ax.bar(ratings, distribution, 0.65, color=DARK_BLUE)
        ax.bar_label(bars, labels=[_int(n) for n in distribution], padding=2, fontsize=7.5)
        ax.set_xticks(ratings, ["1\nknappt otryggt", "2", "3", "4", "5\nmycket otryggt"], va="top")
        ax.tick_params(axis="x", length=0)
        ax.set_xlim(0.4, 5.6)
        ax.set_xlabel("Upplevd otrygghet")
        ax.set_ylabel("Antal observationer")
        ax.margins(y=0.15)
        _value_axis(ax, "y")
        if mean is not None:
            ax.axvline(mean, color=INK, linewidth=1.2, label=f"Medelvärde {_dec(mean)}")
        if previous_mean is not None:
            ax.axvline(
                previous_mean,
                color="#777777",
                linewidth=1.2,
                linestyle=(0, (3, 2)),
                label=f"Föregående period {_dec(previous_mean)}",
            )
        if mean is not None or previous_mean is not None:
            ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2, borderaxespad=0.2)

        parts = [f"{r}: {_int(n)}" for r, n in zip(range(1, 6), distribution, strict=True)]
        alt = f"{intro}: {', '.join(parts)} observationer."
        if mean is not None:
            alt += f" Medelvärde {_dec(mean)}"
            alt += (
                f" (föregående period {_dec(previous_mean)})." if previous_mean is not None else "."
            )
        return _save(fig, key, SVG, alt, caption)


# --- Heat matrix --------------------------------------------------------------------------


def draw_time_matrix(snapshot: dict) -> Chart:
    """A weekday × hour heat matrix (PNG: 168 shaded cells), Monday on top."""
    key, caption = "time_matrix", "Observationer per veckodag och timme"
    intro = "Värmematris över observationer per veckodag och timme"
    when = _section(snapshot, "when") or {}
    weekdays = [fmt.weekday(d, lang="sv").capitalize() for d in range(7)]
    rows = list(when.get("matrix") or [])[:7]
    matrix = np.zeros((7, 24), dtype=int)
    for d, row in enumerate(rows):
        values = [int(v or 0) for v in list(row)[:24]]
        matrix[d, : len(values)] = values
    with rc_context(_RC):
        if not matrix.any():
            return _empty(key, PNG, NO_OBSERVATIONS, intro, caption)

        fig = _figure(6.8)
        ax = fig.add_subplot()
        norm = Normalize(vmin=0, vmax=max(int(matrix.max()), 1))
        mesh = ax.pcolormesh(
            np.arange(25),
            np.arange(8),
            matrix,
            cmap=CMAP,
            norm=norm,
            edgecolors="white",
            linewidth=0.6,
        )
        ax.set_xlim(0, 24)
        ax.set_ylim(7, 0)  # Monday on top
        ax.set_xticks(np.arange(24) + 0.5, [f"{h:02d}" for h in range(24)])
        ax.set_yticks(np.arange(7) + 0.5, weekdays)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel("Timme på dygnet (klockslaget då timmen börjar)")
        ax.set_ylabel("Veckodag")
        colorbar = fig.colorbar(mesh, ax=ax, pad=0.015, fraction=0.04, aspect=12)
        colorbar.set_label("Observationer")
        colorbar.locator = _count_locator()
        colorbar.update_ticks()
        colorbar.outline.set_visible(False)

        total = int(matrix.sum())
        alt = (
            f"{intro}, veckodagar i rader och timmar i kolumner, totalt {_int(total)} "
            "observationer. "
        )
        if _section(snapshot, "rules", "enough"):
            alt += wording.peaks_summary(when["peaks"])
        else:
            alt += wording.thin_data(total, _section(snapshot, "rules", "min_observations") or 0)
        return _save(fig, key, PNG, alt, caption)


# --- The map ------------------------------------------------------------------------------

Ring = Sequence[Sequence[float]]  # [[x, y], ...]
Polygon = Sequence[Ring]  # ring 0 the exterior, the others holes


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def polygon_path(polygons: Iterable[Polygon]) -> Path | None:
    """One compound Path for polygons with holes: ring 0 of each polygon is its exterior.

    Exteriors are made counter-clockwise and holes clockwise, so the holes stay empty under
    both the non-zero and the even-odd fill rule (Agg and SVG renderers differ).
    """
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in polygons or []:
        for index, ring in enumerate(polygon or []):
            points = np.asarray(ring, dtype=float).reshape(-1, 2)
            if len(points) > 1 and np.array_equal(points[0], points[-1]):
                points = points[:-1]  # closed by CLOSEPOLY instead
            if len(points) < 3:
                continue
            counter_clockwise = _signed_area(points) > 0
            if counter_clockwise != (index == 0):
                points = points[::-1]
            ring_codes = np.full(len(points) + 1, Path.LINETO, dtype=Path.code_type)
            ring_codes[0], ring_codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            vertices.append(np.vstack([points, points[:1]]))
            codes.append(ring_codes)
    if not vertices:
        return None
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _label_point(polygons: Iterable[Polygon]) -> tuple[float, float] | None:
    """The centroid of the largest exterior ring: where a polygon's name goes."""
    best, best_area = None, 0.0
    for polygon in polygons or []:
        if not polygon:
            continue
        points = np.asarray(polygon[0], dtype=float).reshape(-1, 2)
        if len(points) < 3:
            continue
        area = _signed_area(points)
        if abs(area) <= best_area:
            continue
        x, y = points[:, 0], points[:, 1]
        cross = x * np.roll(y, -1) - np.roll(x, -1) * y
        cx = float(np.sum((x + np.roll(x, -1)) * cross) / (6 * area))
        cy = float(np.sum((y + np.roll(y, -1)) * cross) / (6 * area))
        best, best_area = (cx, cy), abs(area)
    return best


def _halo(pad: float = 0.15) -> dict:
    """A white box behind text on the map (a halo that keeps the text as text)."""
    return {"boxstyle": f"round,pad={pad}", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}


def draw_map(snapshot: dict) -> Chart:
    """The map of "Var?": drawn by situation_reports.maps (its own module)."""
    from .maps import draw_map as draw

    return draw(snapshot)


def _note(ax, message: str) -> None:
    """A message in the middle of a chart that has nothing (yet) to show there."""
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=10,
        transform=ax.transAxes,
        bbox=_halo(pad=0.4),
        zorder=7,
    )
