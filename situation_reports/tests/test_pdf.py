"""The lägesbild PDF: content, accessibility metadata, escaping and the no-network fetcher.

No database is needed: the PDF is drawn from a snapshot dict and charts made up here. The
sample is rendered once per module (about half a second) and read back with poppler's
`pdftotext` and `pdfinfo`.
"""

from __future__ import annotations

import base64
import logging
import re
import struct
import subprocess
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetchingError, fetch

from situation_reports.pdf import (
    STATIC_BASE_URL,
    RefusedURL,
    StaticOnlyFetcher,
    render_html,
    render_pdf,
)
from situation_reports.tests.samples import empty_snapshot, sample_snapshot

STYLESHEET_URL = STATIC_BASE_URL + "css/report-print.css"

SECTION_HEADINGS = [
    "Underlag och begränsningar",
    "Vad? Problembild",
    "Var? Platser och hotspots",
    "När? Tid på dygnet och veckan",
    "Vem drabbas?",
    "Hotspots och symtom",
    "Platsen och hur den används",
    "Pågående arbete",
]

HOSTILE_IMG = '<img src="http://example.com/x.png">'
HOSTILE_LINK = '<link rel=stylesheet href="file:///etc/passwd">'
PLAIN_URL = "https://example.com/rapport?id=1"


# --- Fake charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeChart:
    """Same shape as situation_reports.charts.Chart."""

    key: str
    mime: str
    data: bytes
    alt: str
    caption: str

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def _svg(label: str) -> bytes:
    bars = "".join(
        f'<rect x="{30 + i * 50}" y="{200 - 20 * i}" width="30" height="{20 * i}" fill="#14304f"/>'
        for i in range(1, 8)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="420pt" height="220pt" '
        f'viewBox="0 0 420 220">{bars}'
        f'<text x="10" y="20" font-family="DejaVu Sans" font-size="12">{label}</text></svg>'
    ).encode()


def _png(width: int = 40, height: int = 30) -> bytes:
    """A small, valid, grey RGB PNG, made by hand."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x99\xaa\xbb" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def fake_charts() -> dict[str, FakeChart]:
    charts = {
        key: FakeChart(
            key, "image/svg+xml", _svg(key), f"Diagram {key}: text för skärmläsare", f"Figur {key}"
        )
        for key in ("categories", "trend", "time_matrix", "groups", "insecurity")
    }
    charts["map"] = FakeChart(
        "map", "image/png", _png(), "Karta över Testtorget med rutor", "Karta: observationer"
    )
    return charts


# --- Helpers --------------------------------------------------------------------------------


def _words(text: str) -> str:
    """Whitespace of any kind (line breaks, narrow no-break spaces) as single spaces."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def pdf_info(pdf: bytes, *args: str) -> str:
    result = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", *args, "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def pdf_objects(pdf: bytes) -> bytes:
    """The file with every Flate stream inflated: the catalog may sit in an object stream."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(match[1]))
        except zlib.error:
            continue
    return b"\n".join(parts)


class _Recorder:
    """Spies on StaticOnlyFetcher.fetch: every URL WeasyPrint asks for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.urls: list[str] = []
        original = StaticOnlyFetcher.fetch
        recorder = self

        def spy(self, url, headers=None):
            recorder.urls.append(url)
            return original(self, url, headers)

        monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)

    def non_data(self) -> list[str]:
        return [url for url in self.urls if not url.startswith("data:")]


class _Structure(HTMLParser):
    """Collects what the accessibility checks need from the rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str | None]] = []
        self.tables: list[dict] = []
        self._stack: list[dict] = []
        self._in_thead = False
        self.html_lang: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "img":
            self.imgs.append(attributes)
        elif tag == "table":
            table = {"caption": False, "thead": False, "head_cells": [], "col_headers": 0}
            self.tables.append(table)
            self._stack.append(table)
        elif self._stack:
            table = self._stack[-1]
            if tag == "caption":
                table["caption"] = True
            elif tag == "thead":
                table["thead"] = True
                self._in_thead = True
            elif tag == "th" and self._in_thead:
                table["head_cells"].append(attributes.get("scope"))

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_thead = False
        elif tag == "table" and self._stack:
            self._stack.pop()


def structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


# --- The sample, rendered once --------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered():
    with pytest.MonkeyPatch.context() as monkeypatch:
        recorder = _Recorder(monkeypatch)
        snapshot = sample_snapshot()
        charts = fake_charts()
        html = render_html(snapshot, charts)
        pdf = render_pdf(snapshot, charts)
    text = pdf_text(pdf)
    return SimpleNamespace(
        snapshot=snapshot, html=html, pdf=pdf, text=text, words=_words(text), urls=recorder.urls
    )


def test_sample_is_a_pdf_with_every_section_in_order(rendered):
    assert rendered.pdf.startswith(b"%PDF-1.7")
    positions = [rendered.words.find(heading) for heading in SECTION_HEADINGS]
    assert -1 not in positions, dict(zip(SECTION_HEADINGS, positions, strict=True))
    assert positions == sorted(positions)
    for subheading in ("Hotspots", "Delplatser", "Upplevd otrygghet", "Öppna SARA-ärenden"):
        assert subheading in rendered.words


def test_sample_numbers_are_swedish(rendered):
    words = rendered.words
    # Total with a thousands space, the top category and its change, the previous total.
    assert "1 248 observationer under perioden" in words
    # A version 1 snapshot did not record how far its data reaches: no change is stated.
    assert "Narkotikaförsäljning 402 356 –" in words
    assert "Totalt 1 248 1 157 –" in words
    assert "Ingen förändring anges: rapporten sparades innan plattformen registrerade" in words
    # The busiest hotspot: rank, count, share, sub-place, position with decimal commas.
    assert "1 212 17 % Tunnelbaneentrén 59,32266° N, 18,05751° Ö" in words
    # The peaks by the stated rule, the concentration in words.
    assert "Toppar under dygnet: kl. " in words
    assert "En tid anges som topp bara när" in words
    assert "Koncentration: de 5 mest belastade av 48 celler (10 %) har 56 % av" in words
    # Insecurity: mean and previous mean, one decimal.
    assert "Medelvärde 3,1 på skalan 1 (knappt otrygg) till 5 (mycket otrygg), mot 2,9" in words
    # Cover: who asked, when, and the sources.
    assert "Anna Lindqvist, Stockholms stad" in words
    assert "26 nov. 2026 kl. 06:15" in words
    assert "Dagar med observationer: 88 av periodens 90." in words
    assert "SL Trygghetscentral 412 33 %" in words
    assert (
        "Larm till SL Trygghetscentral Region Stockholm, Trafikförvaltningen Inga värden" in words
    )
    # Thousands are apart by one separator, the no-break space, in the HTML itself.
    assert "1\u00a0248" in rendered.html  # one thousands separator everywhere (U+00A0)
    assert "\u202f" not in rendered.html
    assert "1248" not in rendered.html


def test_sample_says_what_it_does_not_know(rendered):
    assert "Det här vet lägesbilden inte" in rendered.words
    for limit in rendered.snapshot["sources"]["limits"]:
        assert _words(limit) in rendered.words


def test_sample_shows_symptoms_place_and_work(rendered):
    words = rendered.words
    assert "Senaste symtombedömning 14 oktober 2026, gjord av Stockholms stad" in words
    assert "Tillkommit: Unga avråds från att vistas på platsen" in words
    assert "Försvunnit: Allmänheten undviker platsen" in words
    assert "Stockholms stad (ledande)" in words
    assert "Trapphuset vid garaget: Trapphuset mellan garaget och torget, dåligt upplyst." in words
    assert "Förbättrad belysning vid tunnelbaneentrén" in words
    assert "skulle vara klar 1 november 2026" in words
    assert "Stockholms stad 1 2 1 0 1" in words


def test_sample_pdf_is_tagged_titled_and_swedish(rendered):
    info = pdf_info(rendered.pdf)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert re.search(r"^PDF version:\s+1\.7$", info, re.MULTILINE)
    title = re.search(r"^Title:\s+(.*)$", info, re.MULTILINE)
    assert title and title[1] == rendered.snapshot["title"]
    assert "Anna Lindqvist" in info  # Author
    objects = pdf_objects(rendered.pdf)
    assert b"/Lang (sv)" in objects
    assert b"/DisplayDocTitle true" in objects
    xmp = pdf_info(rendered.pdf, "-meta")
    assert 'pdfuaid:part="1"' in xmp


def test_sample_pdf_pages_are_numbered(rendered):
    pages = int(re.search(r"^Pages:\s+(\d+)$", pdf_info(rendered.pdf), re.MULTILINE)[1])
    assert pages > 1
    assert f"Sida 1 av {pages}" in rendered.words
    assert f"Sida {pages} av {pages}" in rendered.words


def test_sample_fetches_only_the_stylesheet_and_data_uris(rendered):
    assert rendered.urls.count(STYLESHEET_URL) >= 1
    assert all(url == STYLESHEET_URL or url.startswith("data:image/") for url in rendered.urls), (
        rendered.urls
    )
    # All six charts were fetched from their data: URIs.
    assert len([url for url in rendered.urls if url.startswith("data:")]) >= 6


def test_html_is_accessible(rendered):
    for html in (rendered.html, render_html(empty_snapshot(), {})):
        found = structure(html)
        assert found.html_lang == "sv"
        for img in found.imgs:
            assert (img.get("alt") or "").strip(), img
            assert (img.get("src") or "").startswith("data:image/")
        for table in found.tables:
            assert table["caption"], table
            assert table["thead"], table
            assert table["head_cells"] and set(table["head_cells"]) == {"col"}, table
    sample = structure(rendered.html)
    assert len(sample.imgs) == 6
    assert len(sample.tables) >= 10
    assert f"<title>{rendered.snapshot['title']}</title>" in rendered.html


def test_missing_or_unreadable_charts_are_left_out(caplog):
    charts = fake_charts()
    del charts["trend"]
    charts["groups"] = FakeChart("groups", "image/svg+xml", _svg("g"), "  ", "utan alt")
    charts["insecurity"] = FakeChart("insecurity", "text/html", b"<p>x</p>", "alt", "")
    with caplog.at_level(logging.WARNING, logger="situation_reports.pdf"):
        html = render_html(sample_snapshot(), charts)
    assert len(structure(html).imgs) == 3
    assert "chart-trend" not in html and "chart-groups" not in html
    assert "'groups' left out" in caplog.text and "'insecurity' left out" in caplog.text
    assert "<img" not in render_html(sample_snapshot(), {})


# --- Free text is text ----------------------------------------------------------------------


def test_free_text_is_escaped_and_fetches_nothing(monkeypatch, caplog):
    hostile = f"Före {HOSTILE_IMG} mitten {HOSTILE_LINK} och {PLAIN_URL} efter."
    snapshot = sample_snapshot()
    snapshot["place"]["scenes"][0]["description"] = hostile
    snapshot["hotspot"]["symptoms"][0]["latest"]["comment"] = hostile
    snapshot["sources"]["limits"].append(hostile)
    snapshot["what"]["categories"][0]["label"] = HOSTILE_IMG
    snapshot["work"]["overdue"][0]["title"] = HOSTILE_LINK
    snapshot["place"]["scenes"][0]["places"][0]["name"] = '<script>alert("x")</script>'
    recorder = _Recorder(monkeypatch)

    with caplog.at_level(logging.WARNING):
        html = render_html(snapshot, fake_charts())
        pdf = render_pdf(snapshot, fake_charts())

    # Escaped in the HTML: no element was made from the text.
    assert "&lt;img src=&quot;http://example.com/x.png&quot;&gt;" in html
    assert "http://example.com/x.png" not in "".join(
        img.get("src") or "" for img in structure(html).imgs
    )
    assert '<link rel=stylesheet href="file:///etc/passwd">' not in html
    assert "<script>" not in html
    # Printed as the characters typed.
    words = _words(pdf_text(pdf))
    assert _words(hostile) in words
    assert HOSTILE_LINK in words
    assert '<script>alert("x")</script>' in words
    # And nothing was asked for but our stylesheet and the charts.
    assert recorder.non_data() == [STYLESHEET_URL], recorder.non_data()
    assert not any("example.com" in url or "file:" in url for url in recorder.urls)
    assert "refused to fetch" not in caplog.text


def test_the_title_is_escaped_too():
    title = 'Lägesbild <b>"Torget"</b> & co'
    html = render_html(sample_snapshot(title=title), {})
    assert "<title>Lägesbild &lt;b&gt;&quot;Torget&quot;&lt;/b&gt; &amp; co</title>" in html
    info = pdf_info(render_pdf(sample_snapshot(title=title), {}))
    assert re.search(r"^Title:\s+(.*)$", info, re.MULTILINE)[1] == title


# --- The fetcher ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "https://example.com/static/css/report-print.css",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://example.com/x.css",
        "gopher://example.com/",
        "http://ods.invalid/static/css/report-print.css",
        "https://user@ods.invalid/static/css/report-print.css",
        "https://ods.invalid:8443/static/css/report-print.css",
        "https://ods.invalid/etc/passwd",
        "https://ods.invalid/static/../../etc/passwd",
        "https://ods.invalid/static/css/../../../etc/passwd",
        "https://ods.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://ods.invalid/static/..%2f..%2fods_platform/settings.py",
        "https://ods.invalid/static/css%5c..%5c..%5cetc/passwd.css",
        "https://ods.invalid/static//etc/passwd.css",
        "https://ods.invalid/static/",
        "https://ods.invalid/static/js/nothing.js",
        "data-but-not:image/png;base64,AAAA",
        "data:image/png;base64",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files(url, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="situation_reports.pdf"),
        pytest.raises(RefusedURL),
    ):
        StaticOnlyFetcher().fetch(url)
    assert "refused to fetch" in caplog.text


def test_fetcher_never_opens_a_connection(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the fetcher tried to open a connection")

    monkeypatch.setattr("urllib.request.OpenerDirector.open", no_network)
    monkeypatch.setattr("socket.create_connection", no_network)
    fetcher = StaticOnlyFetcher()
    for url in ("http://example.com/", "https://example.com/", "file:///etc/passwd"):
        with pytest.raises(RefusedURL):
            fetcher(url)
    assert fetcher(STYLESHEET_URL).read()


def test_refusals_are_not_fatal_to_weasyprint():
    """WeasyPrint turns a refusal into its ordinary "could not load" error and goes on."""
    with pytest.raises(URLFetchingError), fetch(StaticOnlyFetcher(), "http://example.com/x"):
        pass


def test_fetcher_serves_the_print_stylesheet():
    response = StaticOnlyFetcher().fetch(STYLESHEET_URL)
    assert response.content_type == "text/css"
    assert response.charset == "utf-8"
    assert response.read() == Path(finders.find("css/report-print.css")).read_bytes()
    # A path made of safe segments, percent-encoded, is fine too.
    assert StaticOnlyFetcher().fetch(STATIC_BASE_URL + "css/report%2Dprint.css").read()


def test_fetcher_reports_a_missing_static_file_without_refusing(caplog):
    with (
        caplog.at_level(logging.WARNING, logger="situation_reports.pdf"),
        pytest.raises(FileNotFoundError),
    ):
        StaticOnlyFetcher().fetch(STATIC_BASE_URL + "css/no-such-file.css")
    assert "refused to fetch" not in caplog.text


def test_fetcher_serves_data_uris():
    png = _png()
    response = StaticOnlyFetcher().fetch("data:image/png;base64," + base64.b64encode(png).decode())
    assert response.content_type == "image/png"
    assert response.read() == png
    svg = StaticOnlyFetcher().fetch("data:image/svg+xml,%3Csvg%20xmlns%3D%22x%22%2F%3E")
    assert svg.content_type == "image/svg+xml"
    assert svg.read() == b'<svg xmlns="x"/>'
    assert StaticOnlyFetcher().fetch("data:,hej").read() == b"hej"


# --- The empty report -----------------------------------------------------------------------


def test_empty_snapshot_renders_and_says_so():
    pdf = render_pdf(empty_snapshot(), fake_charts())
    words = _words(pdf_text(pdf))
    assert "Inga observationer under perioden" in words
    for heading in SECTION_HEADINGS:
        assert heading in words
    assert "Ingen symtombedömning" in words
    assert "Inga öppna SARA-ärenden" in words
    assert "Att inga observationer finns betyder inte att inget har hänt" in words
    info = pdf_info(pdf)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    # Nothing to show, so the sections follow one another instead of a page each.
    assert int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)[1]) <= 3


def test_empty_snapshot_leaves_out_charts_with_nothing_on_them():
    assert "<img" not in render_html(empty_snapshot(), fake_charts())
    # A map with the scene's outline still tells where the scene is.
    snapshot = empty_snapshot()
    snapshot["where"]["map"]["scenes"] = sample_snapshot()["where"]["map"]["scenes"]
    imgs = structure(render_html(snapshot, fake_charts())).imgs
    assert [img["alt"] for img in imgs] == [fake_charts()["map"].alt]


def test_unknown_snapshot_version_is_refused():
    with pytest.raises(ValueError, match="version"):
        render_html(sample_snapshot(version=99), {})


# --- Formatting: ods_platform/tests/test_formatting.py tests the one formatting module --------


# --- The samples others reuse ---------------------------------------------------------------


def test_samples_are_consistent():

    s = sample_snapshot()
    total = s["sources"]["observations"]
    assert total == s["what"]["total"] == s["hotspot"]["concentration"]["observations"]
    for rows in (
        s["sources"]["by_source"],
        s["sources"]["by_organisation"],
        s["where"]["places"],
        s["what"]["categories"],
        s["when"]["trend"],
    ):
        assert sum(row["count"] for row in rows) == total
    assert sum(c["previous"] for c in s["what"]["categories"]) == s["what"]["previous_total"]
    assert sum(map(sum, s["when"]["matrix"])) == total
    assert sum(s["who"]["insecurity"]["distribution"]) == total
    assert sum(c["count"] for c in s["where"]["map"]["cells"]) == total
    assert len(s["when"]["matrix"]) == 7 and {len(day) for day in s["when"]["matrix"]} == {24}
    cells = [c["count"] for c in s["where"]["map"]["cells"]]
    assert cells == sorted(cells, reverse=True)
    assert [h["count"] for h in s["where"]["hotspots"]] == cells[:10]
    concentration = s["hotspot"]["concentration"]
    assert concentration["cells"] == len(cells)
    assert concentration["top_observations"] == sum(cells[: concentration["top_cells"]])
    assert "Utan delplats" in {p["label"] for p in s["where"]["places"]}
    symptoms = s["hotspot"]["symptoms"][0]
    latest, previous = set(symptoms["latest"]["symptoms"]), set(symptoms["previous"]["symptoms"])
    assert set(symptoms["added"]) == latest - previous
    assert set(symptoms["removed"]) == previous - latest
    work = s["work"]
    assert sum(c["actions"] for c in work["cases"]) == sum(
        r["planned"] + r["ongoing"] + r["done"] + r["cancelled"]
        for r in work["actions_by_organisation"]
    )
    assert sum(c["open_actions"] for c in work["cases"]) == sum(
        r["planned"] + r["ongoing"] for r in work["actions_by_organisation"]
    )
    assert len(work["overdue"]) == sum(c["overdue_actions"] for c in work["cases"]) == 1

    empty = empty_snapshot()
    assert empty.keys() == s.keys()
    for section in ("sources", "what", "where", "when", "who", "hotspot", "place", "work"):
        assert empty[section].keys() == s[section].keys(), section
    assert empty["who"]["insecurity"]["mean"] is None
    assert empty["hotspot"]["concentration"]["share"] is None


def test_samples_are_fresh_copies_and_take_overrides():
    first = sample_snapshot()
    first["what"]["categories"].clear()
    assert sample_snapshot()["what"]["categories"]
    changed = sample_snapshot(title="Annan titel", sources={"limits": ["En gräns."]})
    assert changed["title"] == "Annan titel"
    assert changed["sources"]["limits"] == ["En gräns."]
    assert changed["sources"]["observations"] == 1248
