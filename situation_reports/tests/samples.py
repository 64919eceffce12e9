"""Fictional snapshots for tests, following the schema in `situation_reports.snapshot` exactly.

`sample_snapshot()` is a full, internally consistent lägesbild of the made-up scene
"Testtorget" in Stockholm over 90 days: every breakdown sums to the 1 248 observations, the
hotspots are the ten busiest map cells, the peak hours follow from the time matrix, and the
open actions per organisation add up to the cases' open actions. `empty_snapshot()` is the
same scope and period with no observations and nothing else to show.

Both return a fresh deep copy on every call, so a test may change what it gets. Keyword
overrides replace top-level keys; when both the default and the override are dicts, the
override is merged one level deep, so `sample_snapshot(sources={"limits": []})` keeps the
other source fields.
"""

from __future__ import annotations

import copy
from typing import Any

PERIOD = {"start": "2026-08-28", "end": "2026-11-25", "days": 90}
PREVIOUS_PERIOD = {"start": "2026-05-30", "end": "2026-08-27"}
TITLE = "Lägesbild Testtorget 2026-08-28 – 2026-11-25"
TOTAL = 1248
PREVIOUS_TOTAL = 1157

WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]

# Observations by weekday (Monday first) and hour: busiest in the evening, Friday and Saturday.
MATRIX = [
    [3, 1, 1, 1, 0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 6, 7, 8, 10, 12, 14, 18, 19, 17, 8],
    [3, 1, 1, 1, 0, 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 13, 17, 18, 16, 8],
    [3, 1, 1, 1, 0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 9, 10, 12, 15, 19, 21, 18, 9],
    [3, 2, 2, 1, 0, 0, 1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 9, 11, 13, 15, 20, 22, 19, 9],
    [4, 2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 15, 18, 21, 27, 29, 26, 13],
    [4, 2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 13, 15, 18, 22, 28, 30, 27, 13],
    [3, 1, 2, 1, 0, 0, 1, 2, 2, 3, 4, 4, 5, 6, 7, 7, 9, 10, 12, 15, 19, 21, 18, 9],
]
PEAK_HOURS = [20, 21, 22]

# 50 m cells in SWEREF 99 TM (EPSG:3006) with observations, busiest first.
CELL_M = 50
CELLS = [
    ([673950, 6579950, 674000, 6580000], 212),
    ([673950, 6580000, 674000, 6580050], 174),
    ([674000, 6579950, 674050, 6580000], 131),
    ([674000, 6580000, 674050, 6580050], 96),
    ([673850, 6580050, 673900, 6580100], 88),
    ([673850, 6580100, 673900, 6580150], 61),
    ([673900, 6580050, 673950, 6580100], 55),
    ([673900, 6580100, 673950, 6580150], 42),
    ([673900, 6579950, 673950, 6580000], 37),
    ([673900, 6580000, 673950, 6580050], 30),
    ([673950, 6579900, 674000, 6579950], 24),
    ([673950, 6580050, 674000, 6580100], 22),
    ([674000, 6579900, 674050, 6579950], 21),
    ([674000, 6580050, 674050, 6580100], 19),
    ([674050, 6579950, 674100, 6580000], 18),
    ([674050, 6580000, 674100, 6580050], 17),
    ([673800, 6580050, 673850, 6580100], 15),
    ([673800, 6580100, 673850, 6580150], 14),
    ([673850, 6580000, 673900, 6580050], 13),
    ([673850, 6580150, 673900, 6580200], 12),
    ([673900, 6580150, 673950, 6580200], 12),
    ([673950, 6580100, 674000, 6580150], 11),
    ([673900, 6579900, 673950, 6579950], 10),
    ([674050, 6579900, 674100, 6579950], 9),
    ([674050, 6580050, 674100, 6580100], 9),
    ([673850, 6579950, 673900, 6580000], 8),
    ([673950, 6579850, 674000, 6579900], 8),
    ([674000, 6579850, 674050, 6579900], 7),
    ([674000, 6580100, 674050, 6580150], 7),
    ([674100, 6579950, 674150, 6580000], 6),
    ([674100, 6580000, 674150, 6580050], 6),
    ([673800, 6580000, 673850, 6580050], 5),
    ([673800, 6580150, 673850, 6580200], 5),
    ([673950, 6580150, 674000, 6580200], 5),
    ([673850, 6579900, 673900, 6579950], 4),
    ([673900, 6579850, 673950, 6579900], 4),
    ([674050, 6579850, 674100, 6579900], 4),
    ([674050, 6580100, 674100, 6580150], 3),
    ([674100, 6579900, 674150, 6579950], 3),
    ([674100, 6580050, 674150, 6580100], 3),
    ([673800, 6579950, 673850, 6580000], 3),
    ([673850, 6579850, 673900, 6579900], 3),
    ([674000, 6580150, 674050, 6580200], 2),
    ([674100, 6579850, 674150, 6579900], 2),
    ([674100, 6580100, 674150, 6580150], 2),
    ([674150, 6579950, 674200, 6580000], 2),
    ([674150, 6580000, 674200, 6580050], 2),
    ([673800, 6579900, 673850, 6579950], 2),
]

# The centres of the ten busiest cells above, in WGS 84, with the sub-place they fall in.
HOTSPOTS = [
    (212, 59.32266, 18.05751, "Tunnelbaneentrén"),
    (174, 59.32311, 18.05755, "Tunnelbaneentrén"),
    (131, 59.32264, 18.05838, "Tunnelbaneentrén"),
    (96, 59.32309, 18.05842, ""),
    (88, 59.32360, 18.05583, "Fontänytan"),
    (61, 59.32405, 18.05587, "Fontänytan"),
    (55, 59.32358, 18.05671, "Fontänytan"),
    (42, 59.32403, 18.05675, "Trapphuset vid garaget"),
    (37, 59.32268, 18.05663, "Busshållplatsen"),
    (30, 59.32313, 18.05667, ""),
]


def _counts(rows: list[tuple[str, int]], total: int = TOTAL) -> list[dict[str, Any]]:
    return [{"label": label, "count": n, "share": n / total} for label, n in rows]


def _change(count: int, previous: int) -> float | None:
    return count / previous - 1 if previous else None


def _ring(x0: int, y0: int, x1: int, y1: int) -> list[list[int]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


_CATEGORIES = [
    ("Narkotikaförsäljning", 402, 356),
    ("Narkotikabruk", 311, 298),
    ("Otrygghetsskapande beteende", 188, 201),
    ("Ordningsstörning", 121, 97),
    ("Sprutor/nedskräpning", 96, 110),
    ("Våld/hot", 64, 48),
    ("Unga i riskmiljö", 38, 22),
    ("Skadegörelse", 21, 25),
    ("Annat", 7, 0),
]

_PREVIOUS_SYMPTOMS = [
    "Platsen skapar obehag eller olägenhet för allmänheten",
    "Platsen upplevs som otrygg",
    "Platsen är en hot spot med hög koncentration av brott",
    "Allmänheten undviker platsen",
]
_LATEST_SYMPTOMS = [
    "Platsen skapar obehag eller olägenhet för allmänheten",
    "Platsen upplevs som otrygg",
    "Platsen är en hot spot med hög koncentration av brott",
    "Platsen lockar nya användare och andra utsatta grupper",
    "Unga avråds från att vistas på platsen",
]
_LOCATION_FACTORS = [
    "En scen för att visa makt och marknadsföra narkotika",
    "Nära bank eller bankomat",
    "Värme, t.ex. i en port",
    "Nära Systembolaget",
]

_SAMPLE: dict[str, Any] = {
    "version": 1,
    "title": TITLE,
    "scope": {"kind": "scene", "label": "Testtorget"},
    "period": PERIOD,
    "previous_period": PREVIOUS_PERIOD,
    "requested_by": {"name": "Anna Lindqvist", "organisation": "Stockholms stad"},
    "generated_at": "2026-11-26T06:15:00+01:00",
    "sources": {
        "observations": TOTAL,
        "by_source": _counts(
            [
                ("SL Trygghetscentral", 412),
                ("Polis", 356),
                ("Fältassistent", 201),
                ("Ordningsvakt", 148),
                ("Egen observation", 74),
                ("Tips från allmänheten", 39),
                ("Trygghetsvandring", 18),
            ]
        ),
        "by_organisation": _counts(
            [
                ("Region Stockholm, Trafikförvaltningen", 412),
                ("Polismyndigheten, LPO City", 356),
                ("Stockholms stad", 332),
                ("Testtorgets fastighetsägarförening", 148),
            ]
        ),
        "days_with_observations": 88,
        "indicators": [
            {
                "name": "Anmälda narkotikabrott",
                "source": "Polismyndigheten",
                "latest": "2026-10-31",
            },
            {
                "name": "Upplevd trygghet (trygghetsmätning)",
                "source": "Stockholms stad",
                "latest": "2026-06-30",
            },
            {
                "name": "Larm till SL Trygghetscentral",
                "source": "Region Stockholm, Trafikförvaltningen",
                "latest": None,
            },
        ],
        "limits": [
            "Underlaget är de observationer som aktörerna har registrerat i plattformen; "
            "händelser som ingen har registrerat syns inte.",
            "Antalet observationer speglar också hur ofta aktörerna är på plats: fler pass "
            "ger fler observationer.",
            "Observationer som en organisation inte har delat med beställaren ingår inte.",
            "Indikatorn Larm till SL Trygghetscentral har inga värden ännu.",
        ],
    },
    "what": {
        "total": TOTAL,
        "previous_total": PREVIOUS_TOTAL,
        "change": _change(TOTAL, PREVIOUS_TOTAL),
        "categories": [
            {"label": label, "count": n, "previous": p, "change": _change(n, p)}
            for label, n, p in _CATEGORIES
        ],
    },
    "where": {
        "cell_m": CELL_M,
        "hotspots": [
            {
                "rank": rank,
                "count": n,
                "share": n / TOTAL,
                "lat": lat,
                "lon": lon,
                "place": place,
            }
            for rank, (n, lat, lon, place) in enumerate(HOTSPOTS, start=1)
        ],
        "places": _counts(
            [
                ("Tunnelbaneentrén", 418),
                ("Fontänytan", 301),
                ("Busshållplatsen", 187),
                ("Trapphuset vid garaget", 141),
                ("Utan delplats", 201),
            ]
        ),
        "map": {
            "extent": [673700, 6579750, 674300, 6580300],
            "scenes": [
                {
                    "name": "Testtorget",
                    "polygons": [
                        [
                            [
                                [673790, 6579840],
                                [674210, 6579840],
                                [674220, 6580060],
                                [674160, 6580210],
                                [673790, 6580210],
                                [673790, 6579840],
                            ]
                        ]
                    ],
                }
            ],
            "places": [
                {
                    "name": "Tunnelbaneentrén",
                    "kind": "area",
                    "point": None,
                    "polygons": [[_ring(673945, 6579945, 674055, 6580055)]],
                },
                {
                    "name": "Fontänytan",
                    "kind": "area",
                    "point": None,
                    "polygons": [[_ring(673845, 6580045, 673945, 6580155)]],
                },
                {
                    "name": "Busshållplatsen",
                    "kind": "point",
                    "point": [673925, 6579975],
                    "polygons": None,
                },
                {
                    "name": "Trapphuset vid garaget",
                    "kind": "point",
                    "point": [673925, 6580125],
                    "polygons": None,
                },
            ],
            "cells": [{"bounds": bounds, "count": n} for bounds, n in CELLS],
        },
    },
    "when": {
        "weekdays": WEEKDAYS,
        "matrix": MATRIX,
        "trend": [
            {"month": "2026-08", "label": "aug 2026", "count": 52},
            {"month": "2026-09", "label": "sep 2026", "count": 405},
            {"month": "2026-10", "label": "okt 2026", "count": 438},
            {"month": "2026-11", "label": "nov 2026", "count": 353},
        ],
        "peak_hours": PEAK_HOURS,
        "busiest_weekdays": ["fredag", "lördag"],
        "summary": "Flest observationer görs på kvällen mellan kl. 20 och 23, "
        "främst på fredagar och lördagar.",
    },
    "who": {
        "groups": _counts(
            [
                ("Förbipasserande", 512),
                ("Resenärer", 398),
                ("Personer i missbruk", 356),
                ("Näringsidkare", 143),
                ("Barn och unga", 97),
                ("Boende", 88),
                ("Personal", 61),
            ]
        ),
        "insecurity": {
            "mean": 3880 / TOTAL,
            "previous_mean": 2.94,
            "distribution": [132, 251, 389, 301, 175],
        },
    },
    "hotspot": {
        "concentration": {
            "cells": len(CELLS),
            "top_cells": 5,
            "observations": TOTAL,
            "top_observations": 701,
            "share": 701 / TOTAL,
        },
        "symptoms": [
            {
                "scene": "Testtorget",
                "latest": {
                    "assessed_on": "2026-10-14",
                    "organisation": "Stockholms stad",
                    "symptoms": _LATEST_SYMPTOMS,
                    "location_factors": _LOCATION_FACTORS,
                    "comment": "Fler unga i åldern 14–17 år i kvällsgruppen vid entrén "
                    "sedan i somras.",
                },
                "previous": {
                    "assessed_on": "2026-04-20",
                    "organisation": "Polismyndigheten, LPO City",
                    "symptoms": _PREVIOUS_SYMPTOMS,
                    "location_factors": _LOCATION_FACTORS[:3],
                    "comment": "",
                },
                "added": [
                    "Platsen lockar nya användare och andra utsatta grupper",
                    "Unga avråds från att vistas på platsen",
                ],
                "removed": ["Allmänheten undviker platsen"],
            }
        ],
    },
    "place": {
        "scenes": [
            {
                "name": "Testtorget",
                "municipality": "Stockholm",
                "status": "Under åtgärd",
                "area_type": "City",
                "place_type": "Torgyta",
                "description": "Torg i två plan med entré till tunnelbanan, busshållplats "
                "och ett parkeringsgarage. Många passerar under dagen; på kvällen stannar "
                "en fast grupp kvar vid entrén och fontänen.",
                "identified_on": "2019-03-01",
                "team": [
                    {"name": "Stockholms stad", "lead": True},
                    {"name": "Polismyndigheten, LPO City", "lead": False},
                    {"name": "Region Stockholm, Trafikförvaltningen", "lead": False},
                ],
                "places": [
                    {
                        "name": "Tunnelbaneentrén",
                        "description": "Entréhallen och trapporna ned till spärrarna.",
                    },
                    {
                        "name": "Fontänytan",
                        "description": "Den nedsänkta ytan runt fontänen, med sittplatser.",
                    },
                    {"name": "Busshållplatsen", "description": "Hållplatsen mot torggatan."},
                    {
                        "name": "Trapphuset vid garaget",
                        "description": "Trapphuset mellan garaget och torget, dåligt upplyst.",
                    },
                ],
                "location_factors": _LOCATION_FACTORS,
            }
        ],
    },
    "work": {
        "cases": [
            {
                "title": "Försäljning vid tunnelbaneentrén kvällstid",
                "scene": "Testtorget",
                "phase": "Respons (åtgärder)",
                "owner": "Stockholms stad",
                "goal": "Halvera antalet observationer av försäljning vid entrén "
                "kl. 18–24 till juni 2027.",
                "actions": 6,
                "open_actions": 4,
                "overdue_actions": 1,
            },
            {
                "title": "Otrygghet i trapphuset vid garaget",
                "scene": "Testtorget",
                "phase": "Analys",
                "owner": "Polismyndigheten, LPO City",
                "goal": "Fler ska våga använda trapphuset kvällstid.",
                "actions": 2,
                "open_actions": 2,
                "overdue_actions": 0,
            },
        ],
        "actions_by_organisation": [
            {
                "organisation": "Stockholms stad",
                "planned": 1,
                "ongoing": 2,
                "done": 1,
                "cancelled": 0,
                "overdue": 1,
            },
            {
                "organisation": "Polismyndigheten, LPO City",
                "planned": 1,
                "ongoing": 1,
                "done": 0,
                "cancelled": 0,
                "overdue": 0,
            },
            {
                "organisation": "Region Stockholm, Trafikförvaltningen",
                "planned": 0,
                "ongoing": 1,
                "done": 0,
                "cancelled": 1,
                "overdue": 0,
            },
        ],
        "overdue": [
            {
                "title": "Förbättrad belysning vid tunnelbaneentrén",
                "case": "Försäljning vid tunnelbaneentrén kvällstid",
                "organisation": "Stockholms stad",
                "due_on": "2026-11-01",
            }
        ],
    },
}

_EMPTY: dict[str, Any] = {
    "version": 1,
    "title": TITLE,
    "scope": {"kind": "scene", "label": "Testtorget"},
    "period": PERIOD,
    "previous_period": PREVIOUS_PERIOD,
    "requested_by": {"name": "Anna Lindqvist", "organisation": "Stockholms stad"},
    "generated_at": "2026-11-26T06:15:00+01:00",
    "sources": {
        "observations": 0,
        "by_source": [],
        "by_organisation": [],
        "days_with_observations": 0,
        "indicators": [],
        "limits": [],
    },
    "what": {"total": 0, "previous_total": 0, "change": None, "categories": []},
    "where": {
        "cell_m": CELL_M,
        "hotspots": [],
        "places": [],
        "map": {
            "extent": [673700, 6579750, 674300, 6580300],
            "scenes": [],
            "places": [],
            "cells": [],
        },
    },
    "when": {
        "weekdays": WEEKDAYS,
        "matrix": [[0] * 24 for _ in range(7)],
        "trend": [],
        "peak_hours": [],
        "busiest_weekdays": [],
        "summary": "",
    },
    "who": {
        "groups": [],
        "insecurity": {"mean": None, "previous_mean": None, "distribution": [0] * 5},
    },
    "hotspot": {
        "concentration": {
            "cells": 0,
            "top_cells": 0,
            "observations": 0,
            "top_observations": 0,
            "share": None,
        },
        "symptoms": [],
    },
    "place": {"scenes": []},
    "work": {"cases": [], "actions_by_organisation": [], "overdue": []},
}


def _with(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    snapshot = copy.deepcopy(base)
    for key, value in copy.deepcopy(overrides).items():
        if isinstance(value, dict) and isinstance(snapshot.get(key), dict):
            snapshot[key] = {**snapshot[key], **value}
        else:
            snapshot[key] = value
    return snapshot


def sample_snapshot(**overrides: Any) -> dict[str, Any]:
    """A complete, consistent snapshot of the fictional scene Testtorget over 90 days."""
    return _with(_SAMPLE, overrides)


def empty_snapshot(**overrides: Any) -> dict[str, Any]:
    """The same scope and period with no observations: lists empty, means and shares None."""
    return _with(_EMPTY, overrides)
