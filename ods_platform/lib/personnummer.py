"""Swedish personal identity numbers found in free text, so that text naming a person is refused.

The platform records observations about places and groups, never about people. A personnummer,
or the samordningsnummer given to people not registered in Sweden, points at one person, so free
text that contains one is rejected. Only numbers whose date exists and whose check digit is right
are reported, which keeps phone numbers, dates and reference numbers from being flagged.
"""

import re
from datetime import date

# YYMMDDNNNC or YYYYMMDDNNNC. The separator is '-', or '+' once the holder turns 100; people also
# type a space, and text pasted from a word processor brings an en dash or a no-break space.
# Every part has a fixed width, so the pattern cannot backtrack more than a step.
_CANDIDATE = re.compile(
    r"""
    (?<![0-9])                  # not the tail of a longer run of digits
    (?P<century>[0-9]{2})?
    (?P<date>[0-9]{6})
    [-+\ \u2013\u00a0]?
    (?P<serial>[0-9]{3})
    (?P<check>[0-9])
    (?![0-9])                   # nor the head of one
    """,
    re.VERBOSE,
)

# A samordningsnummer is a personnummer with 60 added to the day of birth.
_SAMORDNING_DAY_OFFSET = 60

# A 10-digit number leaves the century out. The 1900s and 2000s between them hold every month
# and day there is: a year ending in 00 is a leap year in the 2000s, the others in both or neither.
_CENTURIES_LEFT_OUT = (19, 20)

# A written century outside these is no one's year of birth, so the 12 digits are something else.
_CENTURIES_WRITTEN = (18, 19, 20)


def _luhn_check_digit(nine_digits: str) -> int:
    """The check digit for YYMMDDNNN: weights 2, 1, 2, ... from the left, product digits summed."""
    total = 0
    for position, digit in enumerate(nine_digits):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _date_exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_identity_number(match: re.Match[str]) -> bool:
    yymmdd = match["date"]
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if day > _SAMORDNING_DAY_OFFSET:
        day -= _SAMORDNING_DAY_OFFSET
    centuries: tuple[int, ...]
    if match["century"] is None:
        centuries = _CENTURIES_LEFT_OUT
    else:
        centuries = (int(match["century"]),)
        if centuries[0] not in _CENTURIES_WRITTEN:
            return False
    if not any(_date_exists(century * 100 + year, month, day) for century in centuries):
        return False
    # The check digit covers the 10-digit form as written, a samordningsnummer's day included.
    return int(match["check"]) == _luhn_check_digit(yymmdd + match["serial"])


def find_identity_numbers(text: str) -> list[str]:
    """Every substring of text that is a Luhn-valid Swedish personnummer or samordningsnummer.

    Each is returned as written in text, separator included, in order of appearance.
    """
    return [match[0] for match in _CANDIDATE.finditer(text) if _is_identity_number(match)]


def contains_identity_number(text: str) -> bool:
    """Whether text holds a personnummer or samordningsnummer anywhere."""
    return any(_is_identity_number(match) for match in _CANDIDATE.finditer(text))
