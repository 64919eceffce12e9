"""Forms for SARA cases, analyses, actions, updates and assessments.

Choices offer only what the user may use: owners they coordinate, the scene's sub-places and
team organisations, staff of those organisations. The models' clean() methods hold the rules.
"""

from django import forms
from django.db.models import CharField, Func
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation, User
from ods_platform.lib import formatting
from scenes.models import Category, Indicator, Place, Scene

from . import effect, permissions
from .models import (
    TECHNIQUE_CHOICES,
    Action,
    ActionStatus,
    Analysis,
    Assessment,
    Case,
    EffectEvaluation,
    Method,
)

DATE = forms.DateInput(attrs={"type": "date"})


class NumberInput(forms.NumberInput):
    """A decimal shown as typed: a goal of 42 reads "42", not "42.00"."""

    def format_value(self, value):
        return formatting.input_number(value) or None


NUMBER = NumberInput(attrs={"step": "any", "inputmode": "decimal"})


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "title",
            "owner",
            "places",
            "problem_statement",
            "goal_indicator",
            "goal_baseline",
            "goal_target",
            "goal_date",
            "goal_measure",
            "indicators",
        ]
        widgets = {
            "places": forms.CheckboxSelectMultiple,
            "indicators": forms.CheckboxSelectMultiple,
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "goal_baseline": NUMBER,
            "goal_target": NUMBER,
            "goal_date": DATE,
        }

    def __init__(self, *args, user, scene, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.scene = scene
        shown = _("Shown to everyone who sees the case, STAD's evaluators included.")
        for name in ("title", "problem_statement", "goal_indicator"):
            help_text = self.fields[name].help_text
            self.fields[name].help_text = f"{help_text} {shown}".strip() if help_text else shown
        owners = permissions.case_owner_choices(user, scene)
        if self.instance.pk:
            owners.append(self.instance.owner_id)
        self.fields["owner"].queryset = Organisation.objects.filter(pk__in=owners)
        self.fields["places"].queryset = scene.places.all()
        self.fields["goal_measure"].queryset = scene.indicators.all()
        self.fields["indicators"].queryset = scene.indicators.all()


class PhaseForm(forms.Form):
    to_phase = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Reason (needed when going back)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnalysisForm(forms.ModelForm):
    class Meta:
        model = Analysis
        fields = [
            "area",
            "place",
            "finding",
            "handler",
            "handler_weak",
            "guardian",
            "guardian_weak",
            "manager",
            "manager_weak",
            "restricted",
        ]
        widgets = {"finding": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.case = case
        self.fields["place"].queryset = case.scene.places.all()


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = [
            "title",
            "method",
            "analysis",
            "description",
            "responsible",
            "assignee",
            "status",
            "start_on",
            "due_on",
            "output_unit",
            "output_target",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "start_on": DATE,
            "due_on": DATE,
            "output_target": NUMBER,
        }

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.case = case
        team = case.scene.team.values("organisation_id")
        self.fields["responsible"].queryset = Organisation.objects.filter(pk__in=team)
        self.fields["assignee"].queryset = (
            User.objects.filter(memberships__organisation_id__in=team, is_active=True)
            .distinct()
            .order_by("last_name", "first_name")
        )
        self.fields["method"].queryset = Method.objects.filter(is_active=True)
        self.fields["analysis"].queryset = case.analyses.all()


class ActionUpdateForm(forms.Form):
    text = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Unchanged")), *ActionStatus.choices], required=False
    )
    output_achieved = forms.DecimalField(
        label=_("Output achieved so far"),
        required=False,
        min_value=0,
        max_digits=12,
        widget=NUMBER,
    )
    restricted = forms.BooleanField(
        label=_("Only our own organisation"),
        required=False,
        help_text=_(
            "The text is kept to your organisation until it is shared with a recorded legal "
            "basis; the status and the output are still shown to the team."
        ),
    )


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["assessed_on", "process", "effect", "conclusion"]
        widgets = {
            "assessed_on": DATE,
            "process": forms.Textarea(attrs={"rows": 3}),
            "effect": forms.Textarea(attrs={"rows": 3}),
            "conclusion": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.case = case


class MethodForm(forms.ModelForm):
    lead_kinds = forms.MultipleChoiceField(
        label=_("Usually led by"),
        choices=Organisation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    techniques = forms.MultipleChoiceField(
        label=_("Situational prevention techniques"),
        choices=TECHNIQUE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Method
        fields = [
            "name", "slug", "kind", "description", "lead_kinds", "techniques",
            "source_checked", "source", "is_active",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def save(self, commit=True):
        # Edited here: the catalogue's later versions no longer overwrite it.
        self.instance.catalogue_managed = False
        return super().save(commit)


class LinkObservationsForm(forms.Form):
    """Scanning: link the observations that show the problem, chosen by filter."""

    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
    category = forms.ChoiceField(label=_("Category"), required=False)
    place = forms.ModelChoiceField(
        label=_("Sub-place"), queryset=None, required=False, empty_label=_("The whole scene")
    )

    def __init__(self, *args, case, **kwargs):
        from scenes.models import Category

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["place"].queryset = case.scene.places.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise forms.ValidationError(_("The period must start before it ends."))
        return cleaned


class EffectForm(forms.Form):
    """What to compare for effect and displacement (sara/effect.py). Every choice is one the
    user may see; the counts are made on the server from these choices alone."""

    measure = forms.ChoiceField(
        label=_("Count"),
        choices=EffectEvaluation.Measure.choices,
        widget=forms.RadioSelect,
        initial=EffectEvaluation.Measure.OBSERVATIONS,
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories of observations"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every category."),
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.none(), required=False,
        help_text=_("When an indicator is counted: one of the scene's."),
    )  # fmt: skip
    place = forms.ModelChoiceField(
        label=_("Response area"), queryset=Place.objects.none(), required=False,
        empty_label=_("The whole scene"),
        help_text=_("The scene, or one of its sub-places that is an area (not a point)."),
    )  # fmt: skip
    buffer_m = forms.IntegerField(
        label=_("Buffer width (m)"),
        min_value=effect.MIN_BUFFER_M,
        max_value=effect.MAX_BUFFER_M,
        initial=effect.DEFAULT_BUFFER_M,
        help_text=_(
            "The ring around the response area where displacement is looked for. Observations "
            "lie at most %(m)d m outside their scene, so a wide ring mostly catches other scenes."
        ),
    )
    control = forms.ChoiceField(
        label=_("Control area"),
        choices=EffectEvaluation.Control.choices,
        widget=forms.RadioSelect,
        initial=EffectEvaluation.Control.MUNICIPALITY,
    )
    control_scene = forms.ModelChoiceField(
        label=_("Control scene"), queryset=Scene.objects.none(), required=False,
        empty_label=_("Choose a scene"),
    )  # fmt: skip
    control_indicator = forms.ModelChoiceField(
        label=_("Control indicator"), queryset=Indicator.objects.none(), required=False,
        help_text=_("When an indicator is counted: the same figure for the control area."),
    )  # fmt: skip
    before_start = forms.DateField(label=_("Before, from"), widget=DATE)
    before_end = forms.DateField(label=_("Before, to"), widget=DATE)
    after_start = forms.DateField(label=_("After, from"), widget=DATE)
    after_end = forms.DateField(label=_("After, to"), widget=DATE)

    def __init__(self, *args, scene, user, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.scene = scene
        self.fields["buffer_m"].help_text = self.fields["buffer_m"].help_text % {
            "m": settings.ODS_OBSERVATION_MAX_DISTANCE_M
        }
        indicators = Indicator.objects.visible_to(user)
        self.fields["indicator"].queryset = indicators.filter(scene=scene)
        self.fields["control_indicator"].queryset = indicators.exclude(scene=scene).select_related(
            "scene", "municipality"
        )
        self.fields["control_indicator"].label_from_instance = lambda i: f"{i} – {i.place_name}"
        self.fields["place"].queryset = (
            Place.objects.visible_to(user)
            .filter(scene=scene)
            .annotate(shape=Func("geometry", function="GeometryType", output_field=CharField()))
            .filter(shape__in=["POLYGON", "MULTIPOLYGON"])
        )
        self.fields["control_scene"].queryset = (
            Scene.objects.visible_to(user).exclude(pk=scene.pk).order_by("name")
        )
        self.user = user

    @classmethod
    def data_of(cls, setup: effect.Setup) -> dict:
        """A setup as form data (for the defaults: the page shows them computed)."""
        return {
            "measure": setup.measure,
            "categories": list(setup.categories),
            "indicator": setup.indicator.pk if setup.indicator else "",
            "place": setup.place.pk if setup.place else "",
            "buffer_m": setup.buffer_m,
            "control": setup.control,
            "control_scene": setup.control_scene.pk if setup.control_scene else "",
            "control_indicator": setup.control_indicator.pk if setup.control_indicator else "",
            "before_start": setup.before[0].isoformat(),
            "before_end": setup.before[1].isoformat(),
            "after_start": setup.after[0].isoformat(),
            "after_end": setup.after[1].isoformat(),
        }

    def clean(self):
        from django.utils import timezone

        cleaned = super().clean()
        dates = [cleaned.get(n) for n in ("before_start", "before_end", "after_start", "after_end")]
        if all(dates):
            b0, b1, a0, a1 = dates
            if not (b0 <= b1 < a0 <= a1):
                self.add_error(
                    "after_start",
                    _("The before period must end before the after period begins, each from "
                      "its first day to its last."),
                )  # fmt: skip
            elif (b1 - b0) != (a1 - a0):
                self.add_error(
                    "after_end",
                    _("Choose two periods of the same length (before: %(b)d days, after: "
                      "%(a)d days), so that their counts can be compared.")
                    % {"b": (b1 - b0).days + 1, "a": (a1 - a0).days + 1},
                )  # fmt: skip
            elif a1 > timezone.localdate():
                self.add_error("after_end", _("The after period cannot end in the future."))
            elif (a1 - b0).days + 1 > effect.MAX_PERIOD_DAYS * 2:
                self.add_error("before_start", _("The periods are too long."))
        measure = cleaned.get("measure")
        if measure == EffectEvaluation.Measure.INDICATOR and not cleaned.get("indicator"):
            self.add_error("indicator", _("Choose the indicator to count."))
        control = cleaned.get("control")
        if measure != EffectEvaluation.Measure.INDICATOR:
            if control == EffectEvaluation.Control.SCENE and not cleaned.get("control_scene"):
                self.add_error("control_scene", _("Choose the control scene."))
            if control == EffectEvaluation.Control.MUNICIPALITY and not (
                Scene.objects.visible_to(self.user)
                .filter(municipality_id=self.scene.municipality_id)
                .exclude(pk=self.scene.pk)
                .exists()
            ):
                self.add_error(
                    "control",
                    _("%(municipality)s has no other scene you see: choose another scene as "
                      "control.") % {"municipality": self.scene.municipality},
                )  # fmt: skip
        return cleaned

    def setup(self) -> effect.Setup:
        data = self.cleaned_data
        indicator_measure = data["measure"] == EffectEvaluation.Measure.INDICATOR
        control = data["control"]
        return effect.Setup(
            scene=self.scene,
            before=(data["before_start"], data["before_end"]),
            after=(data["after_start"], data["after_end"]),
            measure=data["measure"],
            categories=tuple(sorted(data.get("categories") or [])),
            place=data.get("place"),
            buffer_m=data["buffer_m"],
            control=EffectEvaluation.Control.NONE if indicator_measure else control,
            control_scene=data.get("control_scene")
            if control == EffectEvaluation.Control.SCENE and not indicator_measure
            else None,
            indicator=data.get("indicator") if indicator_measure else None,
            control_indicator=data.get("control_indicator") if indicator_measure else None,
        )


class EffectAssessmentForm(forms.ModelForm):
    """The assessment the measured effect is stored with."""

    class Meta:
        model = Assessment
        fields = ["assessed_on", "process", "effect", "conclusion"]
        widgets = AssessmentForm.Meta.widgets

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.case = case
        self.fields["effect"].help_text = _(
            "In your own words; the measures are stored with the assessment as they are shown."
        )
