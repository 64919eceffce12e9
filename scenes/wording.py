"""The analysis in words: one function per statement, for the pages and the lägesbild.

Everything here takes the numbers of `scenes.analysis` (or their stored dict form, as in a
report's snapshot) and answers with a translated sentence, formatted by
`ods_platform.lib.formatting`, so the scene page, a sub-place's page and the PDF (rendered
with Swedish active) say the same thing in the same words. Where `scenes.analysis` rules a
figure out (thin data, a period not covered), the sentence says why instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ods_platform.lib import formatting as f

from . import analysis


def _get(obj: Any, name: str):
    return obj[name] if isinstance(obj, Mapping) else getattr(obj, name)


def observations(n: int) -> str:
    """1 observation / 1 248 observations."""
    return ngettext("%(n)s observation", "%(n)s observations", n) % {"n": f.integer(n)}


def thin_data(total: int, minimum: int) -> str:
    """Why no share, peak, hotspot or change is given."""
    if total == 0:
        return _("No observations in the period: no share, peak, hotspot or change can be stated.")
    return ngettext(
        "Only %(n)s observation in the period, fewer than %(min)s: shares, peaks, hotspots "
        "and changes are not stated, because with so few observations they would be chance.",
        "Only %(n)s observations in the period, fewer than %(min)s: shares, peaks, hotspots "
        "and changes are not stated, because with so few observations they would be chance.",
        total,
    ) % {"n": f.integer(total), "min": f.integer(minimum)}


def peak_rule() -> str:
    return _(
        "A time is named as a peak only when it holds more observations than an even spread "
        "over the period would give with a probability below %(alpha)s (one-sided binomial "
        "test, corrected for the number of times compared)."
    ) % {"alpha": f.percent(analysis.PEAK_ALPHA)}


def peak_label(peak) -> str:
    """torsdagar kl. 22–23 / kl. 22–23 / torsdagar."""
    weekday, hour = _get(peak, "weekday"), _get(peak, "hour")
    if weekday is not None and hour is not None:
        return f.slot(weekday, hour)
    if hour is not None:
        return f.hours([hour])
    return f.weekday(weekday, plural=True)


def peak_fact(peak) -> str:
    """torsdagar kl. 22–23: 150 observationer (25 %)."""
    return _("%(when)s: %(count)s (%(share)s)") % {
        "when": peak_label(peak),
        "count": observations(_get(peak, "count")),
        "share": f.percent(_get(peak, "share")),
    }


def _named(peaks: list) -> list:
    return [p for p in peaks if _get(p, "stands_out")]


def peaks_summary(peaks) -> str:
    """The named peaks, strongest first, or that there is no clear peak."""
    slots = _named(_get(peaks, "slots"))
    hours = _named(_get(peaks, "hours"))
    weekdays = _named(_get(peaks, "weekdays"))
    if not (slots or hours or weekdays):
        return _(
            "No clear peak: no time of the week holds more observations than an even spread "
            "could give by chance."
        )
    parts = []
    if slots:
        parts.append(
            _("Peak times of the week: %(list)s.") % {"list": "; ".join(map(peak_fact, slots))}
        )
    if hours:
        parts.append(
            _("Peak hours of the day: %(list)s.") % {"list": "; ".join(map(peak_fact, hours))}
        )
    if weekdays:
        parts.append(_("Peak weekdays: %(list)s.") % {"list": "; ".join(map(peak_fact, weekdays))})
    return " ".join(parts)


def concentration(c, cell_m: int) -> str:
    """de 2 mest belastade av 16 celler (13 %) har 64 % av observationerna."""
    cells, top = _get(c, "cells"), _get(c, "top_cells")
    share = _get(c, "share")
    if not cells or share is None:
        return ""
    values = {
        "top": f.integer(top),
        "cells": f.integer(cells),
        "cell_share": f.percent(top / cells),
        "share": f.percent(share),
    }
    if top == 1:
        text = _(
            "Concentration: the busiest of %(cells)s cells (%(cell_share)s) holds %(share)s of "
            "the observations."
        )
    else:
        text = _(
            "Concentration: the %(top)s busiest of %(cells)s cells (%(cell_share)s) hold "
            "%(share)s of the observations."
        )
    size = f.integer(cell_m)
    return (
        text % values
        + " "
        + _("A cell is a square of %(size)s × %(size)s metres.") % {"size": size}
    )


def change(ch, minimum: int | None = None) -> str:
    """+25 % (150 against 120), or why no change is stated."""
    if ch is None:
        return ""
    count, previous = _get(ch, "count"), _get(ch, "previous")
    value, reason = _get(ch, "value"), _get(ch, "reason")
    if value is not None:
        return _("Change %(change)s (%(count)s against %(previous)s in the previous period).") % {
            "change": f.change(value),
            "count": f.integer(count),
            "previous": f.integer(previous),
        }
    data_from = _get(ch, "data_from")
    if isinstance(data_from, str):
        data_from = date.fromisoformat(data_from)
    if reason == "future":
        return _("No change is stated: the period is not over yet.")
    if reason == "not_covered":
        if data_from is None:
            return _("No change is stated: there are no observations before this period.")
        return _(
            "No change is stated: data begins on %(date)s, so the previous period is not "
            "fully covered."
        ) % {"date": f.date(data_from)}
    if reason == "thin":
        return _(
            "No change is stated: at least one of the periods has fewer than %(min)s "
            "observations (%(count)s against %(previous)s)."
        ) % {
            "min": f.integer(minimum if minimum is not None else analysis.min_observations()),
            "count": f.integer(count),
            "previous": f.integer(previous),
        }
    if reason == "unknown":
        return _(
            "No change is stated: this report was stored before the platform recorded how far "
            "back its data reaches."
        )
    if reason == "no_previous":
        return _("No change is stated: the previous period has no observations.")
    return ""


def month(m) -> str:
    """oktober 2026, or "oktober 2026 (del: 29 av 31 dagar)" for a month the period cuts."""
    first = _get(m, "month")
    if isinstance(first, str):
        first = date.fromisoformat(first + "-01" if len(first) == 7 else first)
    label = f.month(first)
    days, month_days = _get(m, "days"), _get(m, "month_days")
    if days < month_days:
        return _("%(month)s (partial: %(days)s of %(all)s days)") % {
            "month": label,
            "days": f.integer(days),
            "all": f.integer(month_days),
        }
    return label


def partial_months_note() -> str:
    return _(
        "Months the period cuts are marked partial: their counts cover only the days "
        "inside the period and are not comparable with whole months."
    )


def class_label(low: int, high: int) -> str:
    """1–2, 3–5, 61–240, or 7 for a class of one count."""
    return f.integer(low) if low == high else f"{f.integer(low)}–{f.integer(high)}"
