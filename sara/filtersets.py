"""The filters of the SARA lists: one FilterSet per list, used by its page and its API
endpoint alike (the method catalogue has a page only, cases an API only)."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import Organisation
from scenes.filtersets import IdFilter

from . import catalogue
from .models import Action, ActionStatus, Case, Method, Phase
from .permissions import open_condition, overdue_condition


class StrictBooleanField(forms.Field):
    """`true`/`false` (or 1/0); anything else is an error rather than silently ignored."""

    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanParam(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # The DRF flavour's BooleanWidget turns unknown text into None, i.e. no filter.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class MethodFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="search")
    kind = filters.ChoiceFilter(
        label=_("Kind"), choices=Method.Kind.choices, empty_label=_("All kinds")
    )
    group = filters.ChoiceFilter(
        label=_("Technique group"),
        choices=catalogue.TECHNIQUE_GROUPS,
        empty_label=_("All groups"),
        method="in_group",
    )
    lead = filters.ChoiceFilter(
        label=_("Usually led by"),
        choices=Organisation.Kind.choices,
        empty_label=_("Any actor"),
        method="led_by",
    )

    class Meta:
        model = Method
        fields = ["q", "kind", "group", "lead"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def in_group(self, queryset, name, value):
        codes = [code for code, group, _name in catalogue.TECHNIQUES if group == value]
        return queryset.filter(techniques__overlap=codes)

    def led_by(self, queryset, name, value):
        return queryset.filter(lead_kinds__contains=[value])


class CaseFilterSet(filters.FilterSet):
    scene = IdFilter(field_name="scene_id", help_text="A scene id.")
    phase = filters.ChoiceFilter(choices=Phase.choices)
    owner = IdFilter(field_name="owner_id", help_text="The owner organisation's id.")

    class Meta:
        model = Case
        fields = ["scene", "phase", "owner"]


class ActionFilterSet(filters.FilterSet):
    case = IdFilter(field_name="case_id", help_text="A case id.")
    status = filters.ChoiceFilter(choices=ActionStatus.choices)
    responsible = IdFilter(
        field_name="responsible_id", help_text="The responsible organisation's id."
    )
    open = BooleanParam(
        method="filter_open",
        help_text="true: planned or ongoing actions; false: done or cancelled ones.",
    )
    mine = BooleanParam(
        method="filter_mine",
        help_text=(
            "true: the actions of the organisations you work on actions for, and those "
            "assigned to you; false: all others."
        ),
    )
    overdue = BooleanParam(
        method="filter_overdue",
        help_text="true: planned or ongoing actions past their due date; false: all others.",
    )

    class Meta:
        model = Action
        fields = ["case", "status", "responsible", "open", "mine", "overdue"]

    @staticmethod
    def _either(queryset, condition, value):
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_open(self, queryset, name, value):
        return self._either(queryset, open_condition(), value)

    def filter_mine(self, queryset, name, value):
        mine = Q(pk__in=Action.objects.on_desk_of(self.request.user).values("pk"))
        return self._either(queryset, mine, value)

    def filter_overdue(self, queryset, name, value):
        return self._either(queryset, overdue_condition(timezone.localdate()), value)
