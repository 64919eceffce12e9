"""Effect and displacement from eight counts: before (b) and after (a) an intervention, in the
response area (R), a buffer ring around it (D), a control area (C) and a ring of the same
width around the control area (CD).

The measures (Bowers & Johnson 2003; Guerette, Problem-Solving Tools Guide 10 of the POP
Center; Wheeler & Ratcliffe 2018):

- gross effect            GE  = Rb − Ra                         (positive: fewer after)
- net effect              NE  = Rb/Cb − Ra/Ca                   (positive: fewer, relative to C)
- success measure         SM  = Ra/Ca − Rb/Cb                   (negative: the response area
                                                                  improved relative to C)
- buffer displacement     BDM = Da/Ca − Db/Cb                   (positive: more in the buffer,
  measure                                                         relative to C)
- weighted displacement   WDQ = BDM / SM                        (read only when SM < 0)
  quotient
- total net effect        TNE = [Rb·Ca/Cb − Ra] + [Db·Ca/Cb − Da] (positive: fewer in
                                                                  response area and buffer)
- weighted displacement   WDD = ΔR − ΔC + ΔD − ΔCD, ΔX = Xa − Xb (negative: a decrease net of
  difference                                                      the control and displacement)
  with SE = √(Ra + Rb + Ca + Cb + Da + Db + CDa + CDb), counts taken as Poisson, and the 95 %
  interval WDD ± 1.96·SE: wholly below zero, the decrease is distinguishable from noise.

A measure is never given as a number when it divides by zero or when one of the counts it
uses is below `min_count` (its `problem` says which instead): ratios of a handful of events
are noise. Model-free and language-free: the caller words the results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

MIN_COUNT = 5
Z95 = 1.96

# The counts each measure is computed from, by their names.
USES = {
    "ge": ("Rb", "Ra"),
    "ne": ("Rb", "Ra", "Cb", "Ca"),
    "sm": ("Rb", "Ra", "Cb", "Ca"),
    "bdm": ("Db", "Da", "Cb", "Ca"),
    "wdq": ("Rb", "Ra", "Db", "Da", "Cb", "Ca"),
    "tne": ("Rb", "Ra", "Db", "Da", "Cb", "Ca"),
    "wdd": ("Rb", "Ra", "Cb", "Ca", "Db", "Da", "CDb", "CDa"),
}
# The counts each measure divides by.
DIVISORS = {
    "ne": ("Cb", "Ca"),
    "sm": ("Cb", "Ca"),
    "bdm": ("Cb", "Ca"),
    "wdq": ("Cb", "Ca"),
    "tne": ("Cb",),
}


@dataclass(frozen=True)
class Counts:
    """The eight counts; None where an area has no count (no control chosen, or an indicator
    that has no figures for a buffer). `poisson` is False for figures that are not counts of
    events (sums of an indicator), for which no standard error is given."""

    Rb: float
    Ra: float
    Cb: float | None = None
    Ca: float | None = None
    Db: float | None = None
    Da: float | None = None
    CDb: float | None = None
    CDa: float | None = None
    poisson: bool = True

    def get(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True)
class Measure:
    """One measure: its value, or why it has none.

    `problem`: None, "missing" (an area has no count), "division_by_zero", "small_counts",
    "no_success" (WDQ when the response area did not improve relative to the control) or
    "not_counts" (a standard error for figures that are not counts). `names` lists the
    counts the problem is about."""

    key: str
    value: float | None
    problem: str | None = None
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Results:
    counts: Counts
    min_count: int
    ge: Measure
    ne: Measure
    sm: Measure
    bdm: Measure
    wdq: Measure
    tne: Measure
    wdd: Measure
    se: float | None
    ci_low: float | None
    ci_high: float | None
    # "decrease" / "increase" (the 95 % interval of WDD excludes zero), "unclear" (it
    # includes zero) or "not_computable" (no WDD).
    verdict: str
    # How the WDQ reads (None without one): "diffusion_greater" (> 1), "diffusion" (0..1],
    # "none" (0), "displacement" ([-1..0)), "displacement_greater" (< -1).
    wdq_reading: str | None

    def measures(self) -> list[Measure]:
        return [self.ge, self.ne, self.sm, self.bdm, self.wdq, self.tne, self.wdd]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = asdict(self.counts)
        return data


def _blocked(key: str, counts: Counts, min_count: int) -> Measure | None:
    """The reason a measure cannot be given, or None when it can."""
    uses = USES[key]
    missing = tuple(n for n in uses if counts.get(n) is None)
    if missing:
        return Measure(key, None, "missing", missing)
    zero = tuple(n for n in DIVISORS.get(key, ()) if counts.get(n) == 0)
    if zero:
        return Measure(key, None, "division_by_zero", zero)
    few = tuple(n for n in uses if counts.get(n) < min_count)
    if few:
        return Measure(key, None, "small_counts", few)
    return None


def _f(value: float) -> Fraction:
    return Fraction(value) if not isinstance(value, float) else Fraction(value).limit_denominator()


def compute(counts: Counts, min_count: int = MIN_COUNT) -> Results:
    """Every measure from the counts, each a number or the reason it has none."""
    # Each formula runs only once `_blocked` has found every count it uses present (and its
    # divisors not zero), so the values it reads are Fractions, never None.
    c: dict[str, Any] = {
        n: (_f(counts.get(n)) if counts.get(n) is not None else None) for n in USES["wdd"]
    }

    def measure(key: str, formula: Callable[[], Fraction]) -> Measure:
        return _blocked(key, counts, min_count) or Measure(key, float(formula()))

    ge = measure("ge", lambda: c["Rb"] - c["Ra"])
    ne = measure("ne", lambda: c["Rb"] / c["Cb"] - c["Ra"] / c["Ca"])
    sm = measure("sm", lambda: c["Ra"] / c["Ca"] - c["Rb"] / c["Cb"])
    bdm = measure("bdm", lambda: c["Da"] / c["Ca"] - c["Db"] / c["Cb"])
    tne = measure(
        "tne",
        lambda: (c["Rb"] * c["Ca"] / c["Cb"] - c["Ra"]) + (c["Db"] * c["Ca"] / c["Cb"] - c["Da"]),
    )

    wdq = _blocked("wdq", counts, min_count)
    reading = None
    if wdq is None:
        success = c["Ra"] / c["Ca"] - c["Rb"] / c["Cb"]
        if success == 0:
            wdq = Measure("wdq", None, "division_by_zero", ("SM",))
        elif success > 0:
            wdq = Measure("wdq", None, "no_success", ("SM",))
        else:
            value = (c["Da"] / c["Ca"] - c["Db"] / c["Cb"]) / success
            wdq = Measure("wdq", float(value))
            reading = _reading(value)

    wdd = _blocked("wdd", counts, min_count)
    se = ci_low = ci_high = None
    verdict = "not_computable"
    if wdd is None:
        value = (
            (c["Ra"] - c["Rb"]) - (c["Ca"] - c["Cb"]) + (c["Da"] - c["Db"]) - (c["CDa"] - c["CDb"])
        )
        wdd = Measure("wdd", float(value))
        if counts.poisson:
            se = math.sqrt(float(sum(c[n] for n in USES["wdd"])))
            ci_low, ci_high = float(value) - Z95 * se, float(value) + Z95 * se
            verdict = "decrease" if ci_high < 0 else "increase" if ci_low > 0 else "unclear"
        else:
            wdd = Measure("wdd", float(value), "not_counts", ())
    return Results(
        counts=counts, min_count=min_count, ge=ge, ne=ne, sm=sm, bdm=bdm, wdq=wdq, tne=tne,
        wdd=wdd, se=se, ci_low=ci_low, ci_high=ci_high, verdict=verdict, wdq_reading=reading,
    )  # fmt: skip


def _reading(wdq: Fraction) -> str:
    if wdq > 1:
        return "diffusion_greater"
    if wdq > 0:
        return "diffusion"
    if wdq == 0:
        return "none"
    if wdq >= -1:
        return "displacement"
    return "displacement_greater"
