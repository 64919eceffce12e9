"""Pages for scenes and observations. Views parse, authorise, call a service, respond.

Every object is fetched through the helpers in permissions.py: 404 for what the user may not
see, 403 for what they may see but not change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import FloatField, Func
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.reads import record_read, record_read_rows
from ods_platform import exports, scene_removal
from ods_platform.lib import formatting
from ods_platform.lib.export import FORMATS, csv_stream_response, table_response
from ods_platform.lib.paging import bounded_page
from ods_platform.models import ExportJob

from . import analysis, duplicates, permissions, rollups, services, tables, wording
from .filters import PeriodForm
from .filtersets import SceneFilterSet, fixed_period, scene_observations
from .forms import (
    ArchiveForm,
    IndicatorForm,
    IndicatorValueForm,
    MunicipalityIndicatorForm,
    ObservationForm,
    PlaceForm,
    SceneForm,
    ShareForm,
    SymptomAssessmentForm,
    TeamAddForm,
)
from .models import (
    IndicatorValue,
    Landmark,
    Observation,
    Scene,
    Share,
    Status,
    StatusChange,
    SymptomAssessment,
)

STATUS_COLOURS = {
    Status.KARTLAGD: "#5f6b7a",
    Status.AKTIV: "#b3261e",
    Status.UNDER_ATGARD: "#a15c00",
    Status.MINSKAD: "#2e6b30",
    Status.AVVECKLAD: "#1f4e8c",
}
LAST_SCENE_SESSION_KEY = "ods_last_scene"
OBSERVATION_PAGE_SIZE = 50
SCENE_PAGE_SIZE = 50


# --- County map and list ------------------------------------------------------------------


def _filtered_scenes(request, *, counts=True):
    """The visible scenes the filter asks for; with `counts`, each with `observation_count`
    and `last_seen` from the per-scene rollup (scenes/rollups.py), not the observations."""
    scenes = (
        Scene.objects.visible_to(request.user)
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
    if counts:
        scenes = rollups.annotate_counts(scenes, request.user)
    filterset = SceneFilterSet(request.GET or None, queryset=scenes, request=request)
    return filterset.form, filterset.qs


@login_required
def scene_list(request):
    form, scenes = _filtered_scenes(request)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        # The visible scenes: hundreds at most nationally; a direct download (XLSX by a worker
        # is for unbounded tables: ods_platform/exports.py).
        scenes = list(scenes)
        ids = [s.pk for s in scenes]
        record_read(request, "export", Scene, ids, scene_ids=ids)
        return table_response(
            "scener",
            [_("Name"), _("Municipality"), _("Status"), _("Area type"), _("Place type"),
             _("First identified"), _("Closed"), _("Observations")],
            (
                (s.name, s.municipality.name, s.get_status_display(), s.get_area_type_display(),
                 s.get_place_type_display(), s.identified_on, s.closed_on, s.observation_count)
                for s in scenes
            ),
            fmt,
        )  # fmt: skip
    # A page of the list; the map (map.json) and the export show every scene the filter keeps.
    page = Paginator(scenes, SCENE_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [s.pk for s in page]
    record_read(request, "list", Scene, ids, scene_ids=ids)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scenes/scene_list.html",
        {
            "form": form,
            "scenes": page,
            "page": page,
            "page_query": query.urlencode(),
            "query": query.urlencode(),
            "can_create": permissions.can_create_scene(request.user),
            "counts_checked_at": rollups.checked_at(),
            "status_legend": [(s.label, STATUS_COLOURS[s]) for s in Status],
        },
    )


@login_required
@require_GET
def scene_map_data(request):
    """GeoJSON of the visible (and filtered) scenes for the county map: their outlines up to
    ODS_MAP_FEATURE_LIMIT scenes and ODS_MAP_MAX_BYTES, past that the number of scenes per
    grid cell (`mode: "grid"`), so the response stays small however many scenes there are."""
    import json

    from django.contrib.gis.db.models.functions import AsGeoJSON

    _form, scenes = _filtered_scenes(request, counts=False)
    limit = settings.ODS_MAP_FEATURE_LIMIT
    rows = list(
        scenes.annotate(shape=AsGeoJSON("boundary", precision=6)).values_list(
            "pk", "name", "municipality__name", "status", "shape"
        )[: limit + 1]
    )
    body = None
    if len(rows) <= limit:
        status_labels = dict(Status.choices)
        features = [
            {
                "type": "Feature",
                "geometry": json.loads(shape),
                "properties": {
                    "id": pk,
                    "name": name,
                    "municipality": municipality,
                    "status": str(status_labels.get(status, status)),
                    "colour": STATUS_COLOURS[status],
                    "url": reverse("scenes:scene_detail", args=[pk]),
                },
            }
            for pk, name, municipality, status, shape in rows
        ]
        ids = [pk for pk, *_rest in rows]
        body = json.dumps({"type": "FeatureCollection", "features": features})
        if len(body.encode()) > settings.ODS_MAP_MAX_BYTES:
            body = None
    if body is None:
        ids, cells = _scene_cells(scenes, settings.ODS_MAP_CELL_LIMIT)
        body = json.dumps(
            {"type": "FeatureCollection", "features": [], "mode": "grid", "cells": cells}
        )
    record_read(request, "map", Scene, ids, scene_ids=ids)
    return HttpResponse(body, content_type="application/json")


def _scene_cells(scenes, limit: int) -> tuple[list[int], list[dict]]:
    """(ids, cells): the scenes counted per square cell of their centroids, the cells
    1 km and up (doubling) until at most `limit` hold scenes."""
    import math

    from django.contrib.gis.db.models.functions import Centroid

    points = [
        (pk, c.y, c.x)
        for pk, c in scenes.annotate(c=Centroid("boundary")).values_list("pk", "c")
        if c is not None
    ]
    size = 1000.0
    while True:
        cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
        for _pk, lat, lon in points:
            key = (
                math.floor(lon * 111_320 * math.cos(math.radians(lat)) / size),
                math.floor(lat * 110_574 / size),
            )
            cells.setdefault(key, []).append((lat, lon))
        if len(cells) <= limit:
            break
        size *= 2
    out = [
        {
            "lat": round(sum(p[0] for p in members) / len(members), 6),
            "lon": round(sum(p[1] for p in members) / len(members), 6),
            "count": len(members),
        }
        for _key, members in sorted(cells.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return [pk for pk, _lat, _lon in points], out


def _geojson(geometry):
    import json

    return json.loads(geometry.geojson)


# --- Scene create / edit --------------------------------------------------------------------


@login_required
def scene_create(request):
    if not permissions.can_create_scene(request.user):
        raise PermissionDenied
    form = SceneForm(request.POST or None, user=request.user, nonce=request.csp_nonce)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in SceneForm.Meta.fields}
        scene = services.create_scene(by=request.user, **data)
        messages.success(request, _("The scene was created."))
        return redirect("scenes:scene_detail", scene.pk)
    return render(request, "scenes/scene_form.html", {"form": form})


@login_required
def scene_edit(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    form = SceneForm(
        request.POST or None, instance=scene, user=request.user, nonce=request.csp_nonce
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in SceneForm.Meta.fields}
        services.update_scene(
            scene,
            by=request.user,
            status_comment=form.cleaned_data.get("status_comment", ""),
            **data,
        )
        messages.success(request, _("The scene was saved."))
        return redirect("scenes:scene_detail", scene.pk)
    return render(request, "scenes/scene_form.html", {"form": form, "scene": scene})


# --- Scene page -----------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, datetime, datetime]:
    form = PeriodForm(request.GET or None)
    start, end = form.bounds()
    return form, start, end


def _hotspot_feature(cell, result) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": cell.polygon_4326},
        "properties": {
            "count": cell.count,
            "label": wording.observations(cell.count),
            "colour": result.cell_colour(cell.count),
        },
    }


def analysis_context(request, observations, start, end, *, where, scene_id=None) -> dict:
    """The analysis block of the scene page and a sub-place's page: the figures of
    `observations` (visible to the user, one scene or sub-place, any time) for the period
    [start, end), under the rules of scenes.analysis, with the charts' data. With `scene_id`
    (all the scene's observations) a long period is read from the daily rollup too."""
    last = end - timedelta(days=1)
    result = analysis.analyse_period(observations, start.date(), last.date(), scene_id=scene_id)
    weekdays = [formatting.weekday_short(d) for d in range(7)]
    charts = {
        "weekdays": weekdays,
        "hours": [formatting.hour_range(h) for h in range(24)],
        "matrix": [[d, h, result.matrix[d][h]] for d in range(7) for h in range(24)],
        "matrix_max": max((max(row) for row in result.matrix), default=0),
        "matrix_description": _("Observations by weekday and hour of day, %(where)s. %(peaks)s")
        % {
            "where": where,
            "peaks": wording.peaks_summary(result.peaks)
            if result.enough
            else wording.thin_data(result.total, result.min_observations),
        },
        "months": [
            {"label": wording.month(m), "count": m.count, "partial": m.partial}
            for m in result.months
        ],
        "months_description": _("Observations per month, %(where)s: %(list)s.")
        % {
            "where": where,
            "list": "; ".join(
                f"{wording.month(m)} {formatting.integer(m.count)}" for m in result.months
            ),
        },
        "labels": {
            "observations": _("Observations"),
            "partial": _("Partial month"),
            "whole": _("Whole month"),
        },
    }
    return {
        "result": result,
        "observation_count": result.total,
        "thin_data": None
        if result.enough
        else wording.thin_data(result.total, result.min_observations),
        "change_text": wording.change(result.change, result.min_observations),
        "concentration_text": wording.concentration(
            result.concentration, settings.ODS_HOTSPOT_CELL_M
        )
        if result.enough
        else "",
        "peaks_text": wording.peaks_summary(result.peaks) if result.enough else "",
        "peak_rule": wording.peak_rule(),
        "peak_rows": {
            title: [(wording.peak_label(p), p) for p in rows]
            for title, rows in (
                (_("weekday and hour"), result.peaks.slots),
                (_("hour of day"), result.peaks.hours),
                (_("weekday"), result.peaks.weekdays),
            )
        }
        if result.enough
        else {},
        "months": [(wording.month(m), m) for m in result.months],
        "partial_note": wording.partial_months_note() if result.any_partial_month else "",
        "class_legend": [
            (wording.class_label(low, high), colour)
            for (low, high), colour in zip(result.classes, result.colours, strict=True)
        ],
        "matrix_rows": list(zip(weekdays, result.matrix, strict=True)),
        "hours": range(24),
        "hotspot_cell_m": settings.ODS_HOTSPOT_CELL_M,
        "chart_data": charts,
        "start": start,
        "end": last,
        "rollup_through": result.rollup_through,
        "rollup_refreshed_at": result.rollup_refreshed_at,
    }


def _map_context(scene, places, landmarks, result, observations_url) -> dict:
    return {
        "boundary": _geojson(scene.boundary),
        "places": [
            {"name": p.name, "geometry": _geojson(p.geometry), "url": p.get_absolute_url()}
            for p in places
        ],
        "landmarks": [
            {
                "name": lm.name,
                "kind": lm.get_kind_display(),
                "lat": round(lm.location.y, 6),
                "lon": round(lm.location.x, 6),
            }
            for lm in landmarks
        ],
        "observations_url": observations_url,
        "hotspots": [_hotspot_feature(h, result) for h in result.cells],
        "tiles": settings.MAP_TILES_URL,
        "basemap": reverse("scenes:basemap") if settings.ODS_BASEMAP_PMTILES else "",
    }


@login_required
def scene_detail(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk)
    period_form, start, end = _period(request)
    visible = Observation.objects.in_scene(request.user, scene)
    # Duplicates are listed (marked) but counted in no figure.
    context = analysis_context(
        request, visible.counted(), start, end, where=scene.name, scene_id=scene.pk
    )
    # Every list of the scene's rows within the authorised scene (`in_scene`: the row rules
    # without the visible-scene subquery).
    assessments = list(
        SymptomAssessment.objects.in_scene(request.user, scene).select_related("organisation")[:10]
    )
    places = list(scene.places.all())
    landmarks = list(Landmark.objects.in_scene(request.user, scene))
    recent = list(visible.select_related("organisation", "place")[:8])
    context |= {
        "scene": scene,
        "period_form": period_form,
        "latest_assessment": assessments[0] if assessments else None,
        "assessments": assessments,
        "team": scene.team.all(),  # with the organisations (get_scene_for_user)
        "status_history": StatusChange.objects.in_scene(request.user, scene).select_related(
            "changed_by"
        )[:10],
        "places": places,
        "landmarks": landmarks,
        "indicators": scene.indicators.all(),
        "recent": recent,
        "can_edit": permissions.can_edit_scene(request.user, scene),
        "can_log": permissions.can_log_observation(request.user, scene)
        and permissions.takes_observations(scene),
        "can_manage_team": permissions.can_manage_team(request.user, scene),
        "can_delete": permissions.can_delete_scene(request.user),
        "team_history": scene.team_changes.select_related("organisation", "changed_by")[:20],
        "map_data": _map_context(
            scene,
            places,
            landmarks,
            context["result"],
            reverse("scenes:scene_observation_map", args=[scene.pk]) + "?" + period_form.query(),
        ),
    }
    record_read(request, "view", Scene, [scene.pk], scene_ids=[scene.pk])
    record_read(request, "list", Observation, [o.pk for o in recent], scene_ids=[scene.pk])
    return render(request, "scenes/scene_detail.html", context)


@login_required
def place_detail(request, pk):
    """A sub-place analysed on its own; the SARA analyses and actions about it come from
    SARA's template tag (`place_work`)."""
    place = permissions.get_place_for_user(request.user, pk)
    scene = place.scene
    period_form, start, end = _period(request)
    visible = Observation.objects.visible_to(request.user).filter(place=place).counted()
    context = analysis_context(request, visible, start, end, where=place.name)
    landmarks = list(Landmark.objects.visible_to(request.user).filter(scene=scene))
    context |= {
        "scene": scene,
        "place": place,
        "period_form": period_form,
        "can_edit": permissions.can_edit_scene(request.user, scene),
        "map_data": _map_context(
            scene,
            [place],
            landmarks,
            context["result"],
            reverse("scenes:scene_observation_map", args=[scene.pk])
            + "?"
            + period_form.query()
            + f"&place={place.pk}",
        ),
    }
    return render(request, "scenes/place_detail.html", context)


@login_required
@require_GET
def scene_observation_map(request, pk):
    """Observation points in view, or grid aggregates when there are too many of them."""
    scene = permissions.get_scene_for_user(request.user, pk)
    _form, start, end = _period(request)
    # A duplicate is the same event again: not a second point, nor a second count in a cell.
    observations = (
        Observation.objects.in_scene(request.user, scene)
        .counted()
        .filter(occurred_at__gte=start, occurred_at__lt=end)
    )
    place_id = request.GET.get("place", "")
    if place_id.isdigit():
        observations = observations.filter(place_id=int(place_id))
    bbox = _bbox(request.GET.get("bbox", ""))
    limit = settings.ODS_MAP_POINT_LIMIT
    grid = None if place_id else _rollup_grid(observations, scene, start, end, limit, bbox)
    if grid is not None:
        return JsonResponse(grid)
    if bbox is not None:
        observations = _within_bounds(observations, bbox)
    points = list(observations.order_by().values_list("pk", "location", "category")[: limit + 1])
    if len(points) > limit:
        # The box is applied above already (as bounds). Cells grow past a few thousand, so
        # the response stays small whatever the data (ODS_MAP_CELL_LIMIT).
        size, cells = analysis.bounded_grid(
            observations, settings.ODS_HOTSPOT_CELL_M, settings.ODS_MAP_CELL_LIMIT
        )
        return JsonResponse({"mode": "grid", "cell_m": size, "cells": cells})
    record_read(request, "map", Observation, [pk for pk, _p, _c in points], scene_ids=[scene.pk])
    return JsonResponse(
        {
            "mode": "points",
            "points": [[round(p.y, 6), round(p.x, 6), pk, cat] for pk, p, cat in points],
        }
    )


def _within_bounds(observations, bbox):
    """The observations in the box, as bounds on the coordinates, not `location__within`:
    with a spatial predicate the planner chose the GiST index and read every year's points
    in the box (bench/README.md); bounds keep it on the scene-and-time index, then filter."""
    west, south, east, north = bbox
    return observations.annotate(
        _x=Func("location", function="ST_X", output_field=FloatField()),
        _y=Func("location", function="ST_Y", output_field=FloatField()),
    ).filter(_x__gte=west, _x__lte=east, _y__gte=south, _y__lte=north)


def _rollup_grid(observations, scene, start, end, limit: int, bbox=None) -> dict | None:
    """The map's grid of a long period straight from the daily rollup (its past days' cells
    plus the rest read raw, as on the scene page), when the rollup can serve the period and
    more observations are in view than the map shows as points; None otherwise (the points,
    or the grid from the rows). A rollup cell cannot be cut by the view's box (nor by a
    sub-place: those are read from the rows), so the grid holds the whole cells that touch
    the box."""
    first, last = start.date(), (end - timedelta(days=1)).date()
    if (last - first).days + 1 <= settings.ODS_DAY_ROLLUP_MIN_DAYS:
        return None
    parts = rollups.split(observations, scene.pk, first, last, settings.ODS_HOTSPOT_CELL_M)
    if parts is None:
        return None
    raw, rollup = parts
    if rollup.total() + raw.count() <= limit:
        return None
    size, cells = analysis.bounded_grid(
        raw, settings.ODS_HOTSPOT_CELL_M, settings.ODS_MAP_CELL_LIMIT, rollup, touching=bbox
    )
    if bbox is not None and sum(c["count"] for c in cells) <= limit:
        return None  # few in view: their points
    return {"mode": "grid", "cell_m": size, "cells": cells, "rollup_through": rollup.last}


def _bbox(text: str):
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return (west, south, east, north)


# --- Team ---------------------------------------------------------------------------------


@login_required
def team_add(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, team=True)
    form = TeamAddForm(request.POST or None, user=request.user, scene=scene)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["organisation"]
        try:
            services.join_team(scene, org, by=request.user, **form.join_arguments())
        except ValidationError as errors:
            form.add_error(None, errors)
        else:
            messages.success(request, _("%(org)s joined the team.") % {"org": org.name})
            return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#team")
    return render(request, "scenes/team_form.html", {"form": form, "scene": scene})


@login_required
@require_POST
def team_remove(request, pk, org_pk):
    scene = permissions.get_scene_for_user(request.user, pk, team=True)
    member = get_object_or_404(scene.team, organisation_id=org_pk)
    try:
        services.leave_team(scene, member.organisation, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("%(org)s left the team.") % {"org": member.organisation.name})
    return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#team")


@login_required
@require_POST
def team_lead(request, pk, org_pk):
    scene = permissions.get_scene_for_user(request.user, pk, team=True)
    member = get_object_or_404(scene.team, organisation_id=org_pk)
    services.set_lead(scene, member.organisation, by=request.user)
    messages.success(request, _("%(org)s now leads the team.") % {"org": member.organisation.name})
    return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#team")


# --- Symptoms and sub-places ------------------------------------------------------------------


@login_required
def assessment_create(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    latest = scene.assessments.first()
    initial = (
        {"symptoms": latest.symptoms, "location_factors": latest.location_factors} if latest else {}
    )
    form = SymptomAssessmentForm(request.POST or None, initial=initial)
    form.instance.scene = scene
    if request.method == "POST" and form.is_valid():
        assessment = form.save(commit=False)
        assessment.assessed_by = request.user
        assessment.organisation = permissions.writing_organisation(request.user, scene)
        assessment.save()
        messages.success(request, _("The symptom assessment was saved."))
        return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#symptoms")
    return render(request, "scenes/assessment_form.html", {"form": form, "scene": scene})


@login_required
def place_create(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    return _place_form(request, scene, None)


@login_required
def place_edit(request, pk):
    place = permissions.get_place_for_user(request.user, pk, edit=True)
    return _place_form(request, place.scene, place)


def _place_form(request, scene, place):
    form = PlaceForm(request.POST or None, instance=place, scene=scene, nonce=request.csp_nonce)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The sub-place was saved."))
        return redirect(reverse("scenes:scene_detail", args=[scene.pk]) + "#places")
    return render(request, "scenes/place_form.html", {"form": form, "scene": scene, "place": place})


# --- Observations ---------------------------------------------------------------------------


@login_required
def observation_create(request):
    scene = None
    scene_id = request.GET.get("scene") or request.session.get(LAST_SCENE_SESSION_KEY)
    if scene_id:
        try:
            scene = permissions.get_scene_for_user(request.user, scene_id)
        except (Http404, PermissionDenied):  # an old or forged id: start without a scene
            scene = None
    form = ObservationForm(
        request.POST or None,
        user=request.user,
        scene=scene,
        initial=ObservationForm.initial_from(request.GET),
    )
    if not form.fields["scene"].queryset.exists():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            observation = services.log_observation(
                by=request.user,
                scene=form.cleaned_data["scene"],
                organisation=form.cleaned_data.get("organisation"),
                client_uuid=form.cleaned_data.get("client_uuid"),
                **form.observation_fields(),
            )
        except ValidationError as errors:  # the rules changed since the form checked them
            form._update_errors(errors)
        except services.ClientKeyUsed as exc:
            form.add_error(None, str(exc.message))
        else:
            request.session[LAST_SCENE_SESSION_KEY] = observation.scene_id
            offers_duplicates = False
            if observation.replayed:  # the same form sent again: it was stored once
                messages.success(request, _("The observation was already logged, once."))
                target = observation.get_absolute_url()
            else:
                messages.success(request, _("The observation was logged. Thank you!"))
                target = reverse("scenes:scene_detail", args=[observation.scene_id])
                if duplicates.possible_duplicates(observation, request.user, limit=1):
                    # Saved either way; its page offers the possible same events to link to.
                    offers_duplicates = True
                    target = reverse("scenes:observation_detail", args=[observation.pk]) + (
                        "?next=another" if "another" in request.POST else ""
                    )
            if "another" in request.POST and not offers_duplicates:
                # The next observation is often of the same kind: keep what the form kept.
                query = urlencode(
                    {"scene": observation.scene_id, **form.kept_for_next()}, doseq=True
                )
                target = reverse("scenes:observation_create") + "?" + query
            if request.headers.get("X-ODS-Form") == "fetch":
                # Sent by outbox.js (which falls back to the outbox when this never arrives):
                # it goes on to the page itself, where the message is shown.
                return JsonResponse({"location": target})
            return redirect(target)
    chosen = form._chosen_scene()
    scenes_data = {
        str(s.pk): {
            "boundary": _geojson(s.boundary),
            "places": {str(p.pk): p.name for p in s.places.all()},
        }
        for s in form.fields["scene"].queryset.prefetch_related("places")
    }
    context = {
        "form": form,
        "scene": chosen,
        "map_data": {"scenes": scenes_data, "tiles": settings.MAP_TILES_URL},
    }
    if request.headers.get("X-ODS-Offline-Copy"):
        context["messages"] = ()  # the service worker's copy must not take the user's messages
    response = render(request, "scenes/observation_form.html", context)
    # The service worker keeps one copy per user (a new one when another user signs in).
    response["X-ODS-User"] = str(request.user.pk)
    return response


@login_required
def observation_list(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk)
    filterset, observations, suspected = scene_observations(request.user, scene, request.GET)
    form = filterset.form
    fmt = request.GET.get("format")
    if fmt == "csv":
        # The reads are logged before the first byte leaves, their ids collected by the
        # database (one index scan); the rows are then written while they are read, so
        # memory stays flat.
        record_read_rows(request, "export", Observation, observations, scene_ids=[scene.pk])
        return csv_stream_response(
            f"observationer-{scene.pk}",
            tables.export_headings(),
            tables.export_value_rows(observations),
        )
    if fmt == "xlsx":
        # A workbook is built by a worker (ods_platform/exports.py), with the page's filters
        # and its period fixed to today's; the download is logged with the rows it holds.
        return exports.start_response(
            request,
            ExportJob.Kind.OBSERVATIONS,
            exports.parameters_of(request.GET, scene_pk=scene.pk, **fixed_period(filterset)),
            f"observationer-{scene.pk}",
        )
    page = bounded_page(
        observations, OBSERVATION_PAGE_SIZE, request.GET.get("page"), settings.ODS_LIST_COUNT_AHEAD
    )
    originals = {}
    if suspected:
        originals = Observation.objects.visible_to(request.user).in_bulk(
            [o.suspected_of for o in page]
        )
        for o in page:
            o.scene = scene
            o.suspected = originals.get(o.suspected_of)
            o.can_link = permissions.can_edit_observation(request.user, o)
    shown = [o.pk for o in page] + list(originals)
    record_read(request, "list", Observation, shown, scene_ids=[scene.pk])
    query = request.GET.copy()
    query.pop("page", None)
    page_query = query.urlencode()  # the same list, another page
    query.pop("suspected", None)
    return render(
        request,
        "scenes/observation_list.html",
        {
            "scene": scene,
            "form": form,
            "filter_fields": filterset.page_fields(),
            "observations": page,
            "page": page,
            "total": page.paginator.count,
            "capped": page.paginator.capped,
            "query": request.GET.urlencode(),
            "plain_query": query.urlencode(),
            "suspected": suspected,
            "duplicate_rule": duplicates.rule(),
            "page_query": page_query,
            "can_log": permissions.can_log_observation(request.user, scene)
            and permissions.takes_observations(scene),
            "can_edit_scene": permissions.can_edit_scene(request.user, scene),
        },
    )


@login_required
def observation_detail(request, pk):
    observation = permissions.get_observation_for_user(request.user, pk)
    original = duplicates.linked_original(observation, request.user)
    repeats = list(
        Observation.objects.visible_to(request.user)
        .filter(duplicate_of=observation)
        .select_related("organisation")
    )
    candidates = [] if repeats else duplicates.possible_duplicates(observation, request.user)
    shown = [observation.pk] + [o.pk for o in repeats] + [c.id for c in candidates]
    record_read(request, "view", Observation, shown, scene_ids=[observation.scene_id])
    return render(
        request,
        "scenes/observation_detail.html",
        {
            "observation": observation,
            "original": original,
            "repeats": repeats,
            "candidates": candidates,
            "can_edit": permissions.can_edit_observation(request.user, observation),
            "next": _next_url(request, observation),
            "duplicate_rule": duplicates.rule(),
            **_sharing(request.user, observation),
        },
    )


def _next_url(request, observation) -> str:
    """Where to go on after deciding about duplicates: a safe `next` from the request, the
    form again when the user was logging one after another, else the scene."""
    from django.utils.http import url_has_allowed_host_and_scheme

    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted == "another":
        return reverse("scenes:observation_create") + f"?scene={observation.scene_id}"
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("scenes:scene_detail", args=[observation.scene_id])


@login_required
@require_POST
def observation_duplicate(request, pk):
    """Mark the observation as a duplicate of another one the user sees (`original`), or
    (`original` empty) as no duplicate: it counts again."""
    observation = permissions.get_observation_for_user(request.user, pk, edit=True)
    original_id = request.POST.get("original", "")
    try:
        if original_id:
            if not original_id.isdigit():
                raise Http404
            original = permissions.get_observation_for_user(request.user, int(original_id))
            duplicates.link_duplicate(observation, original, by=request.user)
            messages.success(
                request,
                _("The observation is marked as a duplicate. It is kept, and counted nowhere."),
            )
        else:
            duplicates.unlink_duplicate(observation, by=request.user)
            messages.success(
                request, _("The observation is no longer a duplicate: it counts again.")
            )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect(_next_url(request, observation))


@login_required
@require_POST
def duplicate_dismiss(request, pk):
    """A scene's coordinator judges two observations to be different events."""
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    ids = [request.POST.get("first", ""), request.POST.get("second", "")]
    if not all(i.isdigit() for i in ids):
        messages.error(request, _("Choose two observations at the same scene."))
        return redirect("scenes:observation_list", scene.pk)
    a, b = (permissions.get_observation_for_user(request.user, int(i)) for i in ids)
    if a.scene_id != scene.pk or b.scene_id != scene.pk:
        raise Http404
    try:
        duplicates.dismiss_pair(a, b, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("Marked as different events: the pair is not suggested again."))
    return redirect(_next_url(request, a))


# --- Sharing rows kept to an organisation ---------------------------------------------------


def _sharing(user, row) -> dict:
    """What a row's page shows of its sharing: to its own organisation, the history."""
    owns = getattr(row, "restricted", False) and permissions.owns_row(user, row)
    return {
        "owns_row": owns,
        "can_share": permissions.can_share(user, row),
        "shares": list(
            Share.objects.filter(content_type__model=row._meta.model_name, object_id=row.pk)
            .filter(content_type__app_label=row._meta.app_label)
            .prefetch_related("organisations")
            .select_related("recorded_by", "ended_by")
        )
        if owns
        else [],
    }


@login_required
def share_create(request, kind, pk):
    row = permissions.get_shareable_row_for_user(request.user, kind, pk)
    form = ShareForm(request.POST or None, row=row)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "organisations"}
        try:
            services.share_row(
                row, by=request.user, organisations=form.cleaned_data["organisations"], **fields
            )
        except ValidationError as errors:
            form.add_error(None, errors)
        else:
            messages.success(request, _("The row is shared. The share is recorded in the log."))
            return redirect(row.get_absolute_url())
    return render(
        request,
        "scenes/share_form.html",
        {"form": form, "row": row, **_sharing(request.user, row)},
    )


@login_required
@require_POST
def share_end(request, pk):
    share = permissions.get_share_for_user(request.user, pk)
    services.end_share(share, by=request.user)
    messages.success(request, _("The share has ended: the row is hidden from them again."))
    return redirect(share.row.get_absolute_url())


# --- Indicators -----------------------------------------------------------------------------


@login_required
def indicator_create(request, pk):
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    form = IndicatorForm(request.POST or None, scene=scene)
    if request.method == "POST" and form.is_valid():
        indicator = form.save()
        messages.success(request, _("The indicator was created. Add its values below."))
        return redirect("scenes:indicator_detail", indicator.pk)
    return render(request, "scenes/indicator_form.html", {"form": form, "scene": scene})


@login_required
def municipality_indicator_create(request):
    """A municipality's own indicator, by its coordinators (and regional coordinators)."""
    if not permissions.municipality_indicator_choices(request.user).exists():
        raise PermissionDenied
    form = MunicipalityIndicatorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        indicator = form.save()
        messages.success(request, _("The indicator was created. Add its values below."))
        return redirect("scenes:indicator_detail", indicator.pk)
    return render(request, "scenes/indicator_form.html", {"form": form, "scene": None})


@login_required
def indicator_detail(request, pk):
    indicator = permissions.get_indicator_for_user(request.user, pk)
    can_edit = permissions.can_edit_indicator(request.user, indicator)
    form = IndicatorValueForm(request.POST or None, indicator=indicator) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            value = form.save(commit=False)
            value.organisation = (
                permissions.writing_organisation(request.user, indicator.scene)
                if indicator.scene_id
                else _municipality_writer(request.user, indicator.municipality_id)
            )
            value.entered_by = request.user
            value.save()
            messages.success(request, _("The value was saved."))
            return redirect("scenes:indicator_detail", indicator.pk)
    values = list(
        IndicatorValue.objects.visible_to(request.user)
        .filter(indicator=indicator)
        .select_related("entered_by")
    )
    fmt = request.GET.get("format")
    record_read(
        request, "export" if fmt in FORMATS else "view", IndicatorValue, [v.pk for v in values],
        scene_ids=[indicator.scene_id] if indicator.scene_id else [],
    )  # fmt: skip
    if fmt in FORMATS:
        # One indicator's values (one a period): small and fixed; a direct download.
        return table_response(
            f"indikator-{indicator.pk}",
            [_("Period from"), _("Period to"), _("Value"), _("Source"), _("Entered by"),
             _("Imported from file"), _("Note")],
            ((v.period_start, v.period_end, v.value, v.source or indicator.source,
              _person(v.entered_by), v.imported_from, v.note) for v in values),
            fmt,
        )  # fmt: skip
    for v in values:
        v.period_name = _period_name(indicator, v)
    series = sorted(values, key=lambda v: v.period_start)
    chart_data = (
        {
            "name": indicator.name,
            "periods": [v.period_name for v in series],
            "values": [float(v.value) for v in series],
            "labels": [formatting.number(v.value) for v in series],
            "description": _("%(name)s by period: %(list)s.")
            % {
                "name": indicator.name,
                "list": "; ".join(
                    formatting.period(v.period_start, v.period_end)
                    + " "
                    + formatting.number(v.value)
                    for v in series
                ),
            },
        }
        if series
        else None
    )
    return render(
        request,
        "scenes/indicator_detail.html",
        {"indicator": indicator, "values": values, "form": form, "can_edit": can_edit,
         "query": "", "chart_data": chart_data},
    )  # fmt: skip


def _period_name(indicator, value) -> str:
    from .indicators import period_label

    return period_label(indicator.period, value.period_start, value.period_end)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _municipality_writer(user, municipality_id):
    """The organisation a municipality's figure is entered for: the municipality when the
    user works for it, else their first organisation."""
    from actors.permissions import memberships_of

    memberships = memberships_of(user)
    for m in memberships:
        if m.organisation_id == municipality_id:
            return m.organisation
    return memberships[0].organisation if memberships else None


# --- Archiving and removing ---------------------------------------------------------------


@login_required
def scene_archive(request, pk):
    """Archive the scene (status Avvecklad) after a confirmation with an optional comment."""
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_scene(scene, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                _("The scene is archived. It is no longer in the lists and on the maps; its "
                  "history stays, and “Show archived scenes” finds it."),
            )  # fmt: skip
        return redirect("scenes:scene_detail", scene.pk)
    return render(request, "scenes/scene_archive.html", {"scene": scene, "form": form})


@login_required
@require_POST
def scene_restore(request, pk):
    """Bring an archived scene back as active."""
    scene = permissions.get_scene_for_user(request.user, pk, edit=True)
    try:
        services.restore_scene(scene, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The scene is active again."))
    return redirect("scenes:scene_detail", scene.pk)


@login_required
def scene_delete(request, pk):
    """Remove a scene created by mistake: a confirmation that says what goes with it, for
    regional coordinators only."""
    scene = permissions.get_scene_for_user(request.user, pk, delete=True)
    removal = scene_removal.removal_of(scene)
    refused, status = None, 200
    if request.method == "POST":
        if request.POST.get("confirm") != scene.name:
            refused, status = [_("Type the scene's name exactly to confirm.")], 400
        else:
            try:
                scene_removal.delete_scene(scene, by=request.user)
            except scene_removal.RemovalRefused as error:
                refused, status = error.reasons, 409
                removal = scene_removal.removal_of(scene)
            else:
                messages.success(
                    request, _("The scene “%(name)s” was removed.") % {"name": scene.name}
                )
                return redirect("scenes:scene_list")
    record_read(request, "view", Scene, [scene.pk], scene_ids=[scene.pk])
    return render(
        request,
        "scenes/scene_delete.html",
        {"scene": scene, "removal": removal, "refused": refused},
        status=status,
    )
