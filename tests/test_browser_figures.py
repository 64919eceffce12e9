"""Charts and the offline basemap in a real browser, under the strict CSP.

The scene page draws its monthly trend and weekday × hour profile with ECharts (SVG, an ARIA
description, the table beside it) and, when an operator configures one, the PMTiles basemap
served by the platform; no Content-Security-Policy violation may be reported."""

import json
import re
import struct

import pytest
from django.urls import reverse

from scenes.demo import load_scenes
from scenes.models import Scene

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def write_pmtiles(path) -> None:
    """A valid PMTiles v3 archive with one (empty) vector tile at z0, uncompressed
    directories: enough for the client to read its header, directory and metadata."""
    tile = b""  # an empty MVT tile is an empty protobuf message
    directory = _varint(1) + _varint(0) + _varint(1) + _varint(len(tile)) + _varint(0)
    metadata = json.dumps({"name": "test", "vector_layers": []}).encode()
    header_len = 127
    root_offset = header_len
    meta_offset = root_offset + len(directory)
    data_offset = meta_offset + len(metadata)
    header = b"PMTiles" + bytes([3])
    header += struct.pack(
        "<QQQQQQQQQQQ",
        root_offset, len(directory), meta_offset, len(metadata), 0, 0,
        data_offset, len(tile), 1, 1, 1,
    )  # fmt: skip
    # clustered, internal compression none (1), tile compression none (1), type mvt (1)
    header += bytes([1, 1, 1, 1, 0, 0])
    header += struct.pack("<iiii", int(17.5e7), int(59.0e7), int(18.5e7), int(59.6e7))
    header += bytes([0]) + struct.pack("<ii", int(18.0e7), int(59.3e7))
    assert len(header) == header_len, len(header)
    path.write_bytes(header + directory + metadata + tile)


@pytest.fixture
def scenes(personas):
    load_scenes(per_scene=60)
    return {s.name.removesuffix(" (demo)"): s for s in Scene.objects.all()}


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH_CSP)
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    return page


def test_scene_page_draws_its_charts_in_svg_without_a_csp_violation(
    watched, live_server, scenes, demo_password
):
    page = watched
    sergels = scenes["Sergels torg"]
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(
        f"{live_server.url}{reverse('scenes:scene_detail', args=[sergels.pk])}?start=2020-01-01"
    )
    for kind in ("matrix", "trend"):
        chart = page.locator(f"[data-chart='{kind}']")
        chart.scroll_into_view_if_needed()
        page.wait_for_selector(f"[data-chart='{kind}'][data-rendered='true'] svg")
        assert chart.get_attribute("aria-label")
    # The chart's ARIA description is the server's text; the table beside it says the same.
    assert "Observationer per månad" in page.locator("[data-chart='trend']").get_attribute(
        "aria-label"
    )
    assert page.locator("#months tbody tr").count() >= 1
    assert page.evaluate("window.__csp") == []
    assert axe_violations(page) == []


def test_the_offline_basemap_is_served_with_ranges_and_drawn_under_the_csp(
    watched, live_server, scenes, demo_password, settings, tmp_path
):
    archive = tmp_path / "stockholm.pmtiles"
    write_pmtiles(archive)
    settings.ODS_BASEMAP_PMTILES = str(archive)
    page = watched
    ranges = []
    page.on(
        "request",
        lambda r: ranges.append(r.headers.get("range")) if "basemap" in r.url else None,
    )
    sergels = scenes["Sergels torg"]
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('scenes:scene_detail', args=[sergels.pk])}")
    page.wait_for_selector("#scene-map[data-basemap='pmtiles']")
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some(e => e.name.includes('basemap.pmtiles'))")  # fmt: skip
    assert any(r and r.startswith("bytes=") for r in ranges)
    assert page.evaluate("window.__csp") == []


def test_indicator_series_is_drawn_beside_its_table(watched, live_server, scenes, demo_password):
    from datetime import date

    from scenes.models import Indicator, IndicatorValue

    sergels = scenes["Sergels torg"]
    indicator = Indicator.objects.create(scene=sergels, name="SL-händelser", unit="per månad")
    for month, value in ((9, 41), (10, 36), (11, 28)):
        IndicatorValue.objects.create(
            indicator=indicator,
            period_start=date(2026, month, 1),
            period_end=date(2026, month, 28),
            value=value,
        )
    page = watched
    log_in(page, live_server, "sthlm.samordnare", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{reverse('scenes:indicator_detail', args=[indicator.pk])}")
    page.wait_for_selector("[data-chart='indicator'][data-rendered='true'] svg")
    label = page.locator("[data-chart='indicator']").get_attribute("aria-label")
    assert "SL-händelser" in label and "41" in label
    assert page.evaluate("window.__csp") == []
    assert axe_violations(page) == []
