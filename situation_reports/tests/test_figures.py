"""Planted facts read back from every surface: the scene page, the API and the PDF.

A new scene gets observations with known answers (600 with Thursday 22–23 holding 150; a
scene with 4; grids of 3 and 300 cells), and each surface must state the same figure in the
same words, or say why it states none."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ods_platform.lib import formatting
from scenes import analysis, wording
from scenes.models import SWEREF99TM, Observation
from scenes.services import create_scene
from situation_reports import services
from situation_reports.snapshot import build_snapshot
from situation_reports.tasks import render

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/Stockholm")
NBSP = "\u00a0"
# A point in central Stockholm in SWEREF 99 TM (metres), on a 50 m cell corner + 25.
ORIGIN = (674_025.0, 6_580_025.0)


def _wgs84(x: float, y: float) -> Point:
    point = Point(x, y, srid=SWEREF99TM)
    point.transform(4326)
    return point


def _boundary(width_m: float, height_m: float) -> MultiPolygon:
    x0, y0 = ORIGIN[0] - 100, ORIGIN[1] - 100
    x1, y1 = ORIGIN[0] + width_m + 100, ORIGIN[1] + height_m + 100
    ring = [_wgs84(x, y).coords for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    return MultiPolygon(Polygon(ring), srid=4326)


def plant_scene(by, municipality, name, *, width_m=200, height_m=200):
    return create_scene(
        by=by,
        name=name,
        municipality=municipality,
        area_type="city",
        place_type="torgyta",
        status="aktiv",
        boundary=_boundary(width_m, height_m),
        identified_on=date(2024, 1, 1),
    )


def observation(scene, user, org, moment: datetime, cell=(0, 0), **fields) -> Observation:
    x, y = ORIGIN[0] + 50 * cell[0], ORIGIN[1] + 50 * cell[1]
    return Observation(
        scene=scene,
        location=_wgs84(x, y),
        occurred_at=moment,
        category=fields.pop("category", "narkotikaforsaljning"),
        source="egen",
        insecurity=3,
        reported_by=user,
        organisation=org,
        **fields,
    )


def local(day: date, hour: int, minute: int = 10) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def pdf_text(report) -> str:
    pdf = render(build_snapshot(report))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", " ", text.replace(NBSP, " ").replace("\u202f", " "))


def plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " ").replace(NBSP, " "))


def request(user, scene, start: date, end: date):
    with transaction.atomic():
        return services.request_report(user, scope="scene", scene=scene, start=start, end=end)


@pytest.fixture
def stockholm(reference_orgs):
    return reference_orgs["kommun-0180"]


@pytest.fixture
def period():
    """12 whole weeks ending yesterday, and the 12 weeks before (fully covered by data)."""
    end = timezone.localdate() - timedelta(days=1)
    return end - timedelta(days=83), end


@pytest.fixture
def thursday_scene(stockholm_coordinator, stockholm, period):
    """600 observations in the period, Thursday 22–23 holding 150; 500 in the period before."""
    start, _end = period
    scene = plant_scene(stockholm_coordinator, stockholm, "Plantorget")
    days = [start + timedelta(days=i) for i in range(84)]
    thursdays = [d for d in days if d.weekday() == 3]
    rows = []
    for i in range(150):  # the planted peak
        rows.append(
            observation(
                scene, stockholm_coordinator, stockholm, local(thursdays[i % 12], 22, i % 60)
            )
        )
    # 450 spread evenly over every other weekday × hour of the period.
    others = [(d, h) for d in days for h in range(24) if not (d.weekday() == 3 and h == 22)]
    step = len(others) / 450
    for i in range(450):
        day, hour = others[int(i * step)]
        rows.append(observation(scene, stockholm_coordinator, stockholm, local(day, hour), (1, 1)))
    for i in range(500):  # the previous period, evenly
        day = start - timedelta(days=84) + timedelta(days=i % 84)
        rows.append(observation(scene, stockholm_coordinator, stockholm, local(day, i % 24)))
    Observation.objects.bulk_create(rows)
    return scene


PEAK = "torsdagar kl. 22–23: 150 observationer (25 %)"


def test_the_planted_peak_is_named_first_with_count_and_share_everywhere(
    client, stockholm_coordinator, thursday_scene, period
):
    start, end = period
    client.force_login(stockholm_coordinator)
    html = client.get(
        reverse("scenes:scene_detail", args=[thursday_scene.pk]),
        {"start": start.isoformat(), "end": end.isoformat()},
    ).content.decode()
    peaks = plain(re.search(r'id="peaks">(.*?)</p>', html, re.S).group(1))
    assert peaks.startswith(f"Toppar i veckan: {PEAK}")
    # Noise is not named beside it: one slot stands out.
    assert peaks.count("observationer (") <= 3
    assert "Förändring +20 % (600 mot 500 under föregående period)." in plain(html)

    api = APIClient()
    api.force_authenticate(stockholm_coordinator)
    data = api.get(
        f"/api/v1/scenes/{thursday_scene.pk}/analysis/",
        {"start": start.isoformat(), "end": end.isoformat()},
    ).json()
    top = data["peaks"]["slots"][0]
    assert (top["weekday"], top["hour"], top["count"], top["stands_out"]) == (3, 22, 150, True)
    assert top["share"] == 0.25
    assert [s for s in data["peaks"]["slots"] if s["stands_out"]] == [top]
    assert data["statements"]["peaks"].replace(NBSP, " ").startswith(f"Toppar i veckan: {PEAK}")
    assert data["change"]["stated"] and round(data["change"]["value"], 2) == 0.2

    text = pdf_text(request(stockholm_coordinator, thursday_scene, start, end))
    assert f"Toppar i veckan: {PEAK}" in text
    assert "Förändring +20 % (600 mot 500 under föregående period)." in text


def test_a_four_observation_scene_states_no_share_peak_hotspot_or_change(
    client, stockholm_coordinator, stockholm, period
):
    start, end = period
    scene = plant_scene(stockholm_coordinator, stockholm, "Fåtorget")
    moments = [local(end - timedelta(days=i), 22) for i in range(3)]
    Observation.objects.bulk_create(
        [observation(scene, stockholm_coordinator, stockholm, m, (i % 2, 0)) for i, m in
         enumerate(moments)]
        + [observation(scene, stockholm_coordinator, stockholm, local(start, 12))]
        + [observation(scene, stockholm_coordinator, stockholm, local(start - timedelta(3), 12))]
    )  # fmt: skip
    why = "Bara 4 observationer under perioden, färre än 30"

    client.force_login(stockholm_coordinator)
    html = plain(
        client.get(
            reverse("scenes:scene_detail", args=[scene.pk]),
            {"start": start.isoformat(), "end": end.isoformat()},
        ).content.decode()
    )
    assert why in html
    assert "Koncentration:" not in html and "Toppar" not in html
    assert "Ingen hotspot anges" in html and "Ingen topp anges" in html
    assert "Ingen förändring anges" in html
    assert not re.search(r"\d+ %", html.split("Symtom")[0])

    api = APIClient()
    api.force_authenticate(stockholm_coordinator)
    data = api.get(
        f"/api/v1/scenes/{scene.pk}/analysis/",
        {"start": start.isoformat(), "end": end.isoformat()},
    ).json()
    assert data["observations"] == 4 and data["enough_data"] is False
    assert data["peaks"] is data["hotspots"] is data["concentration"] is None
    assert data["map_classes"] == []
    assert all(row["share"] is None for row in data["categories"] + data["groups"])
    assert data["change"]["stated"] is False and data["change"]["reason"] == "not_covered"
    assert why in data["statements"]["thin_data"]

    text = pdf_text(request(stockholm_coordinator, scene, start, end))
    assert why in text
    assert "Ingen hotspot anges" in text and "Ingen topp anges" in text
    assert "Ingen koncentration anges" in text
    assert "Koncentration: " not in text and "Toppar i veckan" not in text
    assert not re.search(r"\d+ % ", text.split("Platsen och hur den används")[0])
    assert not re.search(r"Förändring [+−]\d", text)


def _grid(scene, user, org, day, cells, extra):
    """One observation in each cell, and `extra` more in cell (0, 0)."""
    rows = [observation(scene, user, org, local(day, 12), cell) for cell in cells]
    rows += [observation(scene, user, org, local(day, 13), (0, 0)) for _ in range(extra)]
    Observation.objects.bulk_create(rows)


@pytest.mark.parametrize(
    ("columns", "rows", "extra", "sentence"),
    [
        # 3 cells, 38 observations: the busiest one of 3 (33 %) holds 36 of 38.
        (3, 1, 35, "Koncentration: den mest belastade av 3 celler (33 %) har 95 % av "
         "observationerna."),
        # 300 cells, 330 observations: 30 of 300 (10 %) hold 30 + 30 of 330.
        (20, 15, 30, "Koncentration: de 30 mest belastade av 300 celler (10 %) har 18 % av "
         "observationerna."),
    ],
)  # fmt: skip
def test_the_concentration_sentence_is_true_for_3_cells_and_for_300(
    client, stockholm_coordinator, stockholm, period, columns, rows, extra, sentence
):
    start, end = period
    scene = plant_scene(
        stockholm_coordinator, stockholm, f"Rutnät {columns}",
        width_m=50 * columns, height_m=50 * rows,
    )  # fmt: skip
    cells = [(i, j) for i in range(columns) for j in range(rows)]
    _grid(scene, stockholm_coordinator, stockholm, end, cells, extra)
    result = analysis.analyse_period(Observation.objects.filter(scene=scene), start, end)
    assert result.concentration.cells == columns * rows
    client.force_login(stockholm_coordinator)
    html = plain(
        client.get(
            reverse("scenes:scene_detail", args=[scene.pk]),
            {"start": start.isoformat(), "end": end.isoformat()},
        ).content.decode()
    )
    assert sentence in html
    assert sentence in pdf_text(request(stockholm_coordinator, scene, start, end))


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def test_partial_months_are_marked_on_the_page_in_the_api_and_in_the_pdf(
    client, stockholm_coordinator, thursday_scene, period
):
    # Inside the planted data: from the 3rd of a month to the 1st of the month after next.
    first = _next_month(period[0] - timedelta(days=84))
    start, end = first + timedelta(days=2), _next_month(_next_month(first))
    whole = _next_month(first)
    first_days = (whole - first).days
    client.force_login(stockholm_coordinator)
    html = plain(
        client.get(
            reverse("scenes:scene_detail", args=[thursday_scene.pk]),
            {"start": start.isoformat(), "end": end.isoformat()},
        ).content.decode()
    )
    cut_start = f"{formatting.month(first)} (del: {first_days - 2} av {first_days} dagar)"
    cut_end = f"{formatting.month(end)} (del: 1 av "
    assert cut_start in html and cut_end in html
    assert f"{formatting.month(whole)} (del" not in html

    api = APIClient()
    api.force_authenticate(stockholm_coordinator)
    months = api.get(
        f"/api/v1/scenes/{thursday_scene.pk}/analysis/",
        {"start": start.isoformat(), "end": end.isoformat()},
    ).json()["months"]
    assert [(m["days"], m["partial"]) for m in months] == [
        (first_days - 2, True),
        ((_next_month(whole) - whole).days, False),
        (1, True),
    ]
    text = pdf_text(request(stockholm_coordinator, thursday_scene, start, end))
    assert cut_start in text and cut_end in text


def test_a_change_is_not_stated_when_the_data_begins_inside_the_previous_period(
    stockholm_coordinator, stockholm, period
):
    start, end = period
    scene = plant_scene(stockholm_coordinator, stockholm, "Nytorget")
    user, org = stockholm_coordinator, stockholm
    rows = [
        observation(scene, user, org, local(start + timedelta(days=i % 84), 20)) for i in range(100)
    ] + [
        observation(scene, user, org, local(start - timedelta(days=1 + i % 10), 20))
        for i in range(40)
    ]
    Observation.objects.bulk_create(rows)
    result = analysis.analyse_period(Observation.objects.filter(scene=scene), start, end)
    assert result.change.value is None and result.change.reason == "not_covered"
    first = start - timedelta(days=10)
    assert wording.change(result.change) == (
        "Ingen förändring anges: underlaget börjar "
        f"{analysis_date(first)}, så föregående period täcks inte helt."
    )


def analysis_date(day: date) -> str:
    return formatting.date(day)
