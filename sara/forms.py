"""Forms for SARA cases, analyses, actions, updates and assessments.

Choices offer only what the user may use: owners they coordinate, the scene's sub-places and
team organisations, staff of those organisations. The models' clean() methods hold the rules.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation, User

from . import permissions
from .models import (
    TECHNIQUE_CHOICES,
    Action,
    ActionStatus,
    Analysis,
    Assessment,
    Case,
    Method,
)

DATE = forms.DateInput(attrs={"type": "date"})


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
        label=_("Output achieved so far"), required=False, min_value=0, max_digits=12
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
