"""Forms for scenes, their team, sub-places, symptom assessments and observations.

Choice fields offer only what the user may see (and, for observations, where they may log);
a forged id in a POST fails validation like any wrong choice.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from django import forms
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from actors.models import Organisation
from ods_platform.lib.localtime import aware_local
from ods_platform.lib.personnummer import contains_identity_number
from ods_platform.lib.plain import validate_plain_text, validate_plausible_date

from . import permissions
from .models import (
    PERSONAL_DATA_MESSAGE,
    AffectedGroup,
    Category,
    Indicator,
    IndicatorValue,
    LocationFactor,
    Observation,
    PeriodKind,
    Place,
    Scene,
    Share,
    Source,
    Symptom,
    SymptomAssessment,
    TeamBasis,
)


def _parse_coordinates(text: str) -> list[tuple[float, float]]:
    """Lines of 'lat, lon' as (lon, lat) pairs; numbers only, never passed to GDAL as text."""
    pairs = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p for p in line.replace(";", ",").replace(" ", ",").split(",") if p]
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            raise forms.ValidationError(
                _("Line %(n)d: write latitude and longitude, e.g. 59.3326, 18.0649."),
                params={"n": number},
            ) from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
            raise forms.ValidationError(_("Line %(n)d is not a coordinate."), params={"n": number})
        pairs.append((lon, lat))
    return pairs


class ChildModelForm(forms.ModelForm):
    """A model form for an object whose parent is set on the instance, not chosen in the form.

    Django leaves fields that are not in the form out of the unique checks; the parent is put
    back in, so a duplicate (a second sub-place with the same name at a scene) gets a message
    on the form instead of a database error."""

    parent_field: str = ""

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.discard(self.parent_field)
        return exclude


class SceneForm(forms.ModelForm):
    boundary_coordinates = forms.CharField(
        label=_("Boundary as coordinates (instead of drawing)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One corner per line as latitude, longitude (WGS 84), e.g. 59.3326, 18.0649. "
            "At least three corners. Leave empty to use the map."
        ),
    )
    status_comment = forms.CharField(
        label=_("Comment on a status change"), required=False, max_length=500
    )

    field_order = [
        "name", "municipality", "area_type", "place_type", "status", "status_comment",
        "boundary", "boundary_coordinates", "description", "identified_on", "closed_on",
    ]  # fmt: skip

    class Meta:
        model = Scene
        fields = [
            "name",
            "municipality",
            "area_type",
            "place_type",
            "status",
            "boundary",
            "description",
            "identified_on",
            "closed_on",
        ]
        widgets = {
            "boundary": LeafletWidget(),
            "identified_on": forms.DateInput(attrs={"type": "date"}),
            "closed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user, nonce=None, **kwargs):
        super().__init__(*args, **kwargs)
        # django-leaflet's widget carries an inline script; the CSP lets it run by nonce.
        self.fields["boundary"].widget.csp_nonce = nonce
        municipalities = Organisation.objects.visible_to(user).filter(kind="kommun")
        allowed = permissions.creatable_municipality_ids(user)
        if allowed is not None:
            keep = set(allowed)
            if self.instance.pk:
                keep.add(self.instance.municipality_id)
            municipalities = municipalities.filter(pk__in=keep)
        self.fields["municipality"].queryset = municipalities
        self.fields["boundary"].required = False
        if not self.instance.pk:
            self.fields.pop("status_comment")

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("boundary_coordinates")
        if text:
            try:
                pairs = _parse_coordinates(text)
            except forms.ValidationError as exc:
                self.add_error("boundary_coordinates", exc)
                return cleaned
            corners = list(dict.fromkeys(pairs))  # each corner once, in the order given
            if len(corners) < 3:
                self.add_error("boundary_coordinates", _("Give at least three different corners."))
                return cleaned
            ring = [*corners, corners[0]]
            cleaned["boundary"] = MultiPolygon(Polygon(ring), srid=4326)
            self.instance.boundary = cleaned["boundary"]
        if not cleaned.get("boundary"):
            self.add_error("boundary", _("Draw the boundary on the map or give its corners."))
        elif isinstance(cleaned["boundary"], Polygon):
            cleaned["boundary"] = MultiPolygon(cleaned["boundary"], srid=4326)
            self.instance.boundary = cleaned["boundary"]
        return cleaned


class TeamAddForm(forms.Form):
    """An organisation joins the team on a recorded basis, reading from a chosen day."""

    READS_FROM_TODAY, READS_FROM_DATE, READS_ALL = "today", "date", "all"

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    basis = forms.ChoiceField(
        label=_("Basis of the cooperation"),
        choices=[
            (v, label) for v, label in TeamBasis.choices if v not in ("created", "unrecorded")
        ],
    )
    basis_reference = forms.CharField(
        label=_("Reference"),
        max_length=300,
        required=False,
        help_text=_(
            "The agreement's reference (diarienummer), or the provision written out when it is "
            "another provision."
        ),
    )
    basis_date = forms.DateField(
        label=_("Agreement date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reads = forms.ChoiceField(
        label=_("Free text the organisation may read"),
        choices=[
            (READS_FROM_TODAY, _("What is logged from today on")),
            (READS_FROM_DATE, _("What is logged from a date I choose")),
            (READS_ALL, _("Everything, from the scene's first row")),
        ],
        initial=READS_FROM_TODAY,
        widget=forms.RadioSelect,
        help_text=_(
            "Earlier rows are shared only by an explicit choice, which is recorded in the "
            "team's history."
        ),
    )
    reads_from = forms.DateField(
        label=_("Reads from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    is_lead = forms.BooleanField(label=_("Lead organisation"), required=False)

    def __init__(self, *args, user, scene, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.visible_to(user).exclude(
            pk__in=scene.team.values("organisation_id")
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reads") == self.READS_FROM_DATE and not cleaned.get("reads_from"):
            self.add_error("reads_from", _("Choose the day the organisation reads from."))
        return cleaned

    def join_arguments(self) -> dict:
        """The form as the arguments of `services.join_team`."""
        data = self.cleaned_data
        reads = {
            self.READS_FROM_TODAY: timezone.localdate(),
            self.READS_FROM_DATE: data.get("reads_from"),
            self.READS_ALL: None,
        }[data["reads"]]
        return {
            "basis": data["basis"],
            "basis_reference": data["basis_reference"],
            "basis_date": data["basis_date"],
            "reads_from": reads,
            "lead": data["is_lead"],
        }


class ShareForm(forms.ModelForm):
    """Share a kept row: with whom, on which legal basis, for what, decided by whom and when,
    and until when."""

    class Meta:
        model = Share
        fields = [
            "organisations", "basis", "basis_other", "purpose", "decided_by", "decided_on",
            "ends_on",
        ]  # fmt: skip
        widgets = {
            "organisations": forms.CheckboxSelectMultiple,
            "decided_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, row, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = permissions.share_recipient_choices(
            permissions.scene_id_of(row), row.organisation_id
        )
        self.fields["decided_on"].initial = timezone.localdate()
        self.instance.row = row


class SymptomAssessmentForm(forms.ModelForm):
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    location_factors = forms.MultipleChoiceField(
        label=_("Why the scene is here (location factors)"),
        choices=LocationFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SymptomAssessment
        fields = ["assessed_on", "symptoms", "location_factors", "comment"]
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}),
            "comment": forms.Textarea(attrs={"rows": 3}),
        }


class PlaceForm(ChildModelForm):
    parent_field = "scene"
    latitude = forms.FloatField(label=_("Latitude"), required=False)
    longitude = forms.FloatField(label=_("Longitude"), required=False)

    class Meta:
        model = Place
        fields = ["name", "description", "geometry"]
        widgets = {
            "geometry": LeafletWidget(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, scene, nonce=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["geometry"].widget.csp_nonce = nonce
        self.instance.scene = scene
        self.fields["geometry"].required = False
        self.fields["latitude"].help_text = _("Or give a point by its coordinates.")

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is not None and lon is not None:
            cleaned["geometry"] = Point(lon, lat, srid=4326)
            self.instance.geometry = cleaned["geometry"]
        if not cleaned.get("geometry"):
            self.add_error("geometry", _("Mark the sub-place on the map or give coordinates."))
        return cleaned


class LocalDateTimeField(forms.DateTimeField):
    """A typed local time, read also in the hour daylight saving repeats or skips (Django's
    own field refuses those, and with them the form's default time on those nights)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else aware_local(value)
        naive = forms.fields.BaseTemporalField.to_python(self, value)
        validate_plausible_date(naive)  # before it is placed in time (year 1 overflows)
        return aware_local(naive)


class LoggingSceneField(forms.ModelChoiceField):
    """The scenes the observation form offers (`Scene.objects.open_for_logging_by`). A scene
    the user could log at but that is archived (`refused`) is not offered; sent anyway (an
    old page, the outbox), it is refused with why, not as an unknown choice."""

    refused: models.QuerySet[Scene] | None = None

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            key = str(value).strip()
            if (
                exc.code == "invalid_choice"
                and self.refused is not None
                and key.isdigit()
                and self.refused.filter(pk=int(key)).exists()
            ):
                raise forms.ValidationError(
                    permissions.SCENE_ARCHIVED, code="scene_archived"
                ) from None
            raise


class ObservationForm(forms.ModelForm):
    """One screen, for a phone: where (map, position or typed), when, what, who."""

    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    affected_groups = forms.MultipleChoiceField(
        label=_("Affected groups"),
        choices=AffectedGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisation = forms.ModelChoiceField(
        label=_("Logged for"), queryset=Organisation.objects.none(), required=False
    )
    # A new key for every form rendered (kept when it is shown again with errors): the same
    # filled-in form sent twice stores one observation.
    client_uuid = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    class Meta:
        model = Observation
        fields = [
            "scene",
            "occurred_at",
            "category",
            "people_count",
            "affected_groups",
            "source",
            "insecurity",
            "place",
            "description",
            "restricted",
        ]
        field_classes = {"occurred_at": LocalDateTimeField, "scene": LoggingSceneField}
        # Observation.scene has no verbose_name of its own: without this the label is
        # Django's English "Scene" in every language.
        labels = {"scene": _("Scene")}
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "insecurity": forms.RadioSelect(choices=[(i, str(i)) for i in range(1, 6)]),
            "description": forms.Textarea(attrs={"rows": 3}),
            "people_count": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }

    def __init__(self, *args, user, scene=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        loggable = Scene.objects.open_for_logging_by(user).order_by("name")
        self.fields["scene"].queryset = loggable
        self.fields["scene"].refused = Scene.objects.loggable_by(user).archived()
        self.fields["place"].queryset = Place.objects.visible_to(user).filter(scene__in=loggable)
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["insecurity"].widget.choices = [(i, str(i)) for i in range(1, 6)]
        if not self.is_bound:
            ids = list(loggable.values_list("pk", flat=True)[:2]) if scene is None else []
            if scene is not None and loggable.filter(pk=scene.pk).exists():
                self.initial.setdefault("scene", scene.pk)
            elif len(ids) == 1:
                self.initial.setdefault("scene", ids[0])
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        chosen = self._chosen_scene()
        memberships = permissions.logging_memberships(user, chosen) if chosen else []
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[m.organisation_id for m in memberships]
        )
        if len(memberships) <= 1:
            self.fields["organisation"].widget = forms.HiddenInput()

    #: What *Spara och logga en till* carries to the next, empty form (besides the scene).
    KEPT_FOR_NEXT = ("source", "category", "affected_groups")

    def kept_for_next(self) -> dict:
        """The saved form's source, category and groups, as query parameters."""
        return {
            name: self.cleaned_data[name]
            for name in self.KEPT_FOR_NEXT
            if self.cleaned_data.get(name)
        }

    @classmethod
    def initial_from(cls, query) -> dict:
        """Initial values from query parameters (the redirect of *logga en till*): only
        values that are among the field's choices; anything else is left out."""
        initial = {}
        for name, choices in (("source", Source), ("category", Category)):
            value = query.get(name)
            if value in choices.values:
                initial[name] = value
        groups = [g for g in query.getlist("affected_groups") if g in AffectedGroup.values]
        if groups:
            initial["affected_groups"] = list(dict.fromkeys(groups))
        return initial

    def _chosen_scene(self) -> Scene | None:
        key = self.data.get("scene") if self.is_bound else self.initial.get("scene")
        try:
            return self.fields["scene"].queryset.prefetch_related("team").get(pk=key)
        except (Scene.DoesNotExist, ValueError, TypeError):
            return None

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if lat is not None and lon is not None:
            self.instance.location = Point(lon, lat, srid=4326)
        scene = cleaned.get("scene")
        if scene is not None:
            chosen = cleaned.get("organisation")
            organisation = permissions.logging_organisation(
                self.user, scene, chosen.pk if chosen else None
            )
            if organisation is None:
                self.add_error("organisation", _("You cannot log for that organisation here."))
            else:
                self.instance.organisation = organisation
        self.instance.reported_by = self.user
        return cleaned

    def observation_fields(self) -> dict:
        """The observation's own fields as the logging verb takes them (the scene and the
        organisation are passed to it on their own)."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "scene"}
        fields["location"] = self.instance.location
        return fields

    def _update_errors(self, errors):
        # Model validation reports the point's distance under "location", which is not a
        # form field: show it by the coordinate the user typed or clicked.
        if hasattr(errors, "error_dict") and "location" in errors.error_dict:
            errors.error_dict.setdefault("latitude", []).extend(errors.error_dict.pop("location"))
        super()._update_errors(errors)


INDICATOR_FIELDS = ["name", "unit", "source", "lower_is_better", "period", "description"]


class IndicatorForm(ChildModelForm):
    """A scene's indicator."""

    parent_field = "scene"

    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, scene, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.scene = scene
        self.instance.level = "scene"
        # "Other" is kept for indicators from before the periods were fixed.
        self.fields["period"].choices = [
            c for c in self.fields["period"].choices if c[0] != PeriodKind.OTHER
        ]


class MunicipalityIndicatorForm(forms.ModelForm):
    """A municipality's own indicator (a trygghetsmätning, say), for its coordinators."""

    class Meta:
        model = Indicator
        fields = ["municipality", *INDICATOR_FIELDS]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.level = "municipality"
        self.fields["municipality"].required = True
        self.fields["municipality"].queryset = permissions.municipality_indicator_choices(user)
        self.fields["period"].choices = [
            c for c in self.fields["period"].choices if c[0] != PeriodKind.OTHER
        ]


class IndicatorValueForm(ChildModelForm):
    """A value typed in: for a monthly, quarterly or yearly indicator the period is written as
    the import reads it (2026-03, 2026-Q1, 2026); for one with free periods, as two dates."""

    parent_field = "indicator"
    value = forms.CharField(
        label=_("value"), max_length=40, help_text=_("A number, e.g. 12 or 12,5.")
    )
    period = forms.CharField(
        label=_("Period"),
        max_length=20,
        help_text=_("A month 2026-03, a quarter 2026-Q1 or a year 2026."),
    )

    class Meta:
        model = IndicatorValue
        fields = ["period_start", "period_end", "value", "source", "note"]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.indicator = indicator
        self.fields["source"].initial = indicator.source
        if indicator.period == PeriodKind.OTHER:
            del self.fields["period"]
        else:
            del self.fields["period_start"]
            del self.fields["period_end"]
            self.order_fields(["period", "value", "source", "note"])

    def clean_value(self):
        from .indicators import parse_number

        try:
            return parse_number(self.cleaned_data["value"])
        except ValueError:
            raise forms.ValidationError(_("Write a number, e.g. 12 or 12,5.")) from None

    def clean_period(self):
        from .indicators import PeriodError, parse_period

        kind = self.instance.indicator.period
        try:
            found, start, end = parse_period(self.cleaned_data["period"], kind)
        except PeriodError:
            raise forms.ValidationError(
                _("Give the period as 2026-03 (a month), 2026-Q1 (a quarter) or 2026 (a year).")
            ) from None
        if found != kind:
            raise forms.ValidationError(
                _("The indicator has a value per %(kind)s.")
                % {"kind": PeriodKind(kind).label.lower()}
            )
        self.instance.period_start, self.instance.period_end = start, end
        return self.cleaned_data["period"]

    def _get_validation_exclusions(self):
        # The dates come from the period typed: the "once per period" rule still applies.
        exclude = super()._get_validation_exclusions()
        exclude.discard("period_start")
        exclude.discard("period_end")
        return exclude

    def _update_errors(self, errors):
        # The model reports the period under its dates; show it by the period typed.
        if "period" in self.fields and hasattr(errors, "error_dict"):
            for name in ("period_start", "period_end", NON_FIELD_ERRORS):
                if name in errors.error_dict:
                    errors.error_dict.setdefault("period", []).extend(errors.error_dict.pop(name))
        super()._update_errors(errors)


class ArchiveForm(forms.Form):
    """Archiving a scene: an optional comment for its status history."""

    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=500,
        required=False,
        help_text=_("Why the scene is archived; shown in its status history to its team."),
        validators=[validate_plain_text],
    )

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if contains_identity_number(comment):
            raise forms.ValidationError(PERSONAL_DATA_MESSAGE)
        return comment
