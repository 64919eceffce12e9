"""Every effect and displacement measure against a hand computation from fixed counts,
with the division by zero and the small-count warnings that replace a number."""

import math

import pytest

from ods_platform.lib.displacement import Counts, compute


def approx(x):
    return pytest.approx(x, abs=1e-9)


def test_a_decrease_with_some_displacement_into_the_buffer():
    # Rb 130, Ra 65; control 90 and 90; buffer 6 -> 22; control's buffer 8 and 8.
    r = compute(Counts(Rb=130, Ra=65, Cb=90, Ca=90, Db=6, Da=22, CDb=8, CDa=8))
    assert r.ge.value == 65  # 130 - 65
    assert r.ne.value == approx(130 / 90 - 65 / 90)  # 0.7222
    assert r.sm.value == approx(65 / 90 - 130 / 90)  # the success measure, -0.7222
    assert r.bdm.value == approx(22 / 90 - 6 / 90)  # the buffer displacement measure, 0.1778
    assert r.wdq.value == approx((16 / 90) / (-65 / 90))  # -16/65 = -0.2462
    assert r.wdq.value == approx(-16 / 65)
    assert r.wdq_reading == "displacement"  # some displacement, smaller than the effect
    assert r.tne.value == approx((130 * 90 / 90 - 65) + (6 * 90 / 90 - 22))  # 65 - 16 = 49
    assert r.wdd.value == -49  # (65-130) - (90-90) + (22-6) - (8-8)
    assert r.se == approx(math.sqrt(130 + 65 + 90 + 90 + 6 + 22 + 8 + 8))  # sqrt(419)
    assert r.ci_low == approx(-49 - 1.96 * math.sqrt(419))  # -89.12
    assert r.ci_high == approx(-49 + 1.96 * math.sqrt(419))  # -8.88
    assert r.verdict == "decrease"
    assert all(m.problem is None for m in r.measures())


def test_an_unequal_control_and_an_interval_that_includes_zero():
    r = compute(Counts(Rb=40, Ra=20, Cb=50, Ca=60, Db=10, Da=15, CDb=12, CDa=11))
    assert r.ge.value == 20
    assert r.ne.value == approx(40 / 50 - 20 / 60)  # 0.4667
    assert r.sm.value == approx(20 / 60 - 40 / 50)
    assert r.bdm.value == approx(15 / 60 - 10 / 50)  # 0.05
    assert r.wdq.value == approx(-3 / 28)  # 0.05 / -0.4667
    assert r.tne.value == approx((40 * 60 / 50 - 20) + (10 * 60 / 50 - 15))  # 28 - 3 = 25
    assert r.wdd.value == -24  # -20 - 10 + 5 + 1
    assert r.se == approx(math.sqrt(218))
    assert r.ci_low == approx(-24 - 1.96 * math.sqrt(218))  # -52.94
    assert r.ci_high == approx(-24 + 1.96 * math.sqrt(218))  # 4.94
    assert r.ci_low < 0 < r.ci_high
    assert r.verdict == "unclear"


def test_diffusion_of_benefits_reads_as_such():
    r = compute(Counts(Rb=60, Ra=30, Cb=40, Ca=40, Db=20, Da=10, CDb=10, CDa=10))
    assert r.wdq.value == approx((10 / 40 - 20 / 40) / (30 / 40 - 60 / 40))  # 1/3
    assert r.wdq_reading == "diffusion"
    assert r.tne.value == 40  # (60 - 30) + (20 - 10)
    bigger = compute(Counts(Rb=60, Ra=50, Cb=40, Ca=40, Db=40, Da=10, CDb=10, CDa=10))
    assert bigger.wdq.value == approx(3) and bigger.wdq_reading == "diffusion_greater"
    worse = compute(Counts(Rb=60, Ra=50, Cb=40, Ca=40, Db=10, Da=40, CDb=10, CDa=10))
    assert worse.wdq.value == approx(-3) and worse.wdq_reading == "displacement_greater"


def test_division_by_zero_gives_a_warning_instead_of_a_number():
    r = compute(Counts(Rb=30, Ra=20, Cb=0, Ca=25, Db=10, Da=12, CDb=9, CDa=8))
    assert r.ge.value == 10
    for m in (r.ne, r.sm, r.bdm, r.wdq, r.tne):
        assert (m.value, m.problem, m.names) == (None, "division_by_zero", ("Cb",))
    # WDD divides by nothing, but a count of 0 is too few to say anything.
    assert (r.wdd.value, r.wdd.problem, r.wdd.names) == (None, "small_counts", ("Cb",))
    assert r.se is None and r.verdict == "not_computable"


def test_a_success_measure_of_zero_leaves_the_quotient_undefined():
    r = compute(Counts(Rb=20, Ra=20, Cb=30, Ca=30, Db=10, Da=14, CDb=9, CDa=8))
    assert r.sm.value == 0
    assert (r.wdq.value, r.wdq.problem) == (None, "division_by_zero")


def test_no_quotient_is_read_when_the_response_area_did_not_improve():
    r = compute(Counts(Rb=20, Ra=40, Cb=30, Ca=30, Db=10, Da=14, CDb=9, CDa=8))
    assert r.sm.value > 0
    assert (r.wdq.value, r.wdq.problem) == (None, "no_success")
    assert r.ge.value == -20 and r.wdd.value == 25  # 20 - 0 + 4 + 1


def test_small_counts_give_a_warning_naming_them():
    r = compute(Counts(Rb=30, Ra=12, Cb=25, Ca=22, Db=3, Da=4, CDb=6, CDa=7))
    assert r.ge.value == 18 and r.ne.value is not None
    for m in (r.bdm, r.wdq, r.tne):
        assert (m.value, m.problem, m.names) == (None, "small_counts", ("Db", "Da"))
    assert (r.wdd.problem, r.wdd.names) == ("small_counts", ("Db", "Da"))
    tiny = compute(Counts(Rb=4, Ra=1))
    assert (tiny.ge.value, tiny.ge.problem, tiny.ge.names) == (None, "small_counts", ("Rb", "Ra"))
    # The minimum can be raised (to the suppression threshold, say).
    assert compute(Counts(Rb=8, Ra=9), min_count=10).ge.problem == "small_counts"


def test_without_a_control_or_a_buffer_the_measures_that_need_them_are_missing():
    r = compute(Counts(Rb=30, Ra=20))
    assert r.ge.value == 10
    assert (r.ne.problem, r.ne.names) == ("missing", ("Cb", "Ca"))
    assert (r.wdd.problem, r.wdd.names) == ("missing", ("Cb", "Ca", "Db", "Da", "CDb", "CDa"))
    indicator = compute(Counts(Rb=30.5, Ra=20.25, Cb=40, Ca=41, poisson=False))
    assert indicator.ne.value == approx(30.5 / 40 - 20.25 / 41)
    assert indicator.wdq.problem == "missing" and indicator.se is None
