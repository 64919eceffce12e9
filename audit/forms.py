"""The log review's questions (loggkontroll), as forms."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What a reviewer may ask about, by the name the entries use.
OBJECT_TYPES = [
    ("scenes.scene", _("Scene")),
    ("scenes.observation", _("Observation")),
    ("sara.case", _("SARA case")),
    ("sara.action", _("Action")),
    ("sara.analysis", _("Analysis entry")),
    ("sara.actionupdate", _("Action update")),
    ("situation_reports.report", _("Report")),
]
SAMPLE_SIZES = [(10, "10"), (20, "20"), (50, "50")]
DATE = forms.DateInput(attrs={"type": "date"})


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return cleaned

    def bounds(self, days: int = 30):
        """The chosen days (the last `days` by default) as [start, end) datetimes."""
        from datetime import datetime, time

        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=days - 1)
        aware = timezone.get_current_timezone()
        return (
            datetime.combine(start, time.min, tzinfo=aware),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=aware),
        )


class ObjectReadsForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Kind of object"), choices=OBJECT_TYPES)
    object_id = forms.IntegerField(label=_("Object number"), min_value=1, max_value=2**62)


class UserReadsForm(PeriodForm):
    username = forms.CharField(label=_("User name"), max_length=150)


class SampleForm(PeriodForm):
    size = forms.TypedChoiceField(
        label=_("Number of reads"), choices=SAMPLE_SIZES, coerce=int, initial=20
    )


class ReviewForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
