"""Template filters for numbers and dates: `{% load formatting %}`, then `{{ n|num }}`.

Each filter is one function of `ods_platform.lib.formatting`, in the active language, so a
page prints a number exactly as the PDF and the charts do.
"""

from django import template

from ods_platform.lib import formatting

register = template.Library()


@register.filter
def num(value, decimals=2):
    """Whole numbers without decimals, others with at most `decimals`: 42,00 → 42."""
    return formatting.number(value, decimals=int(decimals))


@register.filter
def integer(value):
    return formatting.integer(value)


@register.filter
def pct(share):
    """A share 0..1 as "25 %"."""
    return formatting.percent(share)


@register.filter
def change(relative):
    return formatting.change(relative)


@register.filter
def hour_range(hour):
    return formatting.hour_range(int(hour))


@register.filter
def fdate(value):
    """1 december 2026."""
    return formatting.date(value)


@register.filter
def fdate_medium(value):
    """1 dec. 2026."""
    return formatting.date_medium(value)


@register.filter
def fdatetime(value):
    """1 dec. 2026 kl. 07:46."""
    return formatting.datetime(value)


@register.filter
def fdatetime_short(value):
    """1 dec. 07:46."""
    return formatting.datetime_short(value)


@register.filter
def ftime(value):
    """07:46, local time."""
    return formatting.time(value)


@register.filter
def ftime_seconds(value):
    """07:46:05, local time."""
    return formatting.time(value, seconds=True)


@register.filter
def fmonth(value):
    """oktober 2026."""
    return formatting.month(value)


@register.filter
def coordinate(value):
    return formatting.coordinate(value)


@register.filter
def weekday_short(index):
    return formatting.weekday_short(int(index))


@register.filter
def pct_of(part, whole):
    """`{{ n|pct_of:total }}`: n as a share of total, "25 %"."""
    return formatting.percent(part / whole) if whole else formatting.DASH
