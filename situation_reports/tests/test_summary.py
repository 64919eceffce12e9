"""A municipality's or the county's lägesbild summarises: a table per municipality, the scenes
that changed most in short, an appendix row for every other scene, bounded lists of cases and
overdue actions; all inside what the requester may see, in a fixed number of queries."""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sara.models import Action, ActionStatus, Case
from scenes.models import Observation, Scene
from scenes.services import create_scene
from situation_reports import pdf, services, snapshot
from situation_reports.pdf import render_html, render_pdf
from situation_reports.snapshot import build_snapshot
from situation_reports.tests.samples import sample_snapshot

pytestmark = pytest.mark.django_db

# A period that is over on every day the tests run: the 30 days up to yesterday, compared
# with the 30 before them. Observations are planted in whole days' distance from now.
IN_PERIOD_DAYS_AGO = 5
IN_PREVIOUS_DAYS_AGO = 40


@pytest.fixture
def period():
    today = timezone.localdate()
    return today - timedelta(days=30), today - timedelta(days=1)


@pytest.fixture
def top_two(settings):
    settings.ODS_REPORT_TOP_SCENES = 2


def plant(scene: Scene, now: int, previous: int, organisation, *, duplicates: int = 0) -> None:
    """`now` observations in the period, `previous` in the one before, and `duplicates`
    linked to one of the period's (counted nowhere)."""
    at = timezone.now()
    rows = [
        Observation(
            scene=scene,
            location=scene.boundary.point_on_surface,
            source="egen",
            occurred_at=at - timedelta(days=days, hours=i % 5),
            category=category,
            insecurity=1 + i % 5,
            organisation=organisation,
        )
        for days, n, category in (
            (IN_PERIOD_DAYS_AGO, now, "narkotikaforsaljning"),
            (IN_PREVIOUS_DAYS_AGO, previous, "vald_hot"),
        )
        for i in range(n)
    ]
    created = Observation.objects.bulk_create(rows)
    if duplicates:
        Observation.objects.bulk_create(
            Observation(
                scene=scene,
                location=scene.boundary.point_on_surface,
                source="egen",
                occurred_at=at - timedelta(days=IN_PERIOD_DAYS_AGO),
                category="narkotikabruk",
                insecurity=3,
                organisation=organisation,
                duplicate_of=created[0],
            )
            for _ in range(duplicates)
        )


def new_scene(name: str, like: Scene, by, lead=None) -> Scene:
    return create_scene(
        by=by, lead=lead, name=name, municipality=like.municipality, area_type=like.area_type,
        place_type=like.place_type, boundary=like.boundary, identified_on=like.identified_on,
    )  # fmt: skip


@pytest.fixture
def planted(demo_scenes, stockholm, botkyrka):
    """Known counts at three scenes in two municipalities; the other five demo scenes have
    none. Sergels torg +10 (and 4 duplicates), Fittja −7, Medborgarplatsen −2."""
    Observation.objects.all().delete()
    plant(demo_scenes["Sergels torg"], 12, 2, stockholm, duplicates=4)
    plant(demo_scenes["Medborgarplatsen"], 3, 5, stockholm)
    plant(demo_scenes["Fittja centrum"], 1, 8, botkyrka)
    return demo_scenes


def test_the_county_summary_agrees_with_the_scene_pages(
    client, regional_coordinator, planted, period, top_two
):
    start, end = period
    report = services.request_report(regional_coordinator, scope="county", start=start, end=end)

    summary = build_snapshot(report)["summary"]

    client.force_login(regional_coordinator)
    rows = {r["name"]: r for r in summary["top_scenes"] + summary["appendix"]}
    for name in ("Sergels torg", "Medborgarplatsen", "Fittja centrum"):
        scene = planted[name]
        page = client.get(
            reverse("scenes:scene_detail", args=[scene.pk]), {"start": start, "end": end}
        ).context
        row = rows[scene.name]
        assert row["observations"] == page["observation_count"]
        assert row["previous"] == page["result"].change.previous
        assert row["difference"] == row["observations"] - row["previous"]
    assert (
        rows["Sergels torg (demo)"]["observations"],
        rows["Sergels torg (demo)"]["previous"],
    ) == (
        12,
        2,
    )  # the 4 duplicates are not counted

    municipalities = {m["name"]: m for m in summary["municipalities"]}
    assert (
        municipalities["Stockholms stad"]["scenes"],
        municipalities["Stockholms stad"]["observations"],
        municipalities["Stockholms stad"]["previous"],
        municipalities["Stockholms stad"]["difference"],
    ) == (2, 15, 7, 8)
    assert (
        municipalities["Botkyrka kommun"]["observations"],
        municipalities["Botkyrka kommun"]["previous"],
    ) == (1, 8)
    assert sum(m["scenes"] for m in summary["municipalities"]) == Scene.objects.count() == 8


def test_the_top_scenes_are_those_that_changed_most_and_the_appendix_has_every_other_once(
    regional_coordinator, planted, period, top_two
):
    start, end = period
    report = services.request_report(regional_coordinator, scope="county", start=start, end=end)

    snap = build_snapshot(report)
    summary = snap["summary"]

    top = summary["top_scenes"]
    assert [t["name"] for t in top] == ["Sergels torg (demo)", "Fittja centrum (demo)"]
    sergels = top[0]
    assert sergels["difference"] == 10
    assert sergels["categories"] == [{"label": "Narkotikaförsäljning", "count": 12}]
    assert sergels["slot"]["count"] >= 1 and sergels["place"]["count"] >= 1
    appendix = [r["name"] for r in summary["appendix"]]
    assert sorted(appendix) == sorted(
        set(Scene.objects.values_list("name", flat=True)) - {t["name"] for t in top}
    )
    assert len(appendix) == len(set(appendix)) == 6
    # The whole scope's figures are still there, the per-scene chapters are not.
    assert snap["what"]["total"] == 16 and snap["what"]["previous_total"] == 15
    assert snap["place"]["scenes"] == [] and snap["hotspot"]["symptoms"] == []
    assert snap["where"]["map"]["cells"] == [] and len(snap["where"]["map"]["scenes"]) == 8


def test_a_coordinators_municipality_report_shows_no_hidden_scene(
    stockholm_coordinator, regional_coordinator, planted, stockholm, police, period, top_two
):
    hidden = new_scene("Dold plats (test)", planted["Sergels torg"], regional_coordinator, police)
    plant(hidden, 50, 0, police)
    case = Case.objects.create(scene=hidden, owner=police, title="Dolt ärende (test)")
    Action.objects.create(
        case=case, title="Dold åtgärd (test)", responsible=police,
        status=ActionStatus.PLANNED, due_on=timezone.localdate() - timedelta(days=3),
    )  # fmt: skip
    start, end = period
    report = services.request_report(
        stockholm_coordinator, scope="municipality", municipality=stockholm, start=start, end=end
    )

    snap = build_snapshot(report)

    text = json.dumps(snap, ensure_ascii=False)
    assert "Dold" not in text
    assert "Dold" not in render_html(snap, None)
    (row,) = snap["summary"]["municipalities"]
    assert (row["scenes"], row["observations"], row["previous"]) == (2, 15, 7)
    assert (row["open_cases"], row["overdue_actions"]) == (0, 0)
    assert snap["what"]["total"] == 15
    assert snap["work"]["cases_total"] == 0 and snap["work"]["overdue_total"] == 0
    # The regional coordinator's report of the same municipality has it, counted.
    county_wide = services.request_report(
        regional_coordinator, scope="municipality", municipality=stockholm, start=start, end=end
    )
    (row,) = build_snapshot(county_wide)["summary"]["municipalities"]
    assert (row["scenes"], row["observations"], row["open_cases"], row["overdue_actions"]) == (
        3,
        65,
        1,
        1,
    )


def _report_with_scenes(user, stockholm, period, extra: range, like: Scene, by):
    for i in extra:
        new_scene(f"Extra plats {i:02d} (test)", like, by)
    start, end = period
    return services.request_report(
        user, scope="municipality", municipality=stockholm, start=start, end=end
    )


def test_queries_and_html_do_not_grow_with_the_scenes_beyond_an_appendix_row(
    regional_coordinator, planted, stockholm, period, top_two
):
    like = planted["Sergels torg"]
    small = _report_with_scenes(
        regional_coordinator, stockholm, period, range(1), like, regional_coordinator
    )
    with CaptureQueriesContext(connection) as three:
        small_snapshot = build_snapshot(small)
    big = _report_with_scenes(
        regional_coordinator, stockholm, period, range(1, 10), like, regional_coordinator
    )
    with CaptureQueriesContext(connection) as twelve:
        big_snapshot = build_snapshot(big)

    assert small_snapshot["scope"]["scenes"] == 3 and big_snapshot["scope"]["scenes"] == 12
    assert len(twelve) == len(three)
    assert [t["name"] for t in big_snapshot["summary"]["top_scenes"]] == [
        t["name"] for t in small_snapshot["summary"]["top_scenes"]
    ]
    small_html, big_html = render_html(small_snapshot, None), render_html(big_snapshot, None)
    new_rows = [
        m.group(0)
        for m in re.finditer(r"<li><strong>Extra plats 0[1-9] \(test\)</strong>.*?</li>", big_html)
    ]
    assert len(new_rows) == 9
    assert big_html.count("Extra plats 00 (test)") == small_html.count("Extra plats 00 (test)") == 1
    # Besides the new rows only counts change ("3 scener" becomes "12 scener").
    grown = len(big_html) - len(small_html) - sum(len(r) + 5 for r in new_rows)
    assert abs(grown) < 40


@pytest.mark.parametrize("scope", ["county", "scene"])
def test_cases_and_overdue_actions_are_counted_in_full_and_listed_bounded(
    regional_coordinator,
    stockholm_coordinator,
    planted,
    method_catalogue,
    period,
    monkeypatch,
    scope,
):
    """A county has thousands of open cases and overdue actions, a busy scene hundreds: every
    report counts them all and lists the most overdue few."""
    from sara import services as sara_services
    from sara.demo import load_cases
    from sara.tests.factories import make_action
    from scenes.models import Scene

    load_cases()
    monkeypatch.setattr(snapshot, "WORK_ROWS", 1)
    start, end = period
    sergels = Scene.objects.get(name="Sergels torg (demo)")
    case = Case.objects.filter(scene=sergels).exclude(phase="closed").first()
    make_action(case, case.owner, title="Städning av trappan", status=ActionStatus.PLANNED,
                due_on=timezone.localdate() - timedelta(days=3))  # fmt: skip
    sara_services.open_case(
        by=stockholm_coordinator, scene=sergels, owner=case.owner, title="Langning vid trappan",
        problem_statement="Langning kvällstid.",
    )  # fmt: skip
    report = services.request_report(
        regional_coordinator, scope=scope, start=start, end=end,
        scene=sergels if scope == "scene" else None,
    )  # fmt: skip

    work = build_snapshot(report)["work"]

    today = timezone.localdate()
    overdue = Action.objects.filter(
        status__in=[ActionStatus.PLANNED, ActionStatus.ONGOING], due_on__lt=today
    ).exclude(case__phase="closed")
    open_cases = Case.objects.exclude(phase="closed")
    if scope == "scene":
        overdue, open_cases = overdue.filter(case__scene=sergels), open_cases.filter(scene=sergels)
    assert overdue.count() > 1 and open_cases.count() > 1
    assert work["overdue_total"] == overdue.count()
    assert [a["title"] for a in work["overdue"]] == [overdue.order_by("due_on", "pk")[0].title]
    assert (
        work["cases_total"]
        == open_cases.count()
        == sum(row["cases"] for row in work["cases_by_organisation"])
    )
    assert len(work["cases"]) == 1
    assert sum(r["overdue"] for r in work["actions_by_organisation"]) == overdue.count()


def test_the_summary_pdf_has_the_swedish_headings(
    regional_coordinator, planted, period, top_two, tmp_path
):
    start, end = period
    report = services.request_report(regional_coordinator, scope="county", start=start, end=end)
    pdf = tmp_path / "lan.pdf"
    pdf.write_bytes(render_pdf(build_snapshot(report), None))

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout

    for heading in (
        "Kommuner och scener",
        "Scenerna som förändrats mest",
        "Bilaga: övriga scener",
        "Föregående period",
        "Förändring",
        "Försenade åtgärder",
        "Öppna ärenden totalt",
        "Vad? Problembild",
    ):
        assert heading in text, heading
    assert "Platsen och hur den används" not in text
    assert "Sergels torg (demo)" in text and "Solna station (demo)" in text


def test_older_county_reports_still_print_every_scene_in_full():
    version_1 = sample_snapshot(scope={"kind": "county", "label": "Stockholms län", "scenes": 1})
    assert version_1["version"] == 1
    # Version 2 is version 3 without "summary": what a county report stored before it.
    version_2 = {**snapshot.upgrade(version_1), "version": 2}
    assert "summary" not in version_2

    for old in (version_1, version_2):
        html = render_html(old, None)
        assert "Platsen och hur den används" in html and "Testtorget" in html
        assert "Bilaga" not in html and "Kommuner och scener" not in html
        assert snapshot.upgrade(old)["version"] == snapshot.VERSION


def _table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as the cells' text."""
    start = html.index(f"<caption>{caption}</caption>")
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [
        [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row]
        for row in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr)
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
        )
    ]


def _number(text: str) -> int:
    return int(text.replace("\u00a0", "").replace(" ", "") or 0)


@pytest.fixture
def many_organisations(planted, stockholm, botkyrka, police, transit):
    """Four organisations with known counts, largest first: observations in the period
    Stockholm 15, police 7, transit 4, Botkyrka 1 (27); open cases owned Stockholm 3,
    police 2, transit 1, Botkyrka 1 (7); actions Stockholm 4, police 3, transit 1,
    Botkyrka 2 (10)."""
    plant(planted["Sergels torg"], 7, 0, police)
    plant(planted["Fittja centrum"], 4, 0, transit)
    today = timezone.localdate()
    cases = {
        org: [
            Case.objects.create(scene=planted["Sergels torg"], owner=org, title=f"{org} {i}")
            for i in range(n)
        ]
        for org, n in ((stockholm, 3), (police, 2), (transit, 1), (botkyrka, 1))
    }
    Case.objects.create(
        scene=planted["Sergels torg"], owner=police, title="Avslutat", phase="closed"
    )  # not open: counted nowhere
    late, later = today - timedelta(days=3), today + timedelta(days=30)
    for org, status, due_on in (
        (stockholm, ActionStatus.PLANNED, later),
        (stockholm, ActionStatus.PLANNED, later),
        (stockholm, ActionStatus.DONE, late),
        (stockholm, ActionStatus.CANCELLED, late),
        (police, ActionStatus.PLANNED, late),  # overdue
        (police, ActionStatus.PLANNED, later),
        (police, ActionStatus.PLANNED, later),
        (transit, ActionStatus.ONGOING, later),
        (botkyrka, ActionStatus.DONE, late),
        (botkyrka, ActionStatus.DONE, late),
    ):
        Action.objects.create(
            case=cases[org][0], title="Åtgärd", responsible=org, status=status, due_on=due_on
        )
    return planted


def test_long_organisation_tables_print_their_largest_rows_and_the_rest_summed(
    regional_coordinator, many_organisations, period, monkeypatch
):
    start, end = period
    report = services.request_report(regional_coordinator, scope="county", start=start, end=end)
    snap = build_snapshot(report)
    monkeypatch.setattr(pdf, "ORGANISATION_ROWS", 2)

    html = render_html(snap, None)

    observations = _table(html, "Observationer per organisation")
    assert [row[:2] for row in observations] == [
        ["Stockholms stad", "15"],
        ["Lokalpolisområde City", "7"],
        ["Övriga 2 organisationer", "5"],
        ["Totalt", "27"],
    ]
    assert "<strong>27 observationer</strong> under perioden" in html
    cases = _table(html, "Öppna SARA-ärenden per ägande organisation")
    assert cases == [
        ["Stockholms stad", "3"],
        ["Lokalpolisområde City", "2"],
        ["Övriga 2 organisationer", "2"],
        ["Totalt", "7"],
    ]
    assert "Öppna ärenden totalt: 7." in html
    actions = _table(html, "Åtgärder i öppna ärenden per organisation och status")
    # Planerade, Pågående, Genomförda, Avbrutna, Försenade.
    assert actions == [
        ["Stockholms stad", "2", "0", "1", "1", "0"],
        ["Lokalpolisområde City", "3", "0", "0", "0", "1"],
        ["Övriga 2 organisationer", "0", "1", "2", "0", "0"],
        ["Totalt", "5", "1", "3", "1", "1"],
    ]
    # Shown rows and the rest add up to the total, in every column.
    for table, columns in ((observations, [1]), (cases, [1]), (actions, range(1, 6))):
        *rows, total = table
        for column in columns:
            assert sum(_number(r[column]) for r in rows) == _number(total[column])
    assert (
        _number(actions[-1][1])
        + _number(actions[-1][2])
        + _number(actions[-1][3])
        + _number(actions[-1][4])
        == Action.objects.exclude(case__phase="closed").count()
    )

    # Tables no longer than the limit print every organisation and no rest or total row.
    monkeypatch.setattr(pdf, "ORGANISATION_ROWS", 4)
    html = render_html(snap, None)
    assert [r[0] for r in _table(html, "Observationer per organisation")] == [
        "Stockholms stad",
        "Lokalpolisområde City",
        "Region Stockholm, Trafikförvaltningen",
        "Botkyrka kommun",
    ]
    assert "Övriga" not in html


def test_the_appendix_is_a_line_per_scene_under_its_municipality(
    regional_coordinator, planted, period, top_two
):
    start, end = period
    report = services.request_report(regional_coordinator, scope="county", start=start, end=end)
    snap = build_snapshot(report)

    html = render_html(snap, None)

    appendix = html[html.index('id="bilaga"') :]
    headings = re.findall(r'<h3 class="scene-lines">(.*?)</h3>', appendix)
    assert headings == sorted({r["municipality"] for r in snap["summary"]["appendix"]})
    assert "<table" not in appendix
    # Medborgarplatsen: 3 now, 5 before.
    assert re.search(
        r"<li><strong>Medborgarplatsen \(demo\)</strong> \([^)]+\): 3 \(\u22122; föregående "
        r"period 5\)</li>",
        appendix,
    )
    for row in snap["summary"]["appendix"]:
        block = appendix[appendix.index(f">{html_lib.escape(row['municipality'])}</h3>") :]
        block = block[: block.index("</ul>")]
        assert f"<strong>{html_lib.escape(row['name'])}</strong>" in block


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_stored_snapshot_prints_its_long_organisation_table_capped(version):
    by_organisation = [{"label": "Största organisationen", "count": 108}] + [
        {"label": f"Organisation {i:02d}", "count": 60} for i in range(19)
    ]  # 20 organisations, 1,248 observations: the sample's total
    old = sample_snapshot(sources={"by_organisation": by_organisation})
    if version == 2:
        old = {**snapshot.upgrade(old), "version": 2}
    assert sum(row["count"] for row in by_organisation) == old["sources"]["observations"]

    rows = _table(render_html(old, None), "Observationer per organisation")

    assert len(rows) == pdf.ORGANISATION_ROWS + 2
    assert rows[0][:2] == ["Största organisationen", "108"]
    assert rows[-2][:2] == ["Övriga 5 organisationer", "300"]
    assert rows[-1][:2] == ["Totalt", "1\u00a0248"]
