"""Input that cannot hurt: plain text, plausible dates, and the limits every field keeps.

One module for the rules every way in shares (forms, API, import): models that mix in
`PlainInput` check them in `full_clean()`, so a value that breaks one is refused with a clear
message by every entry point, and nothing stored can later break a page or an export.

- Text holds no control characters (except tab and line breaks) and no bidirectional
  embedding, override or isolate characters, which can make a text shown on a page read in
  another order than it was written. A text field without a limit of its own holds at most
  `MAX_TEXT` characters.
- A date lies between `MIN_DATE` and `MAX_DATE`; a time of an event (`EVENT_TIMES`) is not
  before `MIN_DATE` and not in the future (see the model for its tolerance).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 4000
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the
# bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

UNSAFE_TEXT = _(
    "The text contains invisible control characters (often pasted from another program). "
    "Remove them and save again."
)
TOO_LONG = _("The text is too long: at most %(limit)d characters (it has %(length)d).")
IMPLAUSIBLE_DATE = _("Give a date between %(min)s and %(max)s.")


def unsafe_characters(text: str) -> bool:
    return bool(_UNSAFE.search(text))


def printable(text: str) -> str:
    """The text without the characters `unsafe_characters` finds (for stored text that was
    written before the rule, so that an export or a page never fails on it)."""
    return _UNSAFE.sub("", text)


def validate_plain_text(value: object) -> None:
    if isinstance(value, str) and unsafe_characters(value):
        raise ValidationError(UNSAFE_TEXT, code="unsafe_text")


def plausible(day: date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def validate_plausible_date(value: object) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not plausible(day):
        raise ValidationError(
            IMPLAUSIBLE_DATE,
            code="implausible_date",
            params={"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
        )


if TYPE_CHECKING:
    _Base = models.Model
else:
    _Base = object


class PlainInput(_Base):
    """For models: every text field holds plain text within its limit, every date is
    plausible. Checked with the field checks of `full_clean()`."""

    def clean_fields(self, exclude: Any = None) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if (exclude and field.name in exclude) or field.name in errors:
                continue
            value = getattr(self, field.attname, None)
            try:
                self._check_plain(field, value)
            except ValidationError as exc:
                errors.setdefault(field.name, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _check_plain(field: Any, value: Any) -> None:
        text = isinstance(field, models.CharField | models.TextField) and isinstance(value, str)
        if text:
            validate_plain_text(value)
            unlimited = isinstance(field, models.TextField) and field.max_length is None
            if unlimited and len(value) > MAX_TEXT:
                raise ValidationError(TOO_LONG, params={"limit": MAX_TEXT, "length": len(value)})
        dated = isinstance(field, models.DateField | models.DateTimeField) and value is not None
        if dated and not (field.auto_now or field.auto_now_add):
            validate_plausible_date(value)
