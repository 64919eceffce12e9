"""The map of a lägesbild ("Var?"), drawn from its frozen snapshot alone.

Vector only, in SWEREF 99 TM metres: the scene boundaries, the sub-places with their names,
the landmarks coordinators added (entrances, stops, a school) and the hotspot cells,
coloured by the same quantile classes as the scene page's map (`scenes.analysis`), with the
class limits in a legend beside it. The PDF does not draw the offline basemap (decoding
vector tiles would need a tile renderer in the worker); its caption says it shows the
platform's own vector data only. Below the thin-data rule the cells are outlined, not shaded.
"""

from __future__ import annotations

from typing import Any

from matplotlib import rc_context
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle

from scenes import analysis, wording

from .charts import (
    _RC,
    CM,
    INK,
    NO_OBSERVATIONS,
    PLACE_EDGE,
    SCENE_EDGE,
    SCENE_FILL,
    SVG,
    WIDTH_CM,
    Chart,
    _empty,
    _figure,
    _halo,
    _int,
    _join,
    _label_point,
    _note,
    _save,
    _section,
    format_length,
    polygon_path,
    scale_bar_length,
)


def _class_legend(fig, classes, colours, x_in, frame, width_in, height_in) -> None:
    """Class swatches with their limits, right of the map, below the north arrow."""
    inches = fig.dpi_scale_trans
    top = frame[1] + frame[3] - MAP_ARROW_IN - 0.1
    fig.text(x_in, top, "Obs. per ruta", fontsize=7, va="top", ha="left", transform=inches)
    for i, ((low, high), colour) in enumerate(reversed(list(zip(classes, colours, strict=True)))):
        y = top - 0.22 - i * 0.2
        fig.add_artist(
            Rectangle(
                (x_in, y - 0.12),
                0.16,
                0.14,
                facecolor=colour,
                edgecolor=INK,
                linewidth=0.4,
                transform=inches,
            )
        )
        fig.text(
            x_in + 0.22,
            y - 0.05,
            wording.class_label(low, high),
            fontsize=7,
            va="center",
            ha="left",
            transform=inches,
        )


def _map_extent(map_: dict) -> tuple[float, float, float, float] | None:
    """The snapshot's extent, or the bounds of whatever is drawn when it has none."""
    extent = map_.get("extent")
    if extent and len(extent) == 4 and all(v is not None for v in extent):
        minx, miny, maxx, maxy = (float(v) for v in extent)
        if maxx >= minx and maxy >= miny:
            return minx, miny, maxx, maxy
    xs: list[float] = []
    ys: list[float] = []
    for item in [*(map_.get("scenes") or []), *(map_.get("places") or [])]:
        for polygon in item.get("polygons") or []:
            for ring in polygon:
                for x, y in ring:
                    xs.append(x)
                    ys.append(y)
        if item.get("point"):
            xs.append(item["point"][0])
            ys.append(item["point"][1])
    for cell in map_.get("cells") or []:
        x0, y0, x1, y1 = cell["bounds"]
        xs += [x0, x1]
        ys += [y0, y1]
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


MAP_MIN_SPAN_M = 200.0  # never zoom in further than this (a single point, one cell)
MAP_MARGIN = 0.1  # of the span, on each side
MAP_MIN_HEIGHT_CM, MAP_MAX_HEIGHT_CM = 7.0, 13.5  # the whole chart stays under 15 cm
MAP_SCENE_LABELS = 12  # name the scenes when there are between 2 and this many
# The furniture sits outside the map frame, so it never hides data (inches):
MAP_PAD_IN = 0.05  # around everything
MAP_BAND_IN = 0.42  # below the map: the scale bar (left) and the legend (right)
MAP_COLUMN_IN = 1.0  # right of the map: the north arrow above the colour bar
MAP_ARROW_IN = 0.7  # the top of that column that the north arrow takes


def _map_limits(
    extent: tuple[float, float, float, float], width_in: float
) -> tuple[float, float, float, float, float]:
    """(minx, miny, maxx, maxy, height_in): the extent padded, then widened in x or y to
    fill a map `width_in` wide whose height stays between the min and max height."""
    minx, miny, maxx, maxy = extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    span_x = max(maxx - minx, MAP_MIN_SPAN_M) * (1 + 2 * MAP_MARGIN)
    span_y = max(maxy - miny, MAP_MIN_SPAN_M) * (1 + 2 * MAP_MARGIN)
    height_in = min(max(width_in * span_y / span_x, MAP_MIN_HEIGHT_CM * CM), MAP_MAX_HEIGHT_CM * CM)
    if span_y / span_x > height_in / width_in:
        span_x = span_y * width_in / height_in
    else:
        span_y = span_x * height_in / width_in
    return cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2, height_in


def draw_map(snapshot: dict) -> Chart:
    """ "Var?": scene boundaries, sub-places, hotspot cells shaded by count, scale and north.

    Drawn only from snapshot["where"]["map"], in SWEREF 99 TM metres at equal aspect. The
    map frame is 16 cm minus a right-hand column (north arrow, colour bar) wide, and between
    7 and 13.5 cm high; a band below it holds the scale bar and the legend (the whole chart
    is at most about 14.8 cm high).
    """
    key = "map"
    map_ = _section(snapshot, "where", "map") or {}
    cell_m = _section(snapshot, "where", "cell_m")
    scenes = [s for s in map_.get("scenes") or [] if s.get("polygons")]
    places = [p for p in map_.get("places") or [] if p.get("point") or p.get("polygons")]
    cells = [c for c in map_.get("cells") or [] if c.get("count")]
    landmarks = [lm for lm in map_.get("landmarks") or [] if lm.get("point")]
    caption = (
        "Var? Scenområden, delplatser, platsmärken och observationer per ruta"
        + (f" om {_int(cell_m)} × {_int(cell_m)} m" if cell_m else "")
        + ". Kartan ritar bara plattformens egna vektordata, ingen bakgrundskarta."
    )
    summary = bool(map_.get("summary"))
    if summary:
        # A municipality's or the county's map: the scene areas only; the counts per scene
        # are in the report's tables.
        caption = (
            "Var? Scenområdena i rapporten; antalet observationer per scen står i tabellerna. "
            "Kartan ritar bara plattformens egna vektordata, ingen bakgrundskarta."
        )
    intro = "Karta i SWEREF 99 TM"
    if len(scenes) == 1:
        intro += f" över scenområdet {scenes[0].get('name', '')}".rstrip()
    elif scenes:
        intro += f" över {_int(len(scenes))} scenområden"
    extent = _map_extent(map_)
    with rc_context(_RC):
        if extent is None:
            return _empty(key, SVG, NO_OBSERVATIONS, "Karta", caption)

        width_in = WIDTH_CM * CM
        map_w = width_in - MAP_COLUMN_IN - 2 * MAP_PAD_IN
        minx, miny, maxx, maxy, map_h = _map_limits(extent, map_w)
        height_in = map_h + MAP_BAND_IN + 2 * MAP_PAD_IN
        fig = _figure(height_in / CM, layout=None)
        # (left, bottom, width, height) of the map frame, in inches.
        frame = (MAP_PAD_IN, MAP_PAD_IN + MAP_BAND_IN, map_w, map_h)
        ax = fig.add_axes(_fraction(frame, width_in, height_in))
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#999999")
            spine.set_linewidth(0.6)
        legend: list[Any] = []

        # The fill goes under the cells, the outline over them.
        for scene in scenes:
            path = polygon_path(scene["polygons"])
            if path is not None:
                ax.add_patch(PathPatch(path, facecolor=SCENE_FILL, edgecolor="none", zorder=1))
                ax.add_patch(
                    PathPatch(path, facecolor="none", edgecolor=SCENE_EDGE, linewidth=1.2, zorder=3)
                )
        if scenes:
            legend.append(
                Patch(facecolor=SCENE_FILL, edgecolor=SCENE_EDGE, linewidth=1.2, label="Scenområde")
            )
        if 1 < len(scenes) <= MAP_SCENE_LABELS:
            for scene in scenes:
                point = _label_point(scene["polygons"])
                if point and scene.get("name"):
                    ax.annotate(
                        scene["name"],
                        point,
                        xytext=(0, 6),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=7,
                        color=SCENE_EDGE,
                        bbox=_halo(),
                        zorder=6,
                        annotation_clip=True,
                    )

        # Hotspot cells, coloured by quantile class (the same classes and colours as the
        # scene page's map); the busiest drawn last, on top. Below the thin-data rule the
        # cells are only outlined: too few observations to compare them.
        busiest = 0
        enough = bool(_section(snapshot, "rules", "enough"))
        classes: list[tuple[int, int]] = []
        if cells:
            counts = [int(c["count"]) for c in cells]
            busiest = max(counts)
            classes = analysis.count_classes(counts) if enough else []
            colours = analysis.class_colours(classes)
            order = sorted(range(len(cells)), key=lambda i: counts[i])
            squares = [
                ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
                for x0, y0, x1, y1 in (cells[i]["bounds"] for i in order)
            ]
            if classes:
                faces = [colours[analysis.class_of(counts[i], classes)] for i in order]
                collection = PolyCollection(
                    squares, facecolors=faces, edgecolors=faces, linewidths=0.2, zorder=2
                )
                column_x = MAP_PAD_IN + map_w + 0.12
                _class_legend(fig, classes, colours, column_x, frame, width_in, height_in)
            else:
                collection = PolyCollection(
                    squares,
                    facecolors="none",
                    edgecolors=INK,
                    linewidths=0.6,
                    linestyles="dotted",
                    zorder=2,
                )
                legend.append(
                    Patch(
                        facecolor="none",
                        edgecolor=INK,
                        linestyle="dotted",
                        label="Ruta med observationer (ej jämförd: för få)",
                    )
                )
            ax.add_collection(collection)
        elif not summary:
            _note(ax, NO_OBSERVATIONS)

        # Sub-places: areas as dashed outlines, points as markers, each with its name.
        area_style = {"edgecolor": PLACE_EDGE, "linewidth": 1.0, "linestyle": (0, (4, 2))}
        point_style = {
            "marker": "^",
            "markersize": 7,
            "markerfacecolor": "white",
            "markeredgecolor": PLACE_EDGE,
            "markeredgewidth": 1.2,
            "linestyle": "none",
        }
        for place in places:
            name = place.get("name", "")
            if place.get("polygons"):
                path = polygon_path(place["polygons"])
                if path is not None:
                    ax.add_patch(PathPatch(path, facecolor="none", zorder=4, **area_style))
                anchor = _label_point(place["polygons"])
                offset, align = (0, 0), ("center", "center")
            else:
                anchor = (float(place["point"][0]), float(place["point"][1]))
                ax.plot(*anchor, zorder=5, **point_style)
                offset, align = (6, 4), ("left", "bottom")
            if anchor and name:
                ax.annotate(
                    name,
                    anchor,
                    xytext=offset,
                    textcoords="offset points",
                    ha=align[0],
                    va=align[1],
                    fontsize=7.5,
                    bbox=_halo(),
                    zorder=6,
                    annotation_clip=True,
                )
        if any(p.get("polygons") for p in places):
            legend.append(Patch(facecolor="none", label="Delplats (område)", **area_style))
        if any(not p.get("polygons") for p in places):
            legend.append(Line2D([], [], label="Delplats (punkt)", **point_style))

        # Landmarks the coordinators added: entrances, stops, a school.
        landmark_style = {
            "marker": "o",
            "markersize": 5,
            "markerfacecolor": "white",
            "markeredgecolor": INK,
            "markeredgewidth": 1.2,
            "linestyle": "none",
        }
        for landmark in landmarks:
            point = (float(landmark["point"][0]), float(landmark["point"][1]))
            ax.plot(*point, zorder=5, **landmark_style)
            ax.annotate(
                landmark.get("name", ""),
                point,
                xytext=(5, -3),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=6.5,
                bbox=_halo(),
                zorder=6,
                annotation_clip=True,
            )
        if landmarks:
            legend.append(Line2D([], [], label="Platsmärke", **landmark_style))

        # The furniture, outside the frame.
        length = _scale_bar(fig, frame, (maxx - minx) / map_w)
        _north_arrow(fig, frame)
        if legend:
            fig.legend(
                handles=legend,
                loc="center right",
                bbox_to_anchor=(
                    (frame[0] + frame[2]) / width_in,
                    (MAP_PAD_IN + MAP_BAND_IN / 2) / height_in,
                ),
                ncols=len(legend),
                fontsize=7,
                handlelength=1.6,
                columnspacing=1.2,
                borderaxespad=0,
                borderpad=0,
            )

        alt = f"{intro}, utan bakgrundskarta."
        if cells:
            where = ""
            hotspots = _section(snapshot, "where", "hotspots") or []
            if hotspots and hotspots[0].get("place") and hotspots[0].get("count") == busiest:
                where = f", i delplatsen {hotspots[0]['place']}"
            alt += (
                f" {_int(len(cells))} rutor"
                + (f" om {_int(cell_m)} × {_int(cell_m)} m" if cell_m else "")
                + f" har observationer; den mest belastade rutan har {_int(busiest)}"
                + f" observationer{where}."
            )
            if classes:
                alt += (
                    " Färgklasser (observationer per ruta): "
                    + _join([wording.class_label(low, high) for low, high in classes])
                    + "."
                )
            else:
                alt += " Rutorna färgas inte: för få observationer för att jämföra dem."
        elif summary:
            alt += " Observationerna per scen står i tabellerna."
        else:
            alt += f" {NO_OBSERVATIONS}."
        if places:
            alt += f" Delplatser: {_join([p.get('name', '') for p in places])}."
        if landmarks:
            alt += f" Platsmärken: {_join([lm.get('name', '') for lm in landmarks])}."
        alt += f" Skalstock {format_length(length)}."
        return _save(fig, key, SVG, alt, caption)


def _fraction(box: tuple[float, float, float, float], width_in: float, height_in: float):
    """A (left, bottom, width, height) box in inches as fractions of the figure."""
    left, bottom, width, height = box
    return (left / width_in, bottom / height_in, width / width_in, height / height_in)


def _scale_bar(fig: Figure, frame: tuple[float, ...], metres_per_inch: float) -> int:
    """A black-and-white bar of a round length under the map's lower left corner, labelled
    above; drawn in inches, at the map's own scale. Answers with the length in metres."""
    length = scale_bar_length(frame[2] * metres_per_inch)
    bar_in = length / metres_per_inch
    x0, y0 = frame[0], MAP_PAD_IN + 0.08
    inches = fig.dpi_scale_trans
    for i, colour in enumerate((INK, "white")):
        fig.add_artist(
            Rectangle(
                (x0 + i * bar_in / 2, y0),
                bar_in / 2,
                0.06,
                facecolor=colour,
                edgecolor=INK,
                linewidth=0.6,
                transform=inches,
            )
        )
    fig.text(
        x0 + bar_in / 2,
        y0 + 0.1,
        format_length(length),
        ha="center",
        va="bottom",
        fontsize=7.5,
        transform=inches,
    )
    return length


def _north_arrow(fig: Figure, frame: tuple[float, ...]) -> None:
    """An arrow pointing up (grid north) under an "N", right of the map's upper corner."""
    x = frame[0] + frame[2] + 0.3
    top = frame[1] + frame[3]
    inches = fig.dpi_scale_trans
    fig.text(x, top, "N", ha="center", va="top", fontsize=10, fontweight="bold", transform=inches)
    fig.add_artist(
        FancyArrowPatch(
            (x, top - MAP_ARROW_IN + 0.15),
            (x, top - 0.19),
            arrowstyle="-|>,head_width=0.3,head_length=0.6",
            color=INK,
            linewidth=1.6,
            shrinkA=0,
            shrinkB=0,
            mutation_scale=12,
            transform=inches,
        )
    )
