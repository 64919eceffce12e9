"""The form for asking for a lägesbild: scope, what it covers, and the period."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation
from scenes.filters import DEFAULT_PERIOD_DAYS
from scenes.models import Scene

from . import services
from .models import Frequency, Kind, Scope
from .permissions import may_request_county, may_request_evaluation, municipality_choices


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of report"),
        choices=[
            (Kind.LAGESBILD.value, _("Lägesbild (situation report)")),
            (Kind.ATGARDSPLAN.value, _("Åtgärdsplan (action plan) of a municipality")),
        ],
        initial=Kind.LAGESBILD.value,
        required=False,
        widget=forms.RadioSelect,
    )
    scope = forms.ChoiceField(label=_("The report covers"), widget=forms.RadioSelect)
    scene = forms.ModelChoiceField(
        label=_("Scene"), queryset=Scene.objects.none(), required=False,
        empty_label=_("Choose a scene"),
    )  # fmt: skip
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Organisation.objects.none(), required=False,
        empty_label=_("Choose a municipality"),
    )  # fmt: skip
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, scene: Scene | None = None, **kwargs):
        today = timezone.localdate()
        initial = {
            "scope": Scope.SCENE,
            "start": today - timedelta(days=DEFAULT_PERIOD_DAYS - 1),
            "end": today,
            **({"scene": scene.pk} if scene else {}),
            **kwargs.pop("initial", {}),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.user = user
        self.fields["scene"].queryset = Scene.objects.visible_to(user).order_by("name")
        municipalities = municipality_choices(user)
        self.fields["municipality"].queryset = municipalities
        scopes = [(Scope.SCENE.value, Scope.SCENE.label)]
        if municipalities.exists():
            scopes.append((Scope.MUNICIPALITY.value, _("All scenes in a municipality")))
        if may_request_county(user):
            scopes.append((Scope.COUNTY.value, _("All scenes in Stockholm County")))
        self.fields["scope"].choices = scopes
        if may_request_evaluation(user):
            self.fields["kind"].choices = [
                *self.fields["kind"].choices,
                (Kind.EVALUATION.value, _("Evaluation report (the follow-up, for STAD)")),
            ]

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        if scope == Scope.SCENE and not cleaned.get("scene"):
            self.add_error("scene", _("Choose the scene the report is about."))
        if cleaned.get("kind") == Kind.ATGARDSPLAN and scope != Scope.MUNICIPALITY:
            self.add_error("scope", _("An action plan is made for a municipality."))
        if cleaned.get("kind") == Kind.EVALUATION and scope == Scope.SCENE:
            self.add_error("scope", _("An evaluation report covers the county or a municipality."))
        if scope == Scope.MUNICIPALITY and not cleaned.get("municipality"):
            self.add_error("municipality", _("Choose the municipality the report is about."))
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            try:
                services.validate_period(start, end)
            except ValidationError as error:
                self.add_error("end" if error.code != "future" else "start", error)
        return cleaned

    def save(self):
        """The queued report; form errors (and None) when the service refuses it."""
        data = self.cleaned_data
        try:
            return services.request_report(
                self.user,
                scope=data["scope"],
                start=data["start"],
                end=data["end"],
                scene=data.get("scene"),
                municipality=data.get("municipality"),
                kind=data.get("kind") or Kind.LAGESBILD,
            )
        except ValidationError as error:
            self.add_error(None, error)
            return None


class SubscriptionForm(forms.Form):
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices)
