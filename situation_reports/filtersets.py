"""The filters of the report list: one FilterSet, used by the page and the API alike."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from .models import Report


class ReportFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(
        label=_("Status"), choices=Report.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        model = Report
        fields = ["status"]
