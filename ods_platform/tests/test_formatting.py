"""The one formatting module: every surface prints a number, a share, an hour and a date
the same way, in Swedish unless the UI is English."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from ods_platform.lib import formatting as f

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def swedish():
    with translation.override("sv"):
        yield


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (42, "42"),
        (Decimal("42.00"), "42"),
        (Decimal("20.50"), "20,5"),
        (3.456, "3,46"),
        (1248, f"1{NBSP}248"),
        (1234567, f"1{NBSP}234{NBSP}567"),
        (-5, "\u22125"),
        (-0.001, "0"),
        (None, "–"),
        (float("nan"), "–"),
    ],
)
def test_numbers_whole_without_decimals_and_one_thousands_separator(value, text):
    assert f.number(value) == text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_whole_numbers_take_the_quick_path_with_the_same_text_as_babel(lang):
    """Counts are formatted without Babel's pattern machinery (a page formats hundreds):
    the text is exactly Babel's, separators and minus sign included, in both languages."""
    values = [0, 1, -1, 7, 999, 1000, -1000, 1248, 12345, -99999, 1_000_000, 10**15, -(10**12)]
    for n in values:
        quick = f.integer(n, lang=lang)
        slow = f.number(Decimal(n), decimals=0, lang=lang)  # a Decimal goes through Babel
        assert quick == slow, (n, quick, slow)
    assert f.integer(-1234, lang="sv") == "\u22121\u00a0234"
    assert f.integer(True) == "–"  # a yes/no is not a count


def test_integer_rounds_half_up():
    assert f.integer(2.5) == "3"
    assert f.integer(Decimal("1248.4")) == f"1{NBSP}248"


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.253, f"25{NBSP}%"),
        (0.125, f"13{NBSP}%"),
        (0.6400, f"64{NBSP}%"),
        (1 / 3, f"33{NBSP}%"),
        (0.001, f"<{NBSP}1{NBSP}%"),
        (0, f"0{NBSP}%"),
        (1, f"100{NBSP}%"),
        (None, "–"),
    ],
)
def test_percent_is_whole_with_no_break_space(share, text):
    assert f.percent(share) == text


def test_change_has_its_sign():
    assert f.change(0.25) == f"+25{NBSP}%"
    assert f.change(-0.1) == f"\u221210{NBSP}%"
    assert f.change(0.001) == f"±0{NBSP}%"
    assert f.change(None) == "–"


def test_hours_are_the_hour_that_starts():
    assert f.hour_range(22) == "22–23"
    assert f.hour_range(23) == "23–24"
    assert f.hour_range(7) == "07–08"
    assert f.hours([22, 1]) == f"kl.{NBSP}22–23 och 01–02"
    assert f.slot(3, 22) == f"torsdagar kl.{NBSP}22–23"


def test_dates_in_swedish():
    moment = datetime(2026, 12, 1, 6, 46, tzinfo=UTC)  # 07:46 in Stockholm
    assert f.date(date(2026, 12, 1)) == "1 december 2026"
    assert f.date("2026-10-20") == "20 oktober 2026"
    assert f.day_month(date(2026, 10, 20)) == "20 okt."
    assert f.datetime_short(moment) == "1 dec. 07:46"
    assert f.datetime(moment) == f"1 dec. 2026 kl.{NBSP}07:46"
    assert f.month(date(2026, 10, 3)) == "oktober 2026"
    assert f.iso_datetime(moment) == "2026-12-01 07:46"


def test_lists_lengths_positions():
    assert f.join(["a", "b", "c"]) == "a, b och c"
    assert f.join([]) == ""
    assert f.length(50) == f"50{NBSP}m"
    assert f.length(2500) == f"2,5{NBSP}km"
    assert f.position(59.332, 18.06) == f"59,33200°{NBSP}N, 18,06000°{NBSP}Ö"


def test_english_when_the_ui_is_english():
    with translation.override("en"):
        assert f.number(1234.5) == "1,234.5"
        assert f.percent(0.25) == "25%"
        assert f.slot(3, 22) == "Thursdays 22–23"
        assert f.month(date(2026, 10, 1)) == "October 2026"
        assert f.datetime_short(datetime(2026, 12, 1, 6, 46, tzinfo=UTC)) == "1 Dec 07:46"


def test_template_filters_use_the_module():
    html = Template(
        "{% load formatting %}{{ a|num }} {{ b|pct }} {{ c|fdatetime_short }} {{ d|fmonth }}"
    ).render(
        Context(
            {
                "a": Decimal("42.00"),
                "b": 0.253,
                "c": datetime(2026, 12, 1, 6, 46, tzinfo=UTC),
                "d": date(2026, 10, 1),
            }
        )
    )
    assert html == f"42 25{NBSP}% 1 dec. 07:46 oktober 2026"


def test_clock_times_and_number_fields():
    moment = datetime(2026, 12, 1, 6, 46, 5, tzinfo=UTC)  # 07:46:05 in Stockholm
    html = Template("{% load formatting %}{{ t|ftime }} {{ t|ftime_seconds }}").render(
        Context({"t": moment})
    )
    assert html == "07:46 07:46:05"
    # What a number field shows to be edited: whole numbers without decimals, a dot.
    assert f.input_number(Decimal("42.00")) == "42"
    assert f.input_number(Decimal("100.00")) == "100"
    assert f.input_number(Decimal("12.50")) == "12.5"
    assert f.input_number(None) == ""


TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
# Django's own filters print dates and numbers in their own formats ("1 Dec 07:46", "42,00").
DJANGO_FORMATS = re.compile(r"\|\s*(date|time|naturaltime|naturalday|floatformat|intcomma)\b")
# A hidden form value is read back by a form, not by a person: ISO is what the field takes.
FORM_VALUE = re.compile(r"value=\"\{\{[^}]*\|date:'Y-m-d'\s*\}\}\"")


def test_pages_print_dates_and_numbers_only_through_the_formatting_module():
    found = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if DJANGO_FORMATS.search(FORM_VALUE.sub("", line)) or "load humanize" in line:
                found.append(f"{path.relative_to(TEMPLATE_DIR)}:{n}")
    assert found == []
