"""The filters of the scene and observation lists: one FilterSet per list, used by its page
and its API endpoint alike.

Every choice offered is one the user may see. On a page an invalid value filters nothing out
(the form shows why); the API answers 400 for it (django-filter's DRF backend).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import django_filters as filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from actors.models import Organisation
from ods_platform.lib.plain import validate_plausible_date

from .filters import DEFAULT_PERIOD_DAYS, PeriodForm, _day_start
from .models import (
    Category,
    Indicator,
    IndicatorLevel,
    Observation,
    PeriodKind,
    PlaceType,
    Scene,
    Source,
    Status,
)


class PlausibleDateTimeField(filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time between the years 2000 and 2100, with a real UTC offset."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise forms.ValidationError(_("The time zone offset is out of range."))
        validate_plausible_date(moment)
        return moment


class PlausibleIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = PlausibleDateTimeField


class PlausibleDateField(forms.DateField):
    default_validators = [validate_plausible_date]


class PlausibleDateFilter(filters.DateFilter):
    field_class = PlausibleDateField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An object id: a whole number (an id the user may not see simply matches nothing)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def _municipalities(request):
    user = getattr(request, "user", None)
    return Organisation.objects.visible_to(user).filter(kind=Organisation.Kind.KOMMUN)


class SceneFilterSet(filters.FilterSet):
    municipality = filters.ModelChoiceFilter(
        label=_("Municipality"),
        queryset=_municipalities,
        empty_label=_("All municipalities"),
        help_text="The municipality's organisation id.",
    )
    status = filters.ChoiceFilter(
        label=_("Status"), choices=Status.choices, empty_label=_("All statuses")
    )
    place_type = filters.ChoiceFilter(
        label=_("Place type"), choices=PlaceType.choices, empty_label=_("All place types")
    )
    archived = filters.BooleanFilter(
        label=_("Show archived scenes"),
        method="_archived",
        widget=forms.CheckboxInput,
        help_text="true: archived scenes (status avvecklad) too; they are left out otherwise.",
    )

    class Meta:
        model = Scene
        fields = ["municipality", "status", "place_type", "archived"]

    def _archived(self, queryset, name, value):
        return queryset  # applied in `qs`, which also holds for an unfiltered list

    def shows_archived(self) -> bool:
        """Archived scenes are listed when asked for, or when their status is chosen."""
        if not self.is_bound:
            return False
        self.form.is_valid()
        data = getattr(self.form, "cleaned_data", {})
        return bool(data.get("archived")) or data.get("status") == Status.AVVECKLAD

    @property
    def qs(self):
        if not hasattr(self, "_scenes"):
            rows = super().qs
            self._scenes = rows if self.shows_archived() else rows.active()
        return self._scenes


class ObservationFilterSet(filters.FilterSet):
    """Observations by period (local dates, inclusive, or ISO date-times), category, source,
    scene and sub-place.

    `default_days` bounds the period when none is given (the pages show the last 90 days);
    the API leaves it unbounded."""

    start = PlausibleDateFilter(
        label=_("From"),
        method="_by_period",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A local date (YYYY-MM-DD); observations on or after it.",
    )
    end = PlausibleDateFilter(
        label=_("To"),
        method="_by_period",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A local date (YYYY-MM-DD); observations on or before it.",
    )
    category = filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, empty_label=_("All categories")
    )
    source = filters.ChoiceFilter(
        label=_("Source"), choices=Source.choices, empty_label=_("All sources")
    )
    place = IdFilter(label=_("Sub-place"), field_name="place_id", help_text="A sub-place id.")
    scene = IdFilter(label=_("Scene"), field_name="scene_id", help_text="A scene id.")
    occurred_after = PlausibleIsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="gte",
        help_text="ISO 8601 date-time; observations at or after it.",
    )
    occurred_before = PlausibleIsoDateTimeFilter(
        field_name="occurred_at",
        lookup_expr="lt",
        help_text="ISO 8601 date-time; observations before it.",
    )

    # The fields a scene's observation page shows (the scene is the page's own).
    PAGE_FIELDS = ("start", "end", "category", "source", "place")
    default_days: int | None = None

    class Meta:
        model = Observation
        form = PeriodForm  # its clean(): the period starts before it ends
        fields = [
            "start",
            "end",
            "category",
            "source",
            "place",
            "scene",
            "occurred_after",
            "occurred_before",
        ]

    def __init__(self, *args, default_days: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_days = default_days

    @classmethod
    def for_scene_page(cls, data, *, queryset, request, scene):
        """The filters of a scene's observation page: the last 90 days unless chosen, and a
        choice among the scene's own sub-places."""
        filterset = cls(data, queryset=queryset, request=request, default_days=DEFAULT_PERIOD_DAYS)
        choices = [("", _("All sub-places")), *((p.pk, p.name) for p in scene.places.all())]
        filterset.form.fields["place"].widget = forms.Select(choices=choices)
        return filterset

    def page_fields(self):
        return [self.form[name] for name in self.PAGE_FIELDS]

    def _by_period(self, queryset, name, value):
        return queryset  # applied once, for both ends, in filter_queryset

    def period(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) as aware local datetimes; an end is None when unbounded."""
        start = end = None
        if self.is_bound and (self.form.is_valid() or not self.form.non_field_errors()):
            start, end = self.form.cleaned_data.get("start"), self.form.cleaned_data.get("end")
        if self.default_days:
            end = end or timezone.localdate()
            start = start or end - timedelta(days=self.default_days - 1)
        return (
            _day_start(start) if start else None,
            _day_start(end + timedelta(days=1)) if end else None,
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.period()
        if start is not None:
            queryset = queryset.filter(occurred_at__gte=start)
        if end is not None:
            queryset = queryset.filter(occurred_at__lt=end)
        return queryset


class IndicatorFilterSet(filters.FilterSet):
    """The indicator list: by name, level, municipality (the scene's or its own) and period."""

    name = filters.CharFilter(label=_("Name contains"), lookup_expr="icontains")
    level = filters.ChoiceFilter(
        label=_("Level"), choices=IndicatorLevel.choices, empty_label=_("Scenes and municipalities")
    )
    municipality = filters.ModelChoiceFilter(
        label=_("Municipality"),
        queryset=_municipalities,
        empty_label=_("All municipalities"),
        method="_by_municipality",
    )
    period = filters.ChoiceFilter(
        label=_("Values per"), choices=PeriodKind.choices, empty_label=_("Any period")
    )

    class Meta:
        model = Indicator
        fields = ["name", "level", "municipality", "period"]

    def _by_municipality(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(municipality=value) | Q(scene__municipality=value))


def scene_observations(user, scene, data):
    """The observations of a scene's list page for these filters, for the page, its CSV and
    the worker's XLSX export alike (one rule): the filter set, the observations (from
    `in_scene`, so kept rows and hidden text follow the user's rights) and whether they are
    the suspected duplicates. `scene` must come from `get_scene_for_user(user, ...)`."""
    from types import SimpleNamespace

    from . import duplicates

    filterset = ObservationFilterSet.for_scene_page(
        data,
        queryset=Observation.objects.in_scene(user, scene).select_related(
            "place", "organisation", "reported_by"
        ),
        request=SimpleNamespace(user=user),  # the filters ask the request for its user only
        scene=scene,
    )
    observations = filterset.qs
    suspected = data.get("suspected") == "1"
    if suspected:
        # Pairs found by the duplicate rule among what the user sees, in the chosen period.
        observations = duplicates.suspected(observations, user)
    return filterset, observations, suspected


def fixed_period(filterset) -> dict[str, str]:
    """The page's period as explicit dates (`start`, `end`), for an export made later that
    must hold what the page showed today."""
    start, end = filterset.period()
    fixed = {}
    if start is not None:
        fixed["start"] = timezone.localtime(start).date().isoformat()
    if end is not None:
        fixed["end"] = (timezone.localtime(end) - timedelta(days=1)).date().isoformat()
    return fixed
