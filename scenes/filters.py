"""The analysis period of the scene pages (the lists' filters are in filtersets.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ods_platform.lib.plain import validate_plausible_date

DEFAULT_PERIOD_DAYS = 90


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class PeriodForm(forms.Form):
    """From and to (inclusive) dates; the last 90 days unless chosen."""

    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_plausible_date],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_plausible_date],
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return cleaned

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in local time."""
        today = timezone.localdate()
        start = end = None
        if self.is_bound and self.is_valid():
            start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        end = end or today
        start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        return _day_start(start), _day_start(end + timedelta(days=1))

    def query(self) -> str:
        start, end = self.bounds()
        return urlencode(
            {"start": start.date().isoformat(), "end": (end - timedelta(days=1)).date().isoformat()}
        )
