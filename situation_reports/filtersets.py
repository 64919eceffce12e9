"""The filters of the report list: one FilterSet, used by the page and the API alike."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from .models import Kind, Report, Scope


class ReportFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(
        label=_("Status"), choices=Report.Status.choices, empty_label=_("All statuses")
    )
    kind = filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=_("All kinds"))
    scope = filters.ChoiceFilter(
        label=_("Scope"), choices=Scope.choices, empty_label=_("Every scope")
    )

    class Meta:
        model = Report
        fields = ["status", "kind", "scope"]
