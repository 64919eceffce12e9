"""The follow-up's demo: indicators, a status history, and Solna station's case whose effect is
clear with some displacement into its buffer. The WDQ, TNE and WDD shown for it equal a hand
computation from the same counts."""

import math

import pytest
from django.urls import reverse

from followup.demo import CRIMES, MONTHS, SURVEY, load_followup
from ods_platform.lib import formatting
from sara.demo import load_cases
from sara.models import Case, EffectEvaluation
from scenes.demo import load_scenes
from scenes.models import Indicator, IndicatorValue, Scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(personas, method_catalogue):
    load_scenes(per_scene=40)
    load_cases()
    return load_followup()


def hand(c):
    """Every measure worked out by hand from the eight counts."""
    rb, ra, db, da, cb, ca, cdb, cda = (c[n] for n in ("Rb", "Ra", "Db", "Da", "Cb", "Ca",
                                                       "CDb", "CDa"))  # fmt: skip
    wdd = (ra - rb) - (ca - cb) + (da - db) - (cda - cdb)
    se = math.sqrt(rb + ra + db + da + cb + ca + cdb + cda)
    return {
        "ge": rb - ra,
        "ne": rb / cb - ra / ca,
        "wdq": (da / ca - db / cb) / (ra / ca - rb / cb),
        "tne": (rb * ca / cb - ra) + (db * ca / cb - da),
        "wdd": wdd,
        "se": se,
        "ci": (wdd - 1.96 * se, wdd + 1.96 * se),
    }


def test_the_demo_case_shows_a_clear_effect_with_some_displacement(client, demo, stad_evaluator):
    assert demo["effect_cases"] == 1
    case = Case.objects.get(scene__name="Solna station (demo)")
    evaluation = EffectEvaluation.objects.get(case=case)
    c, r = evaluation.counts, evaluation.results
    expected = hand(c)
    assert r["ge"]["value"] == expected["ge"]
    assert r["ne"]["value"] == pytest.approx(expected["ne"])
    assert r["wdq"]["value"] == pytest.approx(expected["wdq"])
    assert r["tne"]["value"] == pytest.approx(expected["tne"])
    assert r["wdd"]["value"] == expected["wdd"]
    assert r["se"] == pytest.approx(expected["se"])
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(expected["ci"][0]),
                                           pytest.approx(expected["ci"][1]))  # fmt: skip
    # A clear decrease, net of the control and of displacement, and some displacement into
    # the buffer, smaller than the decrease.
    assert evaluation.verdict == "decrease" and r["ci_high"] < 0
    assert c["Da"] > c["Db"] and -1 < r["wdq"]["value"] < 0 and r["tne"]["value"] > 0
    assert r["wdq_reading"] == "displacement"

    # The case page shows the same figures, as a hand computation formats them.
    client.force_login(stad_evaluator)
    page = client.get(reverse("sara:case_detail", args=[case.pk])).content.decode()
    for value in (expected["wdq"], expected["tne"], expected["wdd"]):
        assert formatting.number(value, decimals=2) in page, value
    low, high = expected["ci"]
    assert f"{formatting.number(low)} till {formatting.number(high)}" in page
    assert "inte ett bevis" in page


def test_indicators_for_every_demo_scene_and_municipality(demo):
    for scene in Scene.objects.filter(name__endswith="(demo)"):
        crimes = Indicator.objects.get(scene=scene, name=CRIMES)
        assert crimes.values.count() == MONTHS and crimes.period == "month"
    surveys = Indicator.objects.filter(name=SURVEY, level="municipality")
    assert surveys.count() == 7
    assert all(s.values.count() == 2 and s.period == "year" for s in surveys)
    for value in IndicatorValue.objects.all():
        value.full_clean()  # whole periods of their kind, begun, with their source
        assert value.source and value.imported_from == "demo"


def test_loading_again_changes_nothing(demo):
    counts = (IndicatorValue.objects.count(), EffectEvaluation.objects.count())
    assert load_followup() == {"indicator_values": 0, "scenes_spread": 0, "effect_cases": 0}
    assert (IndicatorValue.objects.count(), EffectEvaluation.objects.count()) == counts
