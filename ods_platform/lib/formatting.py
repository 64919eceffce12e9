"""Numbers, shares, clock hours, weekdays and dates as people read them.

One module for every surface: the pages (through the template filters in
`ods_platform.templatetags.formatting`), the web charts' labels, the PDF's text and its
matplotlib charts, and exports. Swedish (sv_SE, through Babel's CLDR data) unless the active
language is English; the PDF is always rendered with Swedish active.

The rules, the same everywhere:
- Whole numbers print without decimals ("42", not "42,00"), thousands apart by a no-break
  space (U+00A0): "1 248". Other numbers keep at most `decimals` digits, trailing zeros cut:
  3.50 → "3,5". The minus sign is U+2212.
- A share prints as a whole percentage with a no-break space before "%": 0.253 → "25 %";
  a share above 0 that would round to 0 prints "< 1 %". A change prints with its sign:
  "+25 %", "−10 %", "±0 %".
- A clock hour is the hour that starts at it: 22 → "22–23", 23 → "23–24".
- Dates: "1 december 2026" (long), "1 dec. 2026" (medium), months "oktober 2026".
- A missing value prints as "–".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date as date_type
from datetime import datetime as datetime_type
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from django.conf import settings
from django.utils import translation

DASH = "–"
NBSP = "\u00a0"
MINUS = "\u2212"

LOCALES = {"sv": "sv_SE", "en": "en_GB"}

WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAYS_SV_PLURAL = (
    "måndagar",
    "tisdagar",
    "onsdagar",
    "torsdagar",
    "fredagar",
    "lördagar",
    "söndagar",
)
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def language(lang: str | None = None) -> str:
    """ "sv" or "en": the given language, else the active one; Swedish for anything else."""
    code = (lang or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in LOCALES else "sv"


def locale(lang: str | None = None) -> Locale:
    """The Babel locale of `language(lang)`, parsed once per process (a page formats a few
    hundred numbers, and parsing the locale and the pattern each time was a tenth of the
    scene page's time: bench/README.md)."""
    return _babel_locale(LOCALES[language(lang)])


@cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _number_pattern(pattern: str) -> babel_numbers.NumberPattern:
    return babel_numbers.parse_pattern(pattern)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
    except (InvalidOperation, ValueError, TypeError):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError, TypeError):
            return None
    return number if number.is_finite() else None


def _rounded(number: Decimal, decimals: int) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: Any, decimals: int = 2, lang: str | None = None) -> str:
    """1248 → "1 248", Decimal("42.00") → "42", 3.456 → "3,46" (decimals=2), None → "–"."""
    if decimals == 0 and type(value) is int:
        return _whole(value, lang)
    parsed = _decimal(value)
    if parsed is None:
        return DASH
    rounded = _rounded(parsed, decimals)
    if rounded == 0:
        rounded = abs(rounded)
    pattern = _number_pattern(f"#,##0.{'#' * decimals}" if decimals else "#,##0")
    text = babel_numbers.format_decimal(
        rounded, format=pattern, locale=locale(lang), decimal_quantization=False
    )
    # CLDR gives Swedish a real minus sign; Babel's pattern output keeps the hyphen.
    return MINUS + text[1:] if text.startswith("-") and language(lang) == "sv" else text


def _whole(n: int, lang: str | None) -> str:
    """`number(n, 0)` of a whole number without Babel's pattern machinery (a page formats
    hundreds of counts): the locale's group separator and, in Swedish, a real minus sign."""
    symbols = locale(lang).number_symbols
    group = symbols.get("latn", symbols)["group"]
    text = f"{abs(n):,}".replace(",", group)
    if n >= 0:
        return text
    return (MINUS if language(lang) == "sv" else "-") + text


def input_number(value: Any) -> str:
    """A number as a form's number field takes it back (a dot, no grouping), whole numbers
    without decimals: Decimal("42.00") → "42", Decimal("12.50") → "12.5", None → ""."""
    parsed = _decimal(value)
    if parsed is None:
        return "" if value is None else str(value)
    if parsed == parsed.to_integral_value():
        return str(parsed.quantize(Decimal(1)))
    return format(parsed.normalize(), "f")


def integer(value: Any, lang: str | None = None) -> str:
    """A count: 1248 → "1 248"."""
    return number(value, decimals=0, lang=lang)


def percent(share: Any, lang: str | None = None) -> str:
    """A share (0..1) as a whole percentage: 0.253 → "25 %", 0.001 → "< 1 %"."""
    parsed = _decimal(share)
    if parsed is None:
        return DASH
    whole = _rounded(parsed * 100, 0)
    sign = ""
    if whole == 0 and parsed != 0:
        whole, sign = Decimal(1), "<" + NBSP if parsed > 0 else ">" + NBSP + MINUS
    text = integer(abs(whole) if sign else whole, lang)
    separator = NBSP if language(lang) == "sv" else ""
    return f"{sign}{text}{separator}%"


def change(relative: Any, lang: str | None = None) -> str:
    """A relative change with its sign: 0.25 → "+25 %", -0.1 → "−10 %", 0 → "±0 %"."""
    parsed = _decimal(relative)
    if parsed is None:
        return DASH
    whole = _rounded(parsed * 100, 0)
    separator = NBSP if language(lang) == "sv" else ""
    if whole == 0:
        return f"±0{separator}%"
    text = integer(abs(whole), lang)
    return f"{'+' if whole > 0 else MINUS}{text}{separator}%"


def count(n: Any, singular: str, plural: str, lang: str | None = None) -> str:
    """1 → "1 observation", 1248 → "1 248 observationer" (the words given translated)."""
    return f"{integer(n, lang)} {singular if n == 1 else plural}"


def hour_range(hour: int) -> str:
    """The clock hour that starts at `hour`: 22 → "22–23", 23 → "23–24", 7 → "07–08"."""
    return f"{hour:02d}–{hour + 1:02d}"


def hours(hour_list: Iterable[int], lang: str | None = None) -> str:
    """Clock hours, in the order given: [22, 1] → "kl. 22–23 och 01–02"."""
    items = [hour_range(h) for h in hour_list]
    if not items:
        return ""
    prefix = f"kl.{NBSP}" if language(lang) == "sv" else ""
    return prefix + join(items, lang)


def weekday(index: int, plural: bool = False, lang: str | None = None) -> str:
    """Monday = 0: "torsdag", plural "torsdagar"; English "Thursday", "Thursdays"."""
    if language(lang) == "sv":
        return (WEEKDAYS_SV_PLURAL if plural else WEEKDAYS_SV)[index]
    return WEEKDAYS_EN[index] + ("s" if plural else "")


def weekday_short(index: int, lang: str | None = None) -> str:
    """Monday = 0: "mån" / "Mon"."""
    names = babel_dates.get_day_names("abbreviated", context="format", locale=locale(lang))
    return str(names[index]).rstrip(".")


def slot(weekday_index: int, hour: int, lang: str | None = None) -> str:
    """A weekday and clock hour: "torsdagar kl. 22–23" / "Thursdays 22–23"."""
    return f"{weekday(weekday_index, plural=True, lang=lang)} {hours([hour], lang)}"


def join(words: Iterable[str], lang: str | None = None) -> str:
    """["a", "b", "c"] → "a, b och c" / "a, b and c"."""
    items = [str(w) for w in words if w is not None and str(w) != ""]
    if not items:
        return ""
    return babel_lists.format_list(items, locale=locale(lang))


def _as_date(value: Any) -> date_type | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime_type):
        return local(value).date()
    if isinstance(value, date_type):
        return value
    return date_type.fromisoformat(str(value)[:10])


def local(moment: datetime_type) -> datetime_type:
    """An aware datetime in the platform's time zone (naive ones are taken as local)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def _as_datetime(value: Any) -> datetime_type | None:
    if value is None or value == "":
        return None
    if not isinstance(value, datetime_type):
        value = datetime_type.fromisoformat(str(value))
    return local(value)


def date(value: Any, lang: str | None = None) -> str:
    """1 december 2026 / 1 December 2026."""
    day = _as_date(value)
    return DASH if day is None else babel_dates.format_date(day, "d MMMM y", locale=locale(lang))


def date_medium(value: Any, lang: str | None = None) -> str:
    """1 dec. 2026 / 1 Dec 2026."""
    day = _as_date(value)
    return DASH if day is None else babel_dates.format_date(day, "d MMM y", locale=locale(lang))


def day_month(value: Any, lang: str | None = None) -> str:
    """20 okt. / 20 Oct."""
    day = _as_date(value)
    return DASH if day is None else babel_dates.format_date(day, "d MMM", locale=locale(lang))


def iso_date(value: Any) -> str:
    """2026-12-01: for tables people copy and for files (sorts as text)."""
    day = _as_date(value)
    return DASH if day is None else day.isoformat()


def time(value: Any, lang: str | None = None, seconds: bool = False) -> str:
    """07:46 (07:46:05 with seconds), in local time."""
    moment = _as_datetime(value)
    if moment is None:
        return DASH
    return f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"


def datetime(value: Any, lang: str | None = None) -> str:
    """1 dec. 2026 kl. 07:46 / 1 Dec 2026 07:46, in local time."""
    moment = _as_datetime(value)
    if moment is None:
        return DASH
    at = f" kl.{NBSP}" if language(lang) == "sv" else " "
    return f"{date_medium(moment, lang)}{at}{moment:%H:%M}"


def datetime_short(value: Any, lang: str | None = None) -> str:
    """1 dec. 07:46 / 1 Dec 07:46 (within the current year)."""
    moment = _as_datetime(value)
    if moment is None:
        return DASH
    return f"{day_month(moment, lang)} {moment:%H:%M}"


def iso_datetime(value: Any) -> str:
    """2026-12-01 07:46 in local time: for exports that are read back in."""
    moment = _as_datetime(value)
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def month(value: Any, lang: str | None = None) -> str:
    """oktober 2026 / October 2026."""
    day = _as_date(value)
    return DASH if day is None else babel_dates.format_date(day, "LLLL y", locale=locale(lang))


def month_short(value: Any, lang: str | None = None) -> str:
    """okt. 2026 / Oct 2026."""
    day = _as_date(value)
    return DASH if day is None else babel_dates.format_date(day, "LLL y", locale=locale(lang))


def period(start: Any, end: Any, lang: str | None = None) -> str:
    """1 oktober 2026 – 29 november 2026 (inclusive dates)."""
    return f"{date(start, lang)} – {date(end, lang)}"


def coordinate(value: Any, lang: str | None = None) -> str:
    """A latitude or longitude with 5 decimals: 59,33212."""
    parsed = _decimal(value)
    if parsed is None:
        return DASH
    return babel_numbers.format_decimal(
        _rounded(parsed, 5),
        format=_number_pattern("0.00000"),
        locale=locale(lang),
        decimal_quantization=False,
    )


def position(lat: Any, lon: Any, lang: str | None = None) -> str:
    """59,33212° N, 18,06455° Ö (E in English)."""
    east = "Ö" if language(lang) == "sv" else "E"
    return f"{coordinate(lat, lang)}°{NBSP}N, {coordinate(lon, lang)}°{NBSP}{east}"


def length(metres: Any, lang: str | None = None) -> str:
    """50 → "50 m", 1000 → "1 km", 2500 → "2,5 km"."""
    parsed = _decimal(metres)
    if parsed is None:
        return DASH
    if parsed < 1000:
        return f"{integer(parsed, lang)}{NBSP}m"
    return f"{number(parsed / 1000, decimals=1, lang=lang)}{NBSP}km"
