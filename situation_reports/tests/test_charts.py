"""The lägesbild's charts and map, drawn from a snapshot dict alone (no database)."""

import base64
import copy
import math
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from situation_reports.charts import (
    CHART_KEYS,
    NO_OBSERVATIONS,
    PNG,
    SCALE_BAR_LENGTHS,
    SVG,
    draw_categories,
    draw_charts,
    draw_groups,
    draw_map,
    draw_time_matrix,
    format_length,
    polygon_path,
    scale_bar_length,
)
from situation_reports.snapshot import upgrade

# SWEREF 99 TM metres, near Sergels torg.
X0, Y0 = 674_000, 6_580_000
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


def square(x0, y0, x1, y1, clockwise=False):
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return ring[::-1] if clockwise else ring


def make_snapshot() -> dict:
    """A scene 300 × 200 m with a hole, two sub-places, 24 cells and a peak Friday 22.00."""
    matrix = [[0] * 24 for _ in range(7)]
    for day in range(7):
        for hour in range(18, 24):
            matrix[day][hour] = 1 + day // 2 + 2 * (hour in (21, 23))
    matrix[4][22] = 35  # Friday 22–23
    matrix[5][22] = 20  # Saturday 22–23
    cells = []
    for i in range(6):
        for j in range(4):
            count = max(1, 24 - 6 * (abs(i - 2) + abs(j - 1)))
            x, y = X0 + 50 * i, Y0 + 50 * j
            cells.append({"bounds": [x, y, x + 50, y + 50], "count": count})
    cells.sort(key=lambda c: -c["count"])
    return {
        "version": 1,
        "title": "Lägesbild Sergels torg 2026-08-28 – 2026-11-25",
        "scope": {"kind": "scene", "label": "Sergels torg"},
        "period": {"start": "2026-08-28", "end": "2026-11-25", "days": 90},
        "previous_period": {"start": "2026-05-30", "end": "2026-08-27"},
        "sources": {"observations": 330},
        "what": {
            "total": 330,
            "previous_total": 260,
            "change": 0.27,
            "categories": [
                {"label": "Narkotikaförsäljning", "count": 120, "previous": 90, "change": 0.33},
                {"label": "Narkotikaanvändning", "count": 80, "previous": 85, "change": -0.06},
                {"label": "Sprutor & nedskräpning", "count": 70, "previous": 50, "change": 0.4},
                {"label": "Annat $5 $", "count": 60, "previous": 35, "change": 0.71},
            ],
        },
        "where": {
            "cell_m": 50,
            "hotspots": [
                {
                    "rank": 1,
                    "count": 24,
                    "share": 0.07,
                    "lat": 59.33,
                    "lon": 18.06,
                    "place": "Plattan",
                }
            ],
            "places": [{"label": "Plattan", "count": 100, "share": 0.3}],
            "map": {
                "extent": [X0, Y0, X0 + 300, Y0 + 200],
                "scenes": [
                    {
                        "name": "Sergels torg",
                        # Exterior given clockwise, hole counter-clockwise: both are fixed.
                        "polygons": [
                            [
                                square(X0, Y0, X0 + 300, Y0 + 200, clockwise=True),
                                square(X0 + 120, Y0 + 80, X0 + 180, Y0 + 120),
                            ]
                        ],
                    }
                ],
                "places": [
                    {
                        "name": "Plattan",
                        "kind": "point",
                        "point": [X0 + 110, Y0 + 60],
                        "polygons": None,
                    },
                    {
                        "name": "Tunnelbaneuppgången",
                        "kind": "area",
                        "point": None,
                        "polygons": [[square(X0 + 200, Y0 + 120, X0 + 280, Y0 + 180)]],
                    },
                ],
                "cells": cells,
            },
        },
        "when": {
            "weekdays": WEEKDAYS,
            "matrix": matrix,
            "trend": [
                {"month": "2026-08", "label": "aug 2026", "count": 10},
                {"month": "2026-09", "label": "sep 2026", "count": 100},
                {"month": "2026-10", "label": "okt 2026", "count": 130},
                {"month": "2026-11", "label": "nov 2026", "count": 90},
            ],
            "peak_hours": [21, 22, 23],
            "busiest_weekdays": ["fredag", "lördag"],
            "summary": "Flest observationer fredagar och lördagar kl. 21–24.",
        },
        "who": {
            "groups": [
                {"label": "Boende", "count": 100, "share": 0.30},
                {"label": "Förbipasserande", "count": 90, "share": 0.27},
            ],
            "insecurity": {
                "mean": 3.4,
                "previous_mean": 3.1,
                "distribution": [20, 40, 90, 110, 70],
            },
        },
    }


def make_empty_snapshot() -> dict:
    """The same scene over a period without a single observation."""
    snapshot = make_snapshot()
    snapshot["sources"]["observations"] = 0
    snapshot["what"].update(total=0, previous_total=0, change=None, categories=[])
    snapshot["where"].update(hotspots=[], places=[])
    snapshot["where"]["map"].update(places=[], cells=[])
    snapshot["when"].update(
        matrix=[[0] * 24 for _ in range(7)],
        trend=[{"month": "2026-09", "label": "sep 2026", "count": 0}],
        peak_hours=[],
        busiest_weekdays=[],
        summary="",
    )
    snapshot["who"] = {
        "groups": [],
        "insecurity": {"mean": None, "previous_mean": None, "distribution": [0] * 5},
    }
    return snapshot


def make_county_snapshot(scenes: int = 40, cells_per_scene: int = 50) -> dict:
    """Scenes scattered over 40 × 30 km, with ~2,000 cells of 100 m."""
    snapshot = make_snapshot()
    scene_list, cells = [], []
    for k in range(scenes):
        cx = 650_000 + (k * 7_919) % 40_000
        cy = 6_560_000 + (k * 4_793) % 30_000
        ring = [
            [cx + 200 * math.cos(a * math.pi / 8), cy + 200 * math.sin(a * math.pi / 8)]
            for a in range(16)
        ]
        scene_list.append({"name": f"Scen {k}", "polygons": [[ring]]})
        for n in range(cells_per_scene):
            x = (cx // 100 + n % 7 - 3) * 100
            y = (cy // 100 + n // 7 - 3) * 100
            cells.append({"bounds": [x, y, x + 100, y + 100], "count": 1 + (k + n) % 60})
    cells.sort(key=lambda c: -c["count"])
    snapshot["scope"] = {"kind": "county", "label": "Stockholms län"}
    snapshot["where"]["cell_m"] = 100
    snapshot["where"]["map"] = {
        "extent": [650_000, 6_560_000, 690_000, 6_590_000],
        "scenes": scene_list,
        "places": [],
        "cells": cells,
    }
    return snapshot


@pytest.fixture
def snapshot():
    return make_snapshot()


@pytest.fixture(scope="module")
def charts():
    """Drawn once for the tests that only read them."""
    return draw_charts(make_snapshot())


def svg_texts(data: bytes) -> list[str]:
    """The text of every <text> element, i.e. the labels that stayed text."""
    root = ET.fromstring(data)  # noqa: S314 - our own output, not untrusted XML
    return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# --- The set of charts --------------------------------------------------------------------


def test_every_chart_is_drawn_with_its_mime_type_alt_text_and_caption(charts):
    assert list(charts) == list(CHART_KEYS)
    for key, chart in charts.items():
        assert chart.key == key
        assert chart.mime == (PNG if key == "time_matrix" else SVG)
        assert chart.alt and chart.caption
        assert chart.width_cm == 16.0
        assert 3 < chart.height_cm <= 18


def test_data_uri_carries_the_bytes(charts):
    chart = charts["categories"]
    uri = chart.data_uri()
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]) == chart.data


def test_same_snapshot_gives_the_same_bytes(snapshot):
    first, second = draw_charts(snapshot), draw_charts(copy.deepcopy(snapshot))
    for key in CHART_KEYS:
        assert first[key].data == second[key].data, key
    assert b"dc:date" not in first["map"].data


def test_drawing_leaves_global_settings_alone(snapshot):
    before = dict(matplotlib.rcParams)
    draw_charts(snapshot)
    assert dict(matplotlib.rcParams) == before


def test_pyplot_is_never_imported():
    # pyplot keeps every figure in a global registry: a long-lived worker would leak them.
    code = (
        "import os, sys, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ods_platform.settings')\n"
        "django.setup()\n"
        "from situation_reports.tests.test_charts import make_snapshot\n"
        "from situation_reports.charts import draw_charts\n"
        "draw_charts(make_snapshot())\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


# --- SVG charts keep their text as text ---------------------------------------------------


def test_category_labels_and_counts_are_svg_text(charts):
    texts = svg_texts(charts["categories"].data)
    assert "Narkotikaförsäljning" in texts
    assert "120" in texts and "90" in texts
    # Labels from users are printed as written: "&" escaped, "$" not read as math.
    assert "Sprutor & nedskräpning" in texts
    assert "Annat $5 $" in texts
    assert b"DejaVuSans-" not in charts["categories"].data  # no glyph outlines


def test_bar_charts_label_their_axes_in_swedish(charts):
    assert "Antal observationer" in svg_texts(charts["categories"].data)
    assert "okt. 2026" in svg_texts(charts["trend"].data)
    assert "Boende" in svg_texts(charts["groups"].data)
    insecurity = svg_texts(charts["insecurity"].data)
    assert "Medelvärde 3,4" in insecurity
    assert "Föregående period 3,1" in insecurity


# --- Alt texts name the numbers -----------------------------------------------------------


def test_alt_texts_state_the_key_numbers(charts):
    assert "Narkotikaförsäljning 120 (föregående period 90)" in charts["categories"].alt
    assert "oktober 2026 130" in charts["trend"].alt
    assert "Boende 100 (30\u00a0%)" in charts["groups"].alt
    assert "1: 20, 2: 40, 3: 90, 4: 110, 5: 70" in charts["insecurity"].alt
    assert "Medelvärde 3,4 (föregående period 3,1)" in charts["insecurity"].alt


def test_matrix_alt_names_the_peak_hours_and_busiest_weekdays(charts):
    alt = charts["time_matrix"].alt
    # The ranked peaks by the stated rule: the planted Friday 22–23 first, count and share.
    assert "Toppar i veckan: fredagar kl.\u00a022–23: 35 observationer" in alt


def test_map_alt_counts_cells_and_names_the_busiest_and_the_places(charts):
    alt = charts["map"].alt
    assert "Sergels torg" in alt
    assert "24 rutor om 50 × 50 m" in alt
    assert "den mest belastade rutan har 24 observationer, i delplatsen Plattan" in alt
    assert "Delplatser: Plattan och Tunnelbaneuppgången" in alt


def test_thousands_are_grouped_the_swedish_way(snapshot):
    snapshot["what"]["categories"][0]["count"] = 1234
    assert "Narkotikaförsäljning 1\u00a0234 (" in draw_categories(snapshot).alt


# --- The heat matrix ----------------------------------------------------------------------


def test_time_matrix_is_a_png_of_column_width(charts):
    width, height = png_size(charts["time_matrix"].data)
    assert abs(width - 16 / 2.54 * 150) <= 1  # 16 cm at 150 dpi
    assert 0.3 < height / width < 0.6


def test_time_matrix_without_weekday_names_falls_back_to_swedish(snapshot):
    del snapshot["when"]["weekdays"], snapshot["when"]["peak_hours"]
    alt = draw_time_matrix(upgrade(snapshot)).alt
    assert "fredagar kl.\u00a022–23" in alt  # the peaks worked out from the matrix


# --- The map ------------------------------------------------------------------------------


def test_map_is_vector_with_places_scale_bar_and_north_arrow_as_text(charts):
    chart = charts["map"]
    assert chart.mime == SVG
    root = ET.fromstring(chart.data)  # noqa: S314 - our own output
    map_frame = root.find(".//{*}g[@id='axes_1']")
    assert map_frame is not None
    assert map_frame.find(".//{*}image") is None  # the map itself has no raster inside
    texts = svg_texts(chart.data)
    assert {"Plattan", "Tunnelbaneuppgången", "N", "Obs. per ruta"} <= set(texts)
    scale = [t for t in texts if t.endswith(("\u00a0m", "\u00a0km"))]
    assert len(scale) == 1
    assert scale[0] in {"50\u00a0m", "100\u00a0m"}  # a 300 m scene, with a margin around it
    assert f"Skalstock {scale[0]}." in chart.alt


def test_polygon_holes_stay_empty():
    # Exterior clockwise, hole counter-clockwise: the wrong way round for a non-zero fill.
    exterior = square(0, 0, 100, 100, clockwise=True)
    hole = square(40, 40, 60, 60)
    path = polygon_path([[exterior, hole]])
    fig = Figure(figsize=(1, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_axis_off()
    ax.add_patch(PathPatch(path, facecolor="black", edgecolor="none"))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    assert tuple(pixels[80, 20][:3]) == (0, 0, 0)  # in the polygon
    assert tuple(pixels[50, 50][:3]) == (255, 255, 255)  # in the hole


def test_map_of_the_county_picks_kilometres_and_is_quick():
    snapshot = make_county_snapshot()
    assert len(snapshot["where"]["map"]["cells"]) == 2_000
    started = time.perf_counter()
    charts = draw_charts(snapshot)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, elapsed  # about 0.5 s here; generous for slow CI machines
    texts = svg_texts(charts["map"].data)
    assert "10\u00a0km" in texts
    assert "Scen 0" not in texts  # 40 scene names would only clutter the county map
    assert "2\u00a0000 rutor om 100 × 100 m" in charts["map"].alt
    assert "den mest belastade rutan har 60 observationer" in charts["map"].alt


def test_map_names_a_handful_of_scenes():
    snapshot = make_county_snapshot(scenes=3, cells_per_scene=5)
    map_ = snapshot["where"]["map"]
    map_["extent"] = None  # computed from what is drawn
    texts = svg_texts(draw_map(snapshot).data)
    assert {"Scen 0", "Scen 1", "Scen 2"} <= set(texts)


def test_map_of_a_single_point_place_does_not_collapse(snapshot):
    map_ = snapshot["where"]["map"]
    map_.update(extent=[X0, Y0, X0, Y0], scenes=[], cells=[], places=map_["places"][:1])
    chart = draw_map(snapshot)
    assert "Plattan" in svg_texts(chart.data)
    assert NO_OBSERVATIONS in svg_texts(chart.data)


def test_a_tall_narrow_scene_still_fits_on_the_page(snapshot):
    map_ = snapshot["where"]["map"]
    map_["extent"] = [X0, Y0, X0 + 100, Y0 + 3_000]
    map_["scenes"][0]["polygons"] = [[square(X0, Y0, X0 + 100, Y0 + 3_000)]]
    chart = draw_map(snapshot)
    assert chart.width_cm == 16.0
    assert chart.height_cm < 15  # the template caps maps at 150 mm
    assert "N" in svg_texts(chart.data)


@pytest.mark.parametrize(
    ("width_m", "length_m", "label"),
    [
        (300, 50, "50 m"),  # one scene
        (1_000, 200, "200 m"),
        (2_000, 500, "500 m"),  # a district
        (5_000, 1_000, "1 km"),
        (40_000, 10_000, "10 km"),  # the county
    ],
)
def test_scale_bar_picks_a_round_length(width_m, length_m, label):
    assert scale_bar_length(width_m) == length_m
    assert format_length(length_m) == label.replace(" ", "\u00a0")


def test_scale_bar_spans_about_a_fifth_of_any_width():
    width = 100.0
    while width <= 250_000:
        length = scale_bar_length(width)
        assert length in SCALE_BAR_LENGTHS
        assert 1 / 8 <= length / width <= 1 / 3, (width, length)
        width *= 1.1


def test_scale_bar_survives_nonsense_widths():
    assert scale_bar_length(0) == SCALE_BAR_LENGTHS[0]
    assert scale_bar_length(float("nan")) == SCALE_BAR_LENGTHS[0]
    assert format_length(2_500) == "2,5\u00a0km"


# --- Empty data ---------------------------------------------------------------------------


def test_empty_snapshot_draws_every_chart_saying_there_were_no_observations():
    charts = draw_charts(make_empty_snapshot())
    assert list(charts) == list(CHART_KEYS)
    for key, chart in charts.items():
        assert NO_OBSERVATIONS in chart.alt, key
        if chart.mime == SVG:
            assert NO_OBSERVATIONS in svg_texts(chart.data), key
        else:
            width, height = png_size(chart.data)
            assert abs(width - 16 / 2.54 * 150) <= 1 and height > 0
    # The scene is still drawn, with its scale bar and north arrow.
    texts = svg_texts(charts["map"].data)
    assert "N" in texts
    assert any(text.endswith("\u00a0m") for text in texts)
    assert "Karta i SWEREF 99 TM över scenområdet Sergels torg, utan bakgrundskarta." in (
        charts["map"].alt
    )


def test_snapshot_without_any_sections_still_draws():
    charts = draw_charts({})
    assert all(NO_OBSERVATIONS in chart.alt for chart in charts.values())


def test_observations_without_groups_say_what_is_missing(snapshot):
    snapshot["who"]["groups"] = []
    chart = draw_groups(snapshot)
    assert "Inga berörda grupper angivna under perioden" in svg_texts(chart.data)
    assert NO_OBSERVATIONS not in chart.alt


def test_no_observations_now_but_some_before_still_compares(snapshot):
    for category in snapshot["what"]["categories"]:
        category["count"] = 0
    snapshot["what"]["total"] = 0
    chart = draw_categories(snapshot)
    texts = svg_texts(chart.data)
    assert NO_OBSERVATIONS in texts
    assert "Narkotikaförsäljning" in texts
    assert "Narkotikaförsäljning 0 (föregående period 90)" in chart.alt
