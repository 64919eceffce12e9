"""Filter forms for scene and observation lists, and the analysis period.

Every choice offered is one the user may see; an invalid value simply filters nothing out
rather than failing the page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation

from .models import Category, PlaceType, Source, Status

DEFAULT_PERIOD_DAYS = 90


class SceneFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Organisation.objects.none(), required=False,
        empty_label=_("All municipalities"),
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *Status.choices], required=False
    )
    place_type = forms.ChoiceField(
        label=_("Place type"), choices=[("", _("All place types")), *PlaceType.choices],
        required=False,
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organisation.objects.visible_to(user).filter(
            kind="kommun"
        )

    def filter(self, scenes):
        if not self.is_bound or not self.is_valid():
            return scenes
        data = self.cleaned_data
        if data.get("municipality"):
            scenes = scenes.filter(municipality=data["municipality"])
        if data.get("status"):
            scenes = scenes.filter(status=data["status"])
        if data.get("place_type"):
            scenes = scenes.filter(place_type=data["place_type"])
        return scenes


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class PeriodForm(forms.Form):
    """From and to (inclusive) dates; the last 90 days unless chosen."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
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


class ObservationFilterForm(PeriodForm):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices],
        required=False,
    )  # fmt: skip
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All sources")), *Source.choices], required=False
    )
    place = forms.ModelChoiceField(
        label=_("Sub-place"), queryset=None, required=False, empty_label=_("All sub-places")
    )

    def __init__(self, *args, scene, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = scene.places.all()

    def filter(self, observations):
        start, end = self.bounds()
        observations = observations.filter(occurred_at__gte=start, occurred_at__lt=end)
        if not self.is_bound or not self.is_valid():
            return observations
        data = self.cleaned_data
        if data.get("category"):
            observations = observations.filter(category=data["category"])
        if data.get("source"):
            observations = observations.filter(source=data["source"])
        if data.get("place"):
            observations = observations.filter(place=data["place"])
        return observations
