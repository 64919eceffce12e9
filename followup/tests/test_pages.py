"""The follow-up pages: who sees which follow-up (one rule), what they show, the exports,
no small count anywhere, and a fixed number of queries however much data there is."""

import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followup.figures import FollowUp, Scope, shown_cells
from followup.permissions import followup_scenes
from ods_platform.lib import suppression
from sara.demo import load_cases
from scenes.demo import load_scenes
from scenes.models import Scene

pytestmark = pytest.mark.django_db

SECTIONS = ["scenes", "sara", "methods", "completeness", "indicators"]


def url(name, **query):
    path = (
        reverse("followup:scenes") if name == "scenes" else reverse("followup:section", args=[name])
    )
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def demo(personas, method_catalogue):
    load_scenes(per_scene=40)
    load_cases()
    return {s.name.removesuffix(" (demo)"): s for s in Scene.objects.all()}


def test_who_follows_up_what(
    client, demo, stad_evaluator, regional_coordinator, stockholm_coordinator,
    botkyrka_coordinator, stockholm_field_worker, police_officer, stockholm, botkyrka,
):  # fmt: skip
    assert client.get(url("scenes")).status_code == 302  # to the log-in
    for user in (stockholm_field_worker, police_officer):
        client.force_login(user)
        assert client.get(url("scenes")).status_code == 403
    for user in (stad_evaluator, regional_coordinator):
        client.force_login(user)
        for name in SECTIONS:
            assert client.get(url(name)).status_code == 200, name
        assert client.get(url("scenes", municipality=botkyrka.pk)).status_code == 200
    client.force_login(stockholm_coordinator)
    assert client.get(url("scenes")).status_code == 200
    assert client.get(url("scenes", municipality=botkyrka.pk)).status_code == 404
    assert client.get(url("scenes", municipality="x")).status_code == 404
    assert client.get(url("nothing")).status_code == 404


def test_a_municipality_coordinator_sees_the_follow_up_of_its_own_scenes_only(
    client, demo, stockholm_coordinator, botkyrka_coordinator, stad_evaluator
):
    own = set(followup_scenes(stockholm_coordinator).values_list("name", flat=True))
    assert own == {"Sergels torg (demo)", "Medborgarplatsen (demo)"}
    assert set(followup_scenes(botkyrka_coordinator).values_list("name", flat=True)) == {
        "Fittja centrum (demo)"
    }
    assert followup_scenes(stad_evaluator).count() == 8
    client.force_login(stockholm_coordinator)
    page = client.get(url("scenes")).content.decode()
    table = page[page.index('id="status_by_municipality"') :]
    table = table[: table.index("</section>")]
    assert "Stockholms stad" in table and "Botkyrka" not in table and "Solna" not in table
    assert 'value=""' not in page  # no county-wide choice for a municipality
    csv = client.get(url("scenes", table="status_by_municipality", format="csv"))
    assert csv.content.decode("utf-8-sig").splitlines()[1].startswith("Stockholms stad,")


def test_no_count_below_five_on_any_page_or_export(client, demo, stad_evaluator):
    client.force_login(stad_evaluator)
    for name in SECTIONS:
        page = client.get(url(name)).content.decode()
        for cell in re.findall(r'<td class="num[^"]*">([^<]*)</td>', page):
            text = cell.strip().replace("\u00a0", "")
            assert not re.fullmatch(r"[1-4]", text), (name, cell)
        book = openpyxl.load_workbook(io.BytesIO(client.get(url(name, format="xlsx")).content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows(min_row=2, values_only=True):
                for value in row:
                    assert not (isinstance(value, int | float) and 0 < value < 5), (name, row)


def test_the_tables_hold_no_count_the_rule_withholds(demo, stad_evaluator):
    ids = tuple(followup_scenes(stad_evaluator).values_list("pk", flat=True))
    from django.utils import timezone

    figures = FollowUp(Scope(stad_evaluator, ids, None, timezone.localdate()))
    tables = [*figures.scene_tables(), *figures.sara_tables(), figures.what_worked(),
              figures.effects(), figures.completeness(), figures.indicators()]  # fmt: skip
    for table in tables:
        for cell in shown_cells(table):
            assert (
                cell.withheld
                or cell.value is None
                or cell.as_text
                or not (suppression.is_small(cell.value))
            ), (table.key, cell)


def test_the_workbook_has_a_sheet_per_table_and_one_that_explains_the_columns(
    client, demo, stad_evaluator
):
    client.force_login(stad_evaluator)
    response = client.get(url("sara", format="xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[-1] == "Kolumner"
    assert len(book.sheetnames) == 5
    explained = {(r[0], r[1]) for r in book["Kolumner"].iter_rows(min_row=2, values_only=True)}
    for sheet in book.worksheets[:-1]:
        headers = next(sheet.iter_rows(values_only=True))
        for header in headers:
            assert any(h == header for _t, h in explained), header


def test_every_chart_has_its_table_an_aria_description_and_the_svg_renderer(
    client, demo, stad_evaluator
):
    client.force_login(stad_evaluator)
    page = client.get(url("scenes")).content.decode()
    pattern = (
        r'<div class="chart chart--table" data-chart="table" '
        r'data-source="([a-z_]+)-chart" role="img" aria-label="([^"]+)"'
    )
    charts = dict(re.findall(pattern, page))
    assert set(charts) >= {"status_by_quarter", "symptoms"}
    for key in charts:
        assert f'id="{key}-chart"' in page and f'id="{key}-caption"' in page
    # The description names the table and its figures.
    assert charts["symptoms"].startswith("Symtom vid den senaste bedömningen. ")
    assert "Platsen upplevs som otrygg: Andel" in charts["symptoms"]
    with open("static/js/charts.js") as script_file:
        script = script_file.read()
    assert 'renderer: "svg"' in script and "decal: { show: true }" in script


def test_the_pages_run_a_fixed_number_of_queries(client, demo, stad_evaluator, personas):
    client.force_login(stad_evaluator)
    for name in SECTIONS:
        client.get(url(name))
    counts = {}
    for name in SECTIONS:
        with CaptureQueriesContext(connection) as queries:
            client.get(url(name))
        counts[name] = len(queries)
    # Much more data: more observations at every scene, more scenes.
    from scenes.demo import load_scenes as load

    Scene.objects.filter(name="Solna station (demo)").update(name="Hagalund (demo)")
    load(per_scene=80)
    load_cases()
    for name in SECTIONS:
        with CaptureQueriesContext(connection) as queries:
            client.get(url(name))
        assert len(queries) == counts[name], name


def test_the_start_page_leads_those_who_follow_up_there(
    client, demo, stad_evaluator, police_officer
):
    client.force_login(stad_evaluator)
    page = client.get(reverse("home")).content.decode()
    assert reverse("followup:scenes") in page and "Utvärderingsrapporter" in page
    client.force_login(police_officer)
    assert reverse("followup:scenes") not in client.get(reverse("home")).content.decode()
