"""The API's analysis of a scene or a sub-place over a period.

`GET /api/v1/scenes/{id}/analysis/?start=YYYY-MM-DD&end=YYYY-MM-DD` (and
`/api/v1/places/{id}/analysis/`) answers with the same figures as the scene page, from the
same function (`scenes.analysis.analyse_period`) over the same observations (those the user
may see), under the same rules: below the thin-data minimum, `peaks`, `hotspots`,
`concentration` and every `share` are null, and `statements.thin_data` says why; a change is
given only when the rules allow it (`change.stated`, `change.reason`). The period defaults to
the last 90 days, as on the page.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import analysis, wording
from .filters import PeriodForm
from .models import Observation
from .permissions import get_place_for_user, get_scene_for_user


def analysis_payload(request, observations, scene_id: int | None = None) -> dict:
    form = PeriodForm(request.query_params or None)
    if form.is_bound and not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    start, end = form.bounds()
    result = analysis.analyse_period(
        observations, start.date(), (end - timedelta(days=1)).date(), scene_id=scene_id
    )
    payload = result.as_dict()
    # Up to which day a long period was read from the daily rollup (None: from the
    # observations only); the figures are the same either way.
    payload["rollup_through"] = result.rollup_through.isoformat() if result.rollup_through else None
    payload["cell_m"] = settings.ODS_HOTSPOT_CELL_M
    payload["statements"] = {
        "thin_data": None
        if result.enough
        else wording.thin_data(result.total, result.min_observations),
        "peaks": wording.peaks_summary(result.peaks) if result.enough else None,
        "peak_rule": wording.peak_rule(),
        "concentration": wording.concentration(result.concentration, settings.ODS_HOTSPOT_CELL_M)
        if result.enough
        else None,
        "change": wording.change(result.change, result.min_observations),
    }
    if payload["peaks"] is not None:
        for key in ("slots", "hours", "weekdays"):
            for row, peak in zip(payload["peaks"][key], getattr(result.peaks, key), strict=True):
                row["label"] = wording.peak_label(peak)
    for row, month in zip(payload["months"], result.months, strict=True):
        row["label"] = wording.month(month)
    return payload


PERIOD_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (inclusive)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (inclusive)."),
]


class SceneAnalysisView(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        scene = get_scene_for_user(request.user, pk)
        visible = Observation.objects.in_scene(request.user, scene).counted()
        return Response({"scene": scene.pk, **analysis_payload(request, visible, scene.pk)})


class PlaceAnalysisView(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        place = get_place_for_user(request.user, pk)
        visible = Observation.objects.visible_to(request.user).counted().filter(place=place)
        return Response(
            {"scene": place.scene_id, "place": place.pk, **analysis_payload(request, visible)}
        )
