"""Effect and displacement counted in PostGIS: observations in the response area, a buffer ring
of the chosen width (SWEREF 99 TM), a control area and its ring, before and after; the
measures from those counts; the page, its export, and the result stored with an assessment."""

import io
import math
from datetime import datetime, time, timedelta

import openpyxl
import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sara import effect, services
from sara.models import Assessment, EffectEvaluation, Method, Verdict
from sara.tests.factories import make_action
from scenes import services as scene_services
from scenes.models import Indicator, IndicatorValue, Observation, Place

pytestmark = pytest.mark.django_db

LAT = 59.30
A_LON, B_LON = 17.98, 18.02  # about 2.3 km apart


def offset(lon, lat, east_m, north_m):
    return (
        lon + east_m / (111_320 * math.cos(math.radians(lat))),
        lat + north_m / 111_320,
    )


def square(lon, lat, half_m):
    signs = ((-1, -1), (1, -1), (1, 1), (-1, 1))
    corners = [offset(lon, lat, e * half_m, n * half_m) for e, n in signs]
    return MultiPolygon(Polygon([*corners, corners[0]]), srid=4326)


def at(lon, lat, east_m=0, north_m=0):
    return Point(*offset(lon, lat, east_m, north_m), srid=4326)


TODAY = None


def day(days_ago: int) -> datetime:
    local = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(local, time(20, 0)))


BEFORE = (60, 31)  # days ago, inclusive
AFTER = (30, 1)


@pytest.fixture
def two_scenes(stockholm, stockholm_coordinator, stockholm_field_worker):
    """Scene A (response, 200 × 200 m) and scene B (control) in Stockholm, with observations:
    R 40 before / 20 after, D (50 m outside A) 10 / 15, C 50 / 60, CD (50 m outside B) 12 / 11.
    Besides those, rows that must not be counted: kept to an organisation, another category,
    beyond the 100 m buffer, outside both periods."""
    a = scene_services.create_scene(
        by=stockholm_coordinator, name="Testtorget A", municipality=stockholm,
        area_type="city", place_type="torgyta", boundary=square(A_LON, LAT, 100),
        identified_on=timezone.localdate() - timedelta(days=400),
    )  # fmt: skip
    b = scene_services.create_scene(
        by=stockholm_coordinator, name="Testparken B", municipality=stockholm,
        area_type="city", place_type="park", boundary=square(B_LON, LAT, 100),
        identified_on=timezone.localdate() - timedelta(days=400),
    )  # fmt: skip
    rows = []

    def add(scene, point, n, days_ago, **extra):
        for i in range(n):
            rows.append(
                Observation(
                    scene=scene,
                    location=point,
                    occurred_at=day(days_ago) - timedelta(minutes=i),
                    category=extra.get("category", "narkotikaforsaljning"),
                    source="egen",
                    insecurity=3,
                    organisation=stockholm,
                    reported_by=stockholm_field_worker,
                    restricted=extra.get("restricted", False),
                )
            )

    for days_ago in (45,):
        add(a, at(A_LON, LAT), 40, days_ago)
        add(a, at(A_LON, LAT, 150, 0), 10, days_ago)  # D: 50 m east of A's edge
        add(b, at(B_LON, LAT), 50, days_ago)
        add(b, at(B_LON, LAT, 0, 150), 12, days_ago)  # CD: 50 m north of B's edge
    for days_ago in (10,):
        add(a, at(A_LON, LAT), 20, days_ago)
        add(a, at(A_LON, LAT, 150, 0), 15, days_ago)
        add(b, at(B_LON, LAT), 60, days_ago)
        add(b, at(B_LON, LAT, 0, 150), 11, days_ago)
    # Not counted:
    add(a, at(A_LON, LAT), 7, 10, restricted=True)  # kept to Stockholm
    add(a, at(A_LON, LAT), 9, 10, category="narkotikabruk")  # another category
    add(a, at(A_LON, LAT, 230, 0), 6, 10)  # 130 m outside A: beyond the 100 m buffer
    add(a, at(A_LON, LAT), 8, 90)  # before the before period
    Observation.objects.bulk_create(rows)
    return a, b


def setup_for(a, b=None, **changes):
    today = timezone.localdate()
    fields = {
        "scene": a,
        "before": (today - timedelta(days=BEFORE[0]), today - timedelta(days=BEFORE[1])),
        "after": (today - timedelta(days=AFTER[0]), today - timedelta(days=AFTER[1])),
        "categories": ("narkotikaforsaljning",),
        "buffer_m": 100,
        "control": EffectEvaluation.Control.SCENE if b else EffectEvaluation.Control.MUNICIPALITY,
        "control_scene": b,
    }
    fields.update(changes)
    return effect.Setup(**fields)


def counts_of(evaluation):
    c = evaluation.counts
    return {n: c.get(n) for n in effect.NAMES}


def test_the_counts_by_area_and_period_are_made_in_postgis(two_scenes, stockholm_coordinator):
    a, b = two_scenes
    evaluation = effect.evaluate(setup_for(a, b), stockholm_coordinator)
    assert counts_of(evaluation) == {
        "Rb": 40, "Ra": 20, "Db": 10, "Da": 15, "Cb": 50, "Ca": 60, "CDb": 12, "CDa": 11,
    }  # fmt: skip
    r = evaluation.results
    # The hand computation of ods_platform/tests/test_displacement.py for these counts.
    assert r.wdq.value == pytest.approx(-3 / 28)
    assert r.tne.value == pytest.approx(25)
    assert r.wdd.value == -24 and r.se == pytest.approx(math.sqrt(218))
    assert r.verdict == "unclear"
    # The ring is a ring: 100 m wide around a 200 m square, in square metres (SWEREF 99 TM).
    ring = evaluation.areas.sizes["buffer"]
    assert ring == pytest.approx((400**2 - 200**2) - (4 - math.pi) * 100**2, rel=0.01)


def test_a_linked_duplicate_is_not_counted(two_scenes, stockholm_coordinator):
    from scenes.duplicates import link_duplicate

    a, b = two_scenes
    first, second = Observation.objects.filter(
        scene=a, category="narkotikaforsaljning", occurred_at__gte=day(11), restricted=False
    ).order_by("occurred_at")[:2]
    link_duplicate(second, first, by=stockholm_coordinator)
    counts = counts_of(effect.evaluate(setup_for(a, b), stockholm_coordinator))
    assert (counts["Rb"], counts["Ra"] + counts["Da"]) == (40, 20 + 15 - 1)


def test_a_narrower_buffer_counts_nothing_in_the_ring(two_scenes, stockholm_coordinator):
    a, b = two_scenes
    evaluation = effect.evaluate(setup_for(a, b, buffer_m=25), stockholm_coordinator)
    assert (evaluation.counts.Db, evaluation.counts.Da) == (0, 0)
    assert evaluation.results.bdm.problem == "small_counts"


def test_the_rest_of_the_municipality_counts_its_other_scenes_wherever_they_lie(
    two_scenes, stockholm_coordinator
):
    a, _b = two_scenes
    evaluation = effect.evaluate(setup_for(a), stockholm_coordinator)
    c = counts_of(evaluation)
    # B's observations outside its boundary are B's: they count in C, and CD, the ring around
    # B's boundary less what C counts, holds nothing.
    assert (c["Cb"], c["Ca"], c["CDb"], c["CDa"]) == (62, 71, 0, 0)
    assert (c["Rb"], c["Ra"], c["Db"], c["Da"]) == (40, 20, 10, 15)
    assert evaluation.results.wdd.problem == "small_counts"
    words = effect.describe_setup(setup_for(a))
    assert "kommunens övriga scener" in words["control"]


def test_a_sub_place_as_the_response_area(two_scenes, stockholm_coordinator):
    a, b = two_scenes
    corner = Place.objects.create(
        scene=a, name="Hörnet", geometry=square(*offset(A_LON, LAT, 60, 60), 30)[0]
    )
    evaluation = effect.evaluate(setup_for(a, b, place=corner), stockholm_coordinator)
    # The centre of A lies 60 m east and north of the corner's centre: outside its 30 m
    # square, inside its 100 m ring, and so do the points 150 m east of A's centre.
    assert (evaluation.counts.Rb, evaluation.counts.Ra) == (0, 0)
    assert (evaluation.counts.Db, evaluation.counts.Da) == (40 + 10, 20 + 15)


def test_every_one_counts_the_same_rows_no_organisation_keeps(
    two_scenes, stockholm_coordinator, stad_evaluator
):
    a, b = two_scenes
    mine = effect.evaluate(setup_for(a, b), stockholm_coordinator)
    stad = effect.evaluate(setup_for(a, b), stad_evaluator)
    assert counts_of(mine) == counts_of(stad)


def test_an_indicator_gives_the_response_and_control_but_no_buffer(
    two_scenes, stockholm_coordinator
):
    a, b = two_scenes
    today = timezone.localdate()
    series = {}
    for scene in (a, b):
        series[scene] = Indicator.objects.create(scene=scene, name="Anmälda brott", period="other")
    for scene, (before, after) in ((a, (30, 18)), (b, (40, 44))):
        for value, (start, end) in ((before, BEFORE), (after, AFTER)):
            IndicatorValue.objects.create(
                indicator=series[scene], period_start=today - timedelta(days=start),
                period_end=today - timedelta(days=end), value=value,
            )  # fmt: skip
    setup = setup_for(
        a, measure="indicator", indicator=series[a], control_indicator=series[b],
        control=EffectEvaluation.Control.NONE, categories=(),
    )  # fmt: skip
    evaluation = effect.evaluate(setup, stockholm_coordinator)
    c = evaluation.counts
    assert (c.Rb, c.Ra, c.Cb, c.Ca, c.Db) == (30, 18, 40, 44, None)
    assert evaluation.results.ne.value == pytest.approx(30 / 40 - 18 / 44)
    assert evaluation.results.wdq.problem == "missing"
    assert evaluation.results.verdict == "not_computable"


@pytest.fixture
def case_a(two_scenes, stockholm, stockholm_coordinator, method_catalogue):
    a, _b = two_scenes
    case = services.open_case(by=stockholm_coordinator, scene=a, owner=stockholm,
                              title="Försäljning på torget")  # fmt: skip
    make_action(case, stockholm, title="Belysning", method=Method.objects.order_by("pk").first(),
                start_on=timezone.localdate() - timedelta(days=AFTER[0]))  # fmt: skip
    return case


def form_data(a, b):
    today = timezone.localdate()
    return {
        "measure": "observations", "categories": ["narkotikaforsaljning"], "buffer_m": "100",
        "control": "scene", "control_scene": str(b.pk), "place": "", "indicator": "",
        "control_indicator": "",
        "before_start": (today - timedelta(days=BEFORE[0])).isoformat(),
        "before_end": (today - timedelta(days=BEFORE[1])).isoformat(),
        "after_start": (today - timedelta(days=AFTER[0])).isoformat(),
        "after_end": (today - timedelta(days=AFTER[1])).isoformat(),
    }  # fmt: skip


def test_the_case_page_computes_explains_and_stores_with_the_assessment(
    client, two_scenes, case_a, stockholm_coordinator, stad_evaluator
):
    a, b = two_scenes
    url = reverse("sara:case_effect", args=[case_a.pk])
    client.force_login(stad_evaluator)
    page = client.get(url, form_data(a, b))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Viktad förskjutningsdifferens" in text and "−24" in text
    assert "Intervallet innehåller noll" in text
    assert "inte ett bevis" in text  # never claims more than the data carries
    assert 'data-chart="effect"' in text
    # STAD reads, but does not store.
    assert client.post(url, {**form_data(a, b), "assessed_on": "2026-09-01",
                             "process": "x"}).status_code == 403  # fmt: skip

    client.force_login(stockholm_coordinator)
    saved = client.post(url, {**form_data(a, b), "assessed_on": timezone.localdate().isoformat(),
                              "process": "Belysningen kom upp i tid.",
                              "effect": "Försäljningen minskade."})  # fmt: skip
    assert saved.status_code == 302
    assessment = Assessment.objects.get(case=case_a)
    stored = assessment.effect_evaluation
    assert (stored.counts["Rb"], stored.counts["CDa"], stored.verdict) == (40, 11, Verdict.UNCLEAR)
    assert stored.results["wdd"]["value"] == -24
    assert (stored.control_scene, stored.buffer_m) == (b, 100)
    detail = client.get(reverse("sara:case_detail", args=[case_a.pk])).content.decode()
    assert "Effekt och förskjutning, som den mättes" in detail and "−24" in detail


def test_the_first_action_sets_the_default_periods(client, two_scenes, case_a, stad_evaluator):
    a, _b = two_scenes
    setup = effect.default_setup(a, stad_evaluator, case=case_a)
    start = timezone.localdate() - timedelta(days=AFTER[0])
    assert setup.after[0] == start and setup.before[1] == start - timedelta(days=1)
    assert (setup.after[1] - setup.after[0]) == (setup.before[1] - setup.before[0])
    assert setup.control == "municipality"  # Stockholm has another scene
    client.force_login(stad_evaluator)
    assert client.get(reverse("sara:case_effect", args=[case_a.pk])).status_code == 200


def test_bad_choices_get_a_clear_error_and_no_figures(
    client, two_scenes, case_a, stockholm_coordinator
):
    a, b = two_scenes
    client.force_login(stockholm_coordinator)
    url = reverse("sara:case_effect", args=[case_a.pk])
    unequal = {**form_data(a, b), "after_end": timezone.localdate().isoformat()}
    text = client.get(url, unequal).content.decode()
    assert "samma längd" in text and "Viktad förskjutningsdifferens" not in text
    future = {**form_data(a, b), "after_end": (timezone.localdate() + timedelta(1)).isoformat()}
    assert "Viktad förskjutningsdifferens" not in client.get(url, future).content.decode()
    narrow = {**form_data(a, b), "buffer_m": "5"}
    assert "Viktad förskjutningsdifferens" not in client.get(url, narrow).content.decode()
    saved = client.post(url, {**unequal, "assessed_on": "2026-09-01", "process": "x"})
    assert saved.status_code == 200 and not Assessment.objects.exists()


def test_someone_who_does_not_see_the_case_gets_404(client, case_a, botkyrka_coordinator):
    client.force_login(botkyrka_coordinator)
    assert client.get(reverse("sara:case_effect", args=[case_a.pk])).status_code == 404
    assert client.get(reverse("sara:scene_effect", args=[case_a.scene_id])).status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(
    client, two_scenes, case_a, stad_evaluator, stockholm, stockholm_field_worker
):
    a, b = two_scenes
    client.force_login(stad_evaluator)
    url = reverse("sara:case_effect", args=[case_a.pk])
    client.get(url, form_data(a, b))
    with CaptureQueriesContext(connection) as first:
        client.get(url, form_data(a, b))
    Observation.objects.bulk_create(
        Observation(scene=a, location=at(A_LON, LAT), occurred_at=day(20), category="vald_hot",
                    source="egen", insecurity=2, organisation=stockholm)
        for _ in range(200)
    )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        client.get(url, form_data(a, b))
    assert len(more) == len(first)


def test_the_results_export_as_xlsx(client, two_scenes, case_a, stad_evaluator):
    a, b = two_scenes
    client.force_login(stad_evaluator)
    response = client.get(
        reverse("sara:case_effect", args=[case_a.pk]), {**form_data(a, b), "format": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Insatsområde", 40, 20)
    assert any(r[0] == "Viktad förskjutningsdifferens" and r[2] == "−24" for r in rows)


def test_what_worked_per_method(two_scenes, case_a, stockholm, stockholm_coordinator):
    a, b = two_scenes
    method = case_a.actions.get().method
    assessment = services.record_assessment(
        case_a, by=stockholm_coordinator, process="Klart.", effect_setup=setup_for(a, b)
    )
    outcomes = effect.what_worked(type(case_a).objects.visible_to(stockholm_coordinator))
    assert outcomes[method.pk].used == 1 and outcomes[method.pk].measured == 1
    assert outcomes[method.pk].unclear == 1
    assert assessment.effect_evaluation.verdict == "unclear"
    sentence = effect.outcome_sentence(outcomes[method.pk])
    # One case: used and measured are withheld, no decrease is 0.
    assert sentence.count("<5") == 2 and "i 0 av dem" in sentence
