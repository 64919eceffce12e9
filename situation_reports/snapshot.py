"""The frozen snapshot a lägesbild is drawn from.

`build_snapshot(report)` reads the data once, through the same visibility rules and the same
analysis functions as the scene page, with the requester's permissions as they are when the
task runs, and answers with plain JSON (stored on the report, never changed again). Charts,
the map and the PDF are drawn from the snapshot alone: no query runs after it.

Labels are resolved in Swedish when the snapshot is built. Dates are ISO strings
(YYYY-MM-DD), times ISO datetimes in Europe/Stockholm. Map coordinates are SWEREF 99 TM
metres (EPSG:3006), x east, y north.

Schema (version 3). Since version 2 it stores numbers, never sentences: the PDF puts every
figure into words with `scenes.wording` and `ods_platform.lib.formatting`, as the pages do.
Version 1 snapshots (with sentences) are upgraded on reading (`upgrade`). Version 3 adds
"summary" to municipality and county reports; a version 2 snapshot has none and prints every
scene in full, as it did::

    {
      "version": 3,
      "kind": "lagesbild",
      "title": "Lägesbild Sergels torg 2026-08-28 – 2026-11-25",
      "scope": {"kind": "scene" | "municipality" | "county", "label": str, "scenes": int},
      "period": {"start": date, "end": date, "days": int},          # inclusive dates
      "previous_period": {"start": date, "end": date},             # same length, just before
      "requested_by": {"name": str, "organisation": str},
      "generated_at": datetime,
      "rules": {"min_observations": int, "enough": bool,          # the thin-data rule
                "data_from": date | None},                        # first visible observation
      "sources": {
        "observations": int,                                       # in the period
        "by_source": [{"label": str, "count": int}],
        "by_organisation": [{"label": str, "count": int}],
        "days_with_observations": int,
        "indicators": [{"name": str, "source": str, "latest": date | None}],
        "limits": [{"kind": str, ...}],   # what the report does not know, as facts:
          # {"kind": "general"}, {"kind": "none"}, {"kind": "thin", "count", "min"},
          # {"kind": "few_days", "days", "period_days"}, {"kind": "missing_sources",
          # "labels": [str]}, {"kind": "no_indicators"}, {"kind": "indicator_stale",
          # "name"}, {"kind": "no_assessment", "scene"}, {"kind": "stale_assessment",
          # "scene", "assessed_on"}, {"kind": "text", "text"} (upgraded version 1)
      },
      "what": {
        "total": int, "previous_total": int,
        "change": {"count", "previous", "value": float | None, "stated": bool,
                   "reason": str | None, "data_from": date | None},   # scenes.analysis.Change
        "categories": [{"label": str, "count": int, "previous": int}],
      },
      "where": {
        "cell_m": int,
        "hotspots": [{"rank": int, "count": int, "share": float,
                      "lat": float, "lon": float, "place": str}],   # top 10, "" = no sub-place
        "places": [{"label": str, "count": int}],  # incl. "Utan delplats"
        "map": {
          "extent": [minx, miny, maxx, maxy],
          "scenes": [{"name": str, "polygons": [[ring, ...], ...]}],   # ring = [[x, y], ...]
          "places": [{"name": str, "kind": "point" | "area",
                      "point": [x, y] | None, "polygons": [[ring, ...]] | None}],
          "landmarks": [{"name": str, "kind": str, "point": [x, y]}],
          "cells": [{"bounds": [x0, y0, x1, y1], "count": int}],    # all cells, busiest first
        },
      },
      "when": {
        "matrix": [[int] * 24] * 7,                                # Monday first
        "months": [{"month": "2026-09", "count": int, "days": int, "month_days": int,
                    "partial": bool}],
        "peaks": {"slots": [peak], "hours": [peak], "weekdays": [peak], "rule": {...}},
        # peak = {"weekday": int | None, "hour": int | None, "count", "share", "expected",
        #         "p_value", "stands_out": bool}        (scenes.analysis.ranked_peaks)
      },
      "who": {
        "groups": [{"label": str, "count": int}],
        "insecurity": {"mean": float | None, "previous_mean": float | None,
                       "distribution": [int] * 5},                # ratings 1..5
      },
      "hotspot": {
        "concentration": {"cells": int, "top_cells": int, "observations": int,
                          "top_observations": int, "share": float | None},
        "symptoms": [{"scene": str, "latest": assessment | None, "previous": assessment | None,
                      "added": [str], "removed": [str]}],
        # assessment = {"assessed_on": date, "organisation": str, "symptoms": [str],
        #               "location_factors": [str]}   (no free text: see permissions.py)
      },
      "causes": {                                    # the SARA analyses of the period
        "analyses": [{"case": str, "scene": str, "area": str, "area_label": str,
                      "place": str,     # no finding: free text stays with the team
                      "controllers": [{"role": "handler" | "guardian" | "manager",
                                       "label": str, "who": str, "weak": bool}]}],
        "controllers": [{"role": str, "label": str, "named": int, "weak": int}],
      },
      "place": {
        "scenes": [{"name": str, "municipality": str, "status": str, "area_type": str,
                    "place_type": str, "description": str, "identified_on": date,
                    "team": [{"name": str, "lead": bool}],
                    "places": [{"name": str, "description": str}],
                    "location_factors": [str]}],
      },
      "work": {
        "cases": [{"title": str, "scene": str, "phase": str, "owner": str,
                   "goal": {"indicator": str, "baseline": str | None, "target": str | None,
                            "date": date | None},                 # decimals as strings
                   "actions": int, "open_actions": int, "overdue_actions": int}],
        "actions_by_organisation": [{"organisation": str, "planned": int, "ongoing": int,
                                     "done": int, "cancelled": int, "overdue": int}],
        "overdue": [{"title": str, "case": str, "organisation": str, "due_on": date}],
        # every report: cases and overdue are the WORK_ROWS most overdue, and
        "cases_by_organisation": [{"organisation": str, "cases": int}],   # open cases, owner
        "cases_total": int, "overdue_total": int,
      },
      # Municipality and county scope only. Their report summarises: the sections above
      # cover the whole scope, but "causes" and the indicators only the top scenes, and
      # "place.scenes" and "hotspot.symptoms" are empty (the top scenes' rows say it);
      # "where.places" is the SUMMARY_PLACE_ROWS busiest sub-places, "where.map" the scene
      # areas only ("summary": true); assessment limits are counts
      # ({"kind": "no_assessment_count" | "stale_assessment_count", "count"}).
      "summary": {
        "top_n": int,                                        # ODS_REPORT_TOP_SCENES
        "municipalities": [{"name": str, "scenes": int, "observations": int, "previous": int,
                            "difference": int, "open_cases": int, "overdue_actions": int}],
        "top_scenes": [row + {"change": Change.as_dict(), "categories": [{"label", "count"}],
                              "place": {"label", "count"} | None,
                              "slot": {"weekday": int, "hour": int, "count": int} | None,
                              "insecurity": float | None, "symptoms": [str],
                              "assessed_on": date | None}],
        "appendix": [row],        # every other scene, by municipality and name
      },
      # Every list above is stored whole; the PDF prints "sources.by_organisation",
      # "work.cases_by_organisation" and "work.actions_by_organisation" capped at their
      # pdf.ORGANISATION_ROWS largest rows, the rest summed in one row over a total row,
      # and the appendix as a line per scene under its municipality. Stored snapshots of
      # every version print the same way: the shape did not change.
      # row = {"name", "municipality", "status", "observations", "previous", "difference",
      #        "open_cases", "overdue_actions"}; top scenes: the largest |difference| first
      # (then more observations, then name), scenes without any change are not "top".
    }
"""

from __future__ import annotations

import copy
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone, translation

from actors.models import Organisation
from sara.models import Action, ActionStatus, Case, Phase
from sara.permissions import open_condition, overdue_condition
from scenes import analysis
from scenes.filters import _day_start
from scenes.models import (
    Indicator,
    Landmark,
    LocationFactor,
    Observation,
    Scene,
    Source,
    Symptom,
    SymptomAssessment,
    to_sweref99tm,
)

from .permissions import report_scenes

VERSION = 3
HOTSPOT_ROWS = 10
# A summarised (municipality or county) report lists at most this many sub-places; every
# report at most WORK_ROWS open cases and overdue actions (the most overdue first), with the
# totals beside them (a busy scene's hundreds of cases took a scene report past 400 MB).
SUMMARY_PLACE_ROWS = 10
WORK_ROWS = 20
# The top scenes' compact sections name this many categories.
TOP_CATEGORIES = 3
# A symptom assessment older than this is reported as out of date.
ASSESSMENT_STALE_DAYS = 183
NO_PLACE = "Utan delplats"


class NothingToReport(Exception):
    """The requester may no longer see anything the report was asked for."""


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def _counted(rows, labels=None) -> list[dict]:
    return [{"label": labels(v) if labels else str(v), "count": n} for v, n in rows]


def _xy(point) -> list[float]:
    return [round(point[0], 1), round(point[1], 1)]


def _polygons(geometry) -> list:
    """A (multi)polygon in SWEREF 99 TM as [[ring, ...], ...], ring 0 the exterior."""
    polygons = [geometry] if geometry.geom_type == "Polygon" else list(geometry)
    return [[[_xy(p) for p in ring.coords] for ring in polygon] for polygon in polygons]


def _in_sweref(geometry):
    return geometry.transform(to_sweref99tm(), clone=True)


def _assessment(a: SymptomAssessment | None) -> dict | None:
    if a is None:
        return None
    return {
        "assessed_on": a.assessed_on.isoformat(),
        "organisation": str(a.organisation) if a.organisation_id else "",
        "symptoms": [_label(Symptom, s) for s in a.symptoms],
        "location_factors": [_label(LocationFactor, f) for f in a.location_factors],
    }


def _ranked(counts: dict) -> list[tuple]:
    """(key, count) of the counts above zero, most first, then by key (a tuple key part by
    part), None last, as the database orders."""

    def order(part) -> tuple:
        return (part is None, "" if part is None else part)

    def key(kn: tuple) -> tuple:
        k, n = kn
        return (-n, *(order(p) for p in (k if isinstance(k, tuple) else (k,))))

    return sorted(((k, n) for k, n in counts.items() if n), key=key)


def _place_key(value: str) -> int | None:
    return int(value) if value else None


class Part:
    """One period's counted, shared observations of the report's scenes: the rows read from
    the observations (`raw`) plus, where the daily rollup serves the period, its days
    (`rollup`, scenes/rollups.py). Each count is the raw rows' plus the rollup's: the same
    figures as from the observations alone, without reading every row of a long period."""

    def __init__(self, raw, rollup=None):
        self.raw = raw
        self.rollup = rollup

    def _raw(self, fields: tuple[str, ...], scenes: list[int] | None) -> dict:
        """The raw rows' counts by `fields` (by scene first, for `scenes`)."""
        rows = self.raw.order_by()
        if scenes is not None:
            rows, fields = rows.filter(scene_id__in=scenes), ("scene_id", *fields)
        return {
            (tuple(k) if len(k) > 1 else k[0]): n
            for *k, n in rows.values_list(*fields).annotate(n=Count("pk"))
        }

    def _split(self, scenes: list[int] | None):
        if self.rollup is None:
            return None
        return self.rollup if scenes is None else self.rollup.only(scenes)

    @staticmethod
    def _add(out: dict, rows: dict, key, by_scene: bool) -> dict:
        for (scene, value), n in rows.items():
            k = (scene, key(value)) if by_scene else key(value)
            out[k] = out.get(k, 0) + n
        return out

    def counts(self, field: str, column: str, key=str, scenes: list[int] | None = None) -> dict:
        """{value: count} of one field (`column` its counts in the rollup; `key` turns the
        rollup's text keys into the field's values); with `scenes`, {(scene, value): count}
        for those scenes."""
        out = self._raw((field,), scenes)
        split = self._split(scenes)
        if split is None:
            return out
        return self._add(
            out, split.keyed_by_scene(column, scenes is not None), key, scenes is not None
        )

    def ratings(self, scenes: list[int] | None = None) -> dict:
        """{rating: count}, or with `scenes` {(scene, rating): count}."""
        out = self._raw(("insecurity",), scenes)
        split = self._split(scenes)
        if split is None:
            return out
        return self._add(
            out, split.insecurity_by_scene(scenes is not None), int, scenes is not None
        )

    def by_scene(self) -> dict[int, int]:
        out = self._raw(("scene_id",), None)
        for scene, n in (self.rollup.by_scene() if self.rollup else {}).items():
            out[scene] = out.get(scene, 0) + n
        return out

    def slots(self, scenes: list[int]) -> dict[tuple[int, int, int], int]:
        """{(scene, ISO weekday, hour): count} for some scenes."""
        zone = analysis._local_zone()
        out: dict[tuple[int, int, int], int] = {}
        for sid, weekday, hour, n in (
            self.raw.filter(scene_id__in=scenes)
            .order_by()
            .annotate(
                weekday=ExtractIsoWeekDay("occurred_at", tzinfo=zone),
                hour=ExtractHour("occurred_at", tzinfo=zone),
            )
            .values_list("scene_id", "weekday", "hour")
            .annotate(n=Count("pk"))
        ):
            out[(sid, weekday, hour)] = n
        if self.rollup is not None:
            for sid, weekday, hour, n in self.rollup.only(scenes).matrix_by_scene():
                out[(sid, weekday, hour)] = out.get((sid, weekday, hour), 0) + n
        return out

    def days(self) -> int:
        """The number of local days with any observation."""
        zone = analysis._local_zone()
        days = set(
            self.raw.order_by()
            .annotate(day=TruncDate("occurred_at", tzinfo=zone))
            .values_list("day", flat=True)
            .distinct()
        )
        return len(days | (self.rollup.days() if self.rollup else set()))


def _mean(ratings: dict[int, int]) -> float | None:
    n = sum(ratings.values())
    return round(sum(r * c for r, c in ratings.items()) / n, 2) if n else None


class SnapshotBuilder:
    """Reads everything a lägesbild shows, for one report, as its requester may see it now."""

    def __init__(self, report):
        self.report = report
        self.user = report.requested_by
        self.today = timezone.localdate()
        self.summarised = report.scope != "scene"
        self.top_ids: set[int] = set()

    # -- scope ----------------------------------------------------------------------------

    def scenes(self) -> list[Scene]:
        r = self.report
        if self.user is None or not self.user.is_active:
            return []
        # What was asked for, narrowed to what the requester may still see now.
        queryset = report_scenes(self.user, r.scope, r.scene_id, r.municipality_id).filter(
            pk__in=r.scenes.values("pk")
        )
        return list(
            queryset.select_related("municipality")
            .prefetch_related("team__organisation", "places")
            .order_by("name")
        )

    def observations(self, start: date, end: date) -> Part:
        # A report is read by everyone who may see its scenes: it counts only what all of
        # them may count, never rows an organisation keeps to itself. Those are the rows the
        # daily rollup holds: a long period reads its past days from there.
        from scenes import rollups

        shared = (
            Observation.objects.visible_to(self.user)
            .shared()
            .counted()
            .filter(scene_id__in=self.scene_ids)
        )
        if (end - start).days + 1 > settings.ODS_DAY_ROLLUP_MIN_DAYS:
            parts = rollups.split(
                shared, self.scene_ids, start, end, settings.ODS_HOTSPOT_CELL_M, kept=False
            )
            if parts is not None:
                return Part(*parts)
        return Part(
            shared.filter(
                occurred_at__gte=_day_start(start),
                occurred_at__lt=_day_start(end + timedelta(days=1)),
            )
        )

    # -- the whole ------------------------------------------------------------------------

    def build(self) -> dict:
        r = self.report
        with translation.override("sv"):
            self.scene_list = self.scenes()
            if not self.scene_list:
                raise NothingToReport
            self.scene_ids = [s.pk for s in self.scene_list]
            prev_start, prev_end = r.previous_period()
            obs = self.observations(r.period_start, r.period_end)
            prev = self.observations(prev_start, prev_end)
            self.first_seen = self.first_observations()
            data_from = min(filter(None, self.first_seen.values()), default=None)
            self.result = analysis.analyse(
                obs.raw,
                r.period_start,
                r.period_end,
                compare_with=prev.raw,
                rollup=obs.rollup,
                compare_rollup=prev.rollup,
                data_from=data_from.astimezone(analysis._local_zone()).date()
                if data_from
                else None,
                today=self.today,
                # A summary's map has no cells: only its hotspots are read.
                cell_limit=HOTSPOT_ROWS if r.scope != "scene" else None,
            )
            total = self.result.total
            # A municipality's or the county's report summarises: the municipalities, the
            # scenes that changed most and an appendix row for every other scene, never each
            # scene's full section (issue 15: 308 scenes made a 9.7 MB PDF in 513 s).
            self.summarised = r.scope != "scene"
            assessments = self.assessments()
            summary = self.summary(obs, prev, assessments) if self.summarised else None
            what = self.what(obs, prev, total)
            where = self.where(obs, total)
            when = self.when(obs)
            who = self.who(obs, prev, total)
            snapshot = {
                "version": VERSION,
                "kind": "lagesbild",
                "title": r.title,
                "scope": {
                    "kind": r.scope,
                    "label": self.scope_label(),
                    "scenes": len(self.scene_list),
                },
                "period": {
                    "start": r.period_start.isoformat(),
                    "end": r.period_end.isoformat(),
                    "days": r.period_days,
                },
                "previous_period": {"start": prev_start.isoformat(), "end": prev_end.isoformat()},
                "requested_by": self.requester(),
                "generated_at": timezone.localtime().isoformat(timespec="seconds"),
                "rules": {
                    "min_observations": self.result.min_observations,
                    "enough": self.result.enough,
                    "data_from": self.result.change.data_from.isoformat()
                    if self.result.change.data_from
                    else None,
                },
                "sources": self.sources(obs, total, assessments),
                "what": what,
                "where": where,
                "when": when,
                "who": who,
                "hotspot": {
                    "concentration": self.result.concentration.__dict__,
                    "symptoms": self.symptoms(assessments),
                },
                "causes": self.causes(),
                "place": self.place(assessments),
                "work": self.work(),
            }
            if summary is not None:
                snapshot["summary"] = summary
            return snapshot

    def first_observations(self) -> dict:
        """{scene: its first observation's time} of what the requester may count there
        (kept rows included: they say since when there is data), each read as the first row
        on the scene-and-time index, not as a minimum over all its rows."""
        earliest = (
            Observation.objects.visible_to(self.user)
            .counted()
            .filter(scene_id=OuterRef("pk"))
            .order_by("occurred_at")
            .values("occurred_at")[:1]
        )
        return dict(
            Scene.objects.filter(pk__in=self.scene_ids)
            .annotate(first=Subquery(earliest))
            .values_list("pk", "first")
        )

    def scope_label(self) -> str:
        r = self.report
        if r.scope == "scene":
            scene = self.scene_list[0]
            return f"{scene.name}, {scene.municipality}"
        if r.scope == "municipality":
            return str(r.municipality)
        return "Stockholms län"

    def requester(self) -> dict:
        from actors.permissions import memberships_of

        memberships = memberships_of(self.user)
        return {
            "name": self.user.get_full_name() or self.user.get_username(),
            "organisation": ", ".join(sorted({str(m.organisation) for m in memberships})),
        }

    # -- the summary of a municipality or the county ----------------------------------------

    def summary(self, obs, prev, assessments) -> dict:
        """Per municipality and per scene, in a fixed number of grouped queries whatever the
        number of scenes: the counts of both periods, open cases and overdue actions per
        scene; then the highlights of the scenes that changed most (by the absolute change
        in counted observations); every other scene is an appendix row."""
        today = self.today
        now = obs.by_scene()
        before = prev.by_scene()
        open_cases = dict(
            Case.objects.visible_to(self.user)
            .filter(scene_id__in=self.scene_ids)
            .exclude(phase=Phase.CLOSED)
            .order_by()
            .values_list("scene_id")
            .annotate(n=Count("pk"))
        )
        overdue = dict(
            Action.objects.visible_to(self.user)
            .filter(case__scene_id__in=self.scene_ids)
            .exclude(case__phase=Phase.CLOSED)
            .overdue(today)
            .order_by()
            .values_list("case__scene_id")
            .annotate(n=Count("pk"))
        )

        def row(scene: Scene) -> dict:
            n, p = now.get(scene.pk, 0), before.get(scene.pk, 0)
            return {
                "name": scene.name,
                "municipality": str(scene.municipality),
                "status": scene.get_status_display(),
                "observations": n,
                "previous": p,
                "difference": n - p,
                "open_cases": open_cases.get(scene.pk, 0),
                "overdue_actions": overdue.get(scene.pk, 0),
            }

        rows = {s.pk: row(s) for s in self.scene_list}
        changed = [s for s in self.scene_list if rows[s.pk]["difference"]]
        changed.sort(
            key=lambda s: (-abs(rows[s.pk]["difference"]), -rows[s.pk]["observations"], s.name)
        )
        top = changed[: max(settings.ODS_REPORT_TOP_SCENES, 0)]
        self.top_ids = {s.pk for s in top}

        municipalities: dict[str, dict] = {}
        for s in self.scene_list:
            one = rows[s.pk]
            m = municipalities.setdefault(
                one["municipality"],
                {
                    "name": one["municipality"],
                    "scenes": 0,
                    "observations": 0,
                    "previous": 0,
                    "difference": 0,
                    "open_cases": 0,
                    "overdue_actions": 0,
                },
            )
            m["scenes"] += 1
            for key in ("observations", "previous", "difference", "open_cases"):
                m[key] += one[key]
            m["overdue_actions"] += one["overdue_actions"]

        return {
            "top_n": settings.ODS_REPORT_TOP_SCENES,
            "municipalities": sorted(municipalities.values(), key=lambda m: m["name"]),
            "top_scenes": self.top_scenes(obs, top, rows, assessments),
            "appendix": [
                rows[s.pk]
                for s in sorted(self.scene_list, key=lambda s: (str(s.municipality), s.name))
                if s.pk not in self.top_ids
            ],
        }

    def top_scenes(self, obs, top: list[Scene], rows: dict, assessments) -> list[dict]:
        """What, where and when of each top scene in a few lines: its three largest
        categories, its busiest sub-place, its busiest hour of the week, the mean insecurity
        and the change by the scene page's rule, each from one grouped query for all of
        them."""
        r = self.report
        ids = [s.pk for s in top]
        if not ids:
            return []
        categories: dict[int, list[dict]] = {pk: [] for pk in ids}
        for (sid, value), n in _ranked(obs.counts("category", "categories", scenes=ids)):
            if len(categories[sid]) < TOP_CATEGORIES:
                categories[sid].append({"label": _label(analysis.Category, value), "count": n})
        names = {p.pk: p.name for s in top for p in s.places.all()}
        by_name: dict[tuple[int, str | None], int] = {}
        for (sid, place), n in obs.counts("place_id", "places", _place_key, scenes=ids).items():
            key = (sid, names.get(place) if place is not None else None)
            by_name[key] = by_name.get(key, 0) + n
        places: dict[int, dict] = {}
        for (sid, name), n in _ranked(by_name):
            places.setdefault(sid, {"label": name or NO_PLACE, "count": n})
        slots: dict[int, dict] = {}
        for (sid, weekday, hour), n in _ranked(obs.slots(ids)):
            slots.setdefault(sid, {"weekday": weekday - 1, "hour": hour, "count": n})
        ratings: dict[int, dict[int, int]] = {pk: {} for pk in ids}
        for (sid, rating), n in obs.ratings(scenes=ids).items():
            ratings[sid][rating] = n
        zone = analysis._local_zone()
        first = self.first_seen
        prev_start, _prev_end = r.previous_period()
        out = []
        for s in top:
            one = rows[s.pk]
            data_from = first.get(s.pk)
            latest = assessments[s.pk][0] if assessments[s.pk] else None
            mean = _mean(ratings[s.pk])
            out.append(
                {
                    **one,
                    "change": analysis.compare(
                        one["observations"],
                        one["previous"],
                        prev_start,
                        r.period_end,
                        data_from.astimezone(zone).date() if data_from else None,
                        self.today,
                    ).as_dict(),
                    "categories": categories[s.pk],
                    "place": places.get(s.pk),
                    "slot": slots.get(s.pk),
                    "insecurity": mean,
                    "symptoms": [_label(Symptom, v) for v in latest.symptoms] if latest else [],
                    "assessed_on": latest.assessed_on.isoformat() if latest else None,
                }
            )
        return out

    def summary_where(self, hotspots: list[dict], place_rows: list[dict], cell_m: int) -> dict:
        boundaries = [(s.name, _in_sweref(s.boundary)) for s in self.scene_list]
        extent = None
        for _name, geom in boundaries:
            x0, y0, x1, y1 = geom.extent
            extent = (
                [x0, y0, x1, y1]
                if extent is None
                else [
                    min(extent[0], x0),
                    min(extent[1], y0),
                    max(extent[2], x1),
                    max(extent[3], y1),
                ]
            )
        return {
            "cell_m": cell_m,
            "hotspots": hotspots,
            "places": place_rows,
            "map": {
                "extent": [round(v, 1) for v in extent] if extent else None,
                "scenes": [{"name": n, "polygons": _polygons(g)} for n, g in boundaries],
                "places": [],
                "landmarks": [],
                "cells": [],
                "summary": True,
            },
        }

    # -- sections -------------------------------------------------------------------------

    def what(self, obs, prev, total: int) -> dict:
        now = self.result.categories
        before = {
            value: n for value, _label_, n in analysis.counts_by_category(prev.raw, prev.rollup)
        }
        previous_total = sum(before.values())
        categories = []
        for value, label, n in now:
            previous = before.pop(value, 0)
            categories.append({"label": label, "count": n, "previous": previous})
        # Categories seen only in the previous period, at the end.
        categories += [
            {"label": _label(analysis.Category, value), "count": 0, "previous": n}
            for value, n in sorted(before.items(), key=lambda item: (-item[1], item[0]))
        ]
        return {
            "total": total,
            "previous_total": previous_total,
            "change": self.result.change.as_dict(),
            "categories": categories,
        }

    def where(self, obs, total: int) -> dict:
        cell_m = settings.ODS_HOTSPOT_CELL_M
        cells = self.result.cells
        places = [(p, _in_sweref(p.geometry)) for s in self.scene_list for p in s.places.all()]
        multi = len(self.scene_list) > 1
        names = {s.pk: s.name for s in self.scene_list}

        def place_name(place) -> str:
            return f"{names[place.scene_id]}: {place.name}" if multi else place.name

        def nearest_place(cell) -> str:
            from django.contrib.gis.geos import Point

            centre = Point((cell.cell[0] + 0.5) * cell_m, (cell.cell[1] + 0.5) * cell_m)
            near = [(geom.distance(centre), place_name(p)) for p, geom in places]
            near = [(d, name) for d, name in near if d <= cell_m]
            return min(near)[1] if near else ""

        hotspots = [
            {
                "rank": i,
                "count": c.count,
                "share": c.share,
                "lat": round(c.centre_lat, 5),
                "lon": round(c.centre_lon, 5),
                "place": nearest_place(c),
            }
            for i, c in enumerate(cells[:HOTSPOT_ROWS], start=1)
        ]
        of_place = {p.pk: (p.scene_id, p.name) for p, _geom in places}
        grouped: dict[tuple[int | None, str | None], int] = {}
        for place, n in obs.counts("place_id", "places", _place_key).items():
            key = of_place.get(place, (None, None)) if place is not None else (None, None)
            grouped[key] = grouped.get(key, 0) + n
        by_place = [(sid, name, n) for (sid, name), n in _ranked(grouped)]
        if self.summarised:
            by_place = by_place[:SUMMARY_PLACE_ROWS]
        place_rows = [
            {
                "label": (f"{names[sid]}: {name}" if multi else name) if name else NO_PLACE,
                "count": n,
            }
            for sid, name, n in by_place
        ]
        if self.summarised:
            # The summary's map shows the scene areas only: their sub-places, landmarks and
            # a cell per 50 m would be thousands of shapes too small to see at county scale.
            return self.summary_where(hotspots, place_rows, cell_m)
        landmarks = [
            (lm, _in_sweref(lm.location))
            for lm in Landmark.objects.visible_to(self.user)
            .filter(scene_id__in=self.scene_ids)
            .order_by("name", "pk")
        ]
        boundaries = [(s.name, _in_sweref(s.boundary)) for s in self.scene_list]
        extent = None
        for _name, geom in (
            boundaries + [(None, g) for _p, g in places] + [(None, g) for _lm, g in landmarks]
        ):
            x0, y0, x1, y1 = geom.extent
            extent = (
                [x0, y0, x1, y1]
                if extent is None
                else [
                    min(extent[0], x0),
                    min(extent[1], y0),
                    max(extent[2], x1),
                    max(extent[3], y1),
                ]
            )
        for c in cells:
            x0, y0 = c.cell[0] * cell_m, c.cell[1] * cell_m
            extent = [
                min(extent[0], x0),
                min(extent[1], y0),
                max(extent[2], x0 + cell_m),
                max(extent[3], y0 + cell_m),
            ]
        map_places = []
        for p, geom in places:
            is_point = geom.geom_type == "Point"
            map_places.append(
                {
                    "name": place_name(p),
                    "kind": "point" if is_point else "area",
                    "point": _xy(geom.coords) if is_point else None,
                    "polygons": None if is_point else _polygons(geom),
                }
            )
        return {
            "cell_m": cell_m,
            "hotspots": hotspots,
            "places": place_rows,
            "map": {
                "extent": [round(v, 1) for v in extent],
                "scenes": [{"name": n, "polygons": _polygons(g)} for n, g in boundaries],
                "places": map_places,
                "landmarks": [
                    {
                        "name": f"{names[lm.scene_id]}: {lm.name}" if multi else lm.name,
                        "kind": lm.get_kind_display(),
                        "point": _xy(geom.coords),
                    }
                    for lm, geom in landmarks
                ],
                "cells": [
                    {
                        "bounds": [
                            c.cell[0] * cell_m,
                            c.cell[1] * cell_m,
                            (c.cell[0] + 1) * cell_m,
                            (c.cell[1] + 1) * cell_m,
                        ],
                        "count": c.count,
                    }
                    for c in cells
                ],
            },
        }

    def when(self, obs) -> dict:
        return {
            "matrix": self.result.matrix,
            "months": [m.as_dict() for m in self.result.months],
            "peaks": self.result.peaks.as_dict(),
        }

    def who(self, obs, prev, total: int) -> dict:
        groups = self.result.groups
        ratings = obs.ratings()
        mean = _mean(ratings)
        previous_mean = _mean(prev.ratings())
        return {
            "groups": [{"label": label, "count": n} for _v, label, n in groups],
            "insecurity": {
                "mean": mean,
                "previous_mean": previous_mean,
                "distribution": [ratings.get(i, 0) for i in range(1, 6)],
            },
        }

    def assessments(self) -> dict[int, list[SymptomAssessment]]:
        latest: dict[int, list[SymptomAssessment]] = {pk: [] for pk in self.scene_ids}
        rows = (
            SymptomAssessment.objects.visible_to(self.user)
            .filter(scene_id__in=self.scene_ids, assessed_on__lte=self.report.period_end)
            .select_related("organisation")
            .order_by("scene_id", "-assessed_on", "-pk")
        )
        for a in rows:
            if len(latest[a.scene_id]) < 2:
                latest[a.scene_id].append(a)
        return latest

    def symptoms(self, assessments) -> list[dict]:
        out: list[dict] = []
        if self.summarised:
            return out  # each top scene's section names its symptoms
        for scene in self.scene_list:
            two = assessments[scene.pk]
            latest = two[0] if two else None
            previous = two[1] if len(two) > 1 else None
            now = set(latest.symptoms) if latest else set()
            before = set(previous.symptoms) if previous else set()
            out.append(
                {
                    "scene": scene.name,
                    "latest": _assessment(latest),
                    "previous": _assessment(previous),
                    "added": [_label(Symptom, s) for s in Symptom.values if s in now - before]
                    if previous
                    else [],
                    "removed": [_label(Symptom, s) for s in Symptom.values if s in before - now],
                }
            )
        return out

    def detailed_scenes(self) -> list[Scene]:
        """The scenes described one by one: all of a scene report's, the top scenes of a
        summary."""
        if not self.summarised:
            return self.scene_list
        return [s for s in self.scene_list if s.pk in self.top_ids]

    def place(self, assessments) -> dict:
        scenes: list[dict] = []
        if self.summarised:
            return {"scenes": scenes}  # the summary's own sections describe the scenes
        for s in self.scene_list:
            latest = assessments[s.pk][0] if assessments[s.pk] else None
            scenes.append(
                {
                    "name": s.name,
                    "municipality": str(s.municipality),
                    "status": s.get_status_display(),
                    "area_type": s.get_area_type_display(),
                    "place_type": s.get_place_type_display(),
                    "description": s.description,
                    "identified_on": s.identified_on.isoformat(),
                    "team": [
                        {"name": str(t.organisation), "lead": t.is_lead} for t in s.team.all()
                    ],
                    "places": [
                        {"name": p.name, "description": p.description} for p in s.places.all()
                    ],
                    "location_factors": [
                        _label(LocationFactor, f)
                        for f in (latest.location_factors if latest else [])
                    ],
                }
            )
        return {"scenes": scenes}

    def sources(self, obs, total: int, assessments) -> dict:
        by_source = _ranked(obs.counts("source", "sources"))
        per_org = obs.counts("organisation_id", "organisations", int)
        # The names of the organisations of rows the requester may count (as the join to
        # `organisation__name` read them), deactivated ones included: not the directory.
        names = dict(Organisation.objects.filter(pk__in=per_org).values_list("pk", "name"))
        org_counts: dict[str, int] = {}
        for org, n in per_org.items():
            org_counts[names[org]] = org_counts.get(names[org], 0) + n
        by_org = _ranked(org_counts)
        days = obs.days()
        indicators = list(
            Indicator.objects.visible_to(self.user)
            .filter(scene_id__in=[s.pk for s in self.detailed_scenes()])
            .annotate(latest=Max("values__period_end"))
            .order_by("name")
        )
        limits = self.limits(total, by_source, days, indicators, assessments)
        return {
            "observations": total,
            "by_source": _counted(by_source, lambda v: _label(Source, v)),
            "by_organisation": _counted(by_org),
            "days_with_observations": days,
            "indicators": [
                {
                    "name": str(i),
                    "source": i.source,
                    "latest": i.latest.isoformat() if i.latest else None,
                }
                for i in indicators
            ],
            "limits": limits,
        }

    def limits(self, total, by_source, days, indicators, assessments) -> list[dict]:
        r = self.report
        limits: list[dict] = [{"kind": "general"}]
        if total == 0:
            limits.append({"kind": "none"})
        elif not analysis.enough(total):
            limits.append({"kind": "thin", "count": total, "min": analysis.min_observations()})
        if total and days < r.period_days / 2:
            limits.append({"kind": "few_days", "days": days, "period_days": r.period_days})
        seen = {value for value, _n in by_source}
        missing = [str(label) for value, label in Source.choices if value not in seen]
        if missing:
            limits.append({"kind": "missing_sources", "labels": missing})
        if not indicators:
            limits.append({"kind": "no_indicators"})
        for i in indicators:
            if i.latest is None or i.latest < r.period_start:
                limits.append({"kind": "indicator_stale", "name": str(i)})
        stale = self.today - timedelta(days=ASSESSMENT_STALE_DAYS)
        if self.summarised:
            # One line each for all scenes, not a line per scene.
            missing_n = sum(1 for s in self.scene_list if not assessments[s.pk])
            stale_n = sum(
                1
                for s in self.scene_list
                if assessments[s.pk] and assessments[s.pk][0].assessed_on < stale
            )
            if missing_n:
                limits.append({"kind": "no_assessment_count", "count": missing_n})
            if stale_n:
                limits.append({"kind": "stale_assessment_count", "count": stale_n})
            return limits
        for scene in self.scene_list:
            two = assessments[scene.pk]
            if not two:
                limits.append({"kind": "no_assessment", "scene": scene.name})
            elif two[0].assessed_on < stale:
                limits.append(
                    {
                        "kind": "stale_assessment",
                        "scene": scene.name,
                        "assessed_on": two[0].assessed_on.isoformat(),
                    }
                )
        return limits

    def causes(self) -> dict:
        """The SARA analyses of the period: cases at these scenes still open when it began,
        analyses written by its end. A report is read by everyone who sees its scenes, so it
        shows what the analyses say of the place and its controllers, not their findings
        (free text, read only by the team) nor entries an organisation keeps to itself."""
        from sara.models import Analysis

        r = self.report
        rows = (
            Analysis.objects.visible_to(self.user)
            .shared()
            .filter(
                case__scene_id__in=[s.pk for s in self.detailed_scenes()],
                created_at__lt=_day_start(r.period_end + timedelta(days=1)),
            )
            .exclude(case__phase=Phase.CLOSED, case__updated_at__lt=_day_start(r.period_start))
            .select_related("case__scene", "place")
            .order_by("area", "case__scene__name", "case__title", "created_at", "pk")[:200]
        )
        roles = (
            ("handler", "handler_weak"),
            ("guardian", "guardian_weak"),
            ("manager", "manager_weak"),
        )
        labels = {role: str(Analysis._meta.get_field(role).verbose_name) for role, _w in roles}
        tally = {role: {"named": 0, "weak": 0} for role, _w in roles}
        analyses = []
        for a in rows:
            controllers = []
            for role, weak_field in roles:
                who, weak = getattr(a, role), getattr(a, weak_field)
                if who or weak:
                    tally[role]["named"] += 1
                    tally[role]["weak"] += int(weak)
                    controllers.append(
                        {"role": role, "label": labels[role], "who": who, "weak": weak}
                    )
            analyses.append(
                {
                    "case": a.case.title,
                    "scene": a.case.scene.name,
                    "area": a.area,
                    "area_label": a.get_area_display(),
                    "place": a.place.name if a.place_id else "",
                    "controllers": controllers,
                }
            )
        return {
            "analyses": analyses,
            "controllers": [
                {"role": role, "label": labels[role], **tally[role]} for role, _w in roles
            ],
        }

    def work(self) -> dict:
        today = self.today
        cases = (
            Case.objects.visible_to(self.user)
            .filter(scene_id__in=self.scene_ids)
            .exclude(phase=Phase.CLOSED)
            .select_related("scene", "owner")
            .annotate(
                n_actions=Count("actions"),
                n_open=Count("actions", filter=open_condition("actions__")),
                n_overdue=Count("actions", filter=overdue_condition(today, "actions__")),
            )
            .order_by("scene__name", "title")
        )
        actions = (
            Action.objects.visible_to(self.user)
            .filter(case__scene_id__in=self.scene_ids)
            .exclude(case__phase=Phase.CLOSED)
        )
        by_org = (
            actions.order_by()
            .values_list("responsible__name")
            .annotate(
                planned=Count("pk", filter=Q(status=ActionStatus.PLANNED)),
                ongoing=Count("pk", filter=Q(status=ActionStatus.ONGOING)),
                done=Count("pk", filter=Q(status=ActionStatus.DONE)),
                cancelled=Count("pk", filter=Q(status=ActionStatus.CANCELLED)),
                overdue=Count("pk", filter=overdue_condition(today)),
            )
            .order_by("responsible__name")
        )
        overdue = actions.overdue(today).select_related("case", "responsible")
        work: dict = {}
        # Counts per organisation and the most overdue rows, never every row: a county
        # has thousands of open cases and overdue actions, and a busy scene hundreds.
        open_cases = (
            Case.objects.visible_to(self.user)
            .filter(scene_id__in=self.scene_ids)
            .exclude(phase=Phase.CLOSED)
        )
        work["cases_by_organisation"] = [
            {"organisation": name, "cases": n}
            for name, n in open_cases.order_by()
            .values_list("owner__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "owner__name")
        ]
        work["cases_total"] = sum(row["cases"] for row in work["cases_by_organisation"])
        work["overdue_total"] = overdue.count()
        cases = cases.order_by("-n_overdue", "scene__name", "title", "pk")[:WORK_ROWS]
        work |= {
            "cases": [
                {
                    "title": c.title,
                    "scene": c.scene.name,
                    "phase": c.get_phase_display(),
                    "owner": str(c.owner),
                    "goal": _goal(c),
                    "actions": c.n_actions,
                    "open_actions": c.n_open,
                    "overdue_actions": c.n_overdue,
                }
                for c in cases
            ],
            "actions_by_organisation": [
                {
                    "organisation": name,
                    "planned": p,
                    "ongoing": o,
                    "done": d,
                    "cancelled": c,
                    "overdue": od,
                }
                for name, p, o, d, c, od in by_org
            ],
            "overdue": [
                {
                    "title": a.title,
                    "case": a.case.title,
                    "organisation": str(a.responsible),
                    "due_on": a.due_on.isoformat(),
                }
                for a in overdue.order_by("due_on", "pk")[:WORK_ROWS]
            ],
        }
        return work


def _goal(case: Case) -> dict:
    def text(value):
        return None if value is None else str(value)

    return {
        "indicator": case.goal_indicator,
        "baseline": text(case.goal_baseline),
        "target": text(case.goal_target),
        "date": case.goal_date.isoformat() if case.goal_date else None,
    }


def upgrade(snapshot: dict) -> dict:
    """A stored snapshot in the current version's shape, for rendering.

    Version 1 stored sentences and did not record how far the data reached back: its counts
    are kept and its peaks worked out again from its matrix by the same rule, its limits
    stay the sentences they were, and no change is stated (reason "unknown")."""
    version = snapshot.get("version")
    if version == VERSION:
        return snapshot
    if version == 2:
        # Version 3 only added the optional "summary" (municipality and county reports); a
        # version 2 report of any scope prints as it did, every scene in full.
        return {**snapshot, "version": VERSION}
    if version != 1:
        raise ValueError(f"Unsupported snapshot version: {version!r}")
    old = copy.deepcopy(snapshot)
    period = old.get("period") or {}
    start = date.fromisoformat(period["start"]) if period.get("start") else None
    end = date.fromisoformat(period["end"]) if period.get("end") else None
    what = old.setdefault("what", {})
    total = what.get("total", (old.get("sources") or {}).get("observations", 0)) or 0
    minimum = analysis.min_observations()
    months = []
    when = old.get("when") or {}
    for row in when.get("trend") or []:
        first = date.fromisoformat(row["month"] + "-01")
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        last = following - timedelta(days=1)
        days = last.day
        if start and end:
            days = (min(last, end) - max(first, start)).days + 1
        months.append(analysis.MonthCount(first, row.get("count", 0), days, last.day).as_dict())
    matrix = when.get("matrix") or [[0] * 24 for _ in range(7)]
    old["version"] = VERSION
    old["kind"] = "lagesbild"
    old.setdefault("scope", {}).setdefault(
        "scenes", len((old.get("place") or {}).get("scenes", []))
    )
    old["rules"] = {"min_observations": minimum, "enough": total >= minimum, "data_from": None}
    if "sources" in old:
        old["sources"]["limits"] = [
            {"kind": "text", "text": t} for t in old["sources"].get("limits", [])
        ]
    what["change"] = {
        "count": total,
        "previous": what.get("previous_total", 0),
        "value": None,
        "stated": False,
        "reason": "unknown",
        "data_from": None,
    }
    old["when"] = {
        "matrix": matrix,
        "months": months,
        "peaks": analysis.ranked_peaks(matrix, start, end).as_dict()
        if start and end
        else {"slots": [], "hours": [], "weekdays": []},
    }
    map_ = (old.get("where") or {}).get("map")
    if isinstance(map_, dict):
        map_.setdefault("landmarks", [])
    old["causes"] = {"analyses": [], "controllers": []}
    for case in (old.get("work") or {}).get("cases", []):
        case["goal"] = {"text": case.get("goal") or ""}
    return old


def build_snapshot(report) -> dict:
    """The report's frozen snapshot; raises NothingToReport when no scene is left to show."""
    return SnapshotBuilder(report).build()
