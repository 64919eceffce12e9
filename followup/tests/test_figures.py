"""The follow-up's figures from data whose answers are known: statuses per quarter from the
history, phase times, actions on time and on target, and reporting completeness against the
organisation's usual level. Suppression is switched off here (ODS_SUPPRESS_BELOW=1) to read
the raw counts; the pages' tests check what is withheld."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from followup.figures import FollowUp, Scope, quarter_end, quarter_start
from sara import services as sara
from sara.models import Action, Case, PhaseChange
from scenes import services as scenes
from scenes.models import Observation, StatusChange

pytestmark = pytest.mark.django_db
ZONE = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def no_suppression(settings):
    settings.ODS_SUPPRESS_BELOW = 1


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def box(lon: float):
    return MultiPolygon(Polygon(((lon, 59.3), (lon + 0.002, 59.3), (lon + 0.002, 59.301),
                                 (lon, 59.301), (lon, 59.3))), srid=4326)  # fmt: skip


@pytest.fixture
def two(stockholm, stockholm_coordinator):
    made = []
    for n, (identified, area) in enumerate(((date(2025, 2, 1), "city"),
                                            (date(2025, 5, 10), "forort"))):  # fmt: skip
        made.append(scenes.create_scene(
            by=stockholm_coordinator, name=f"Plats {n}", municipality=stockholm, area_type=area,
            place_type="park", boundary=box(18.0 + n * 0.01), identified_on=identified,
        ))  # fmt: skip
    a, b = made
    # a: mapped when identified, active from 2025-08-15, reduced from 2026-02-01.
    StatusChange.objects.filter(scene=a).update(changed_at=at(date(2025, 2, 1)))
    StatusChange.objects.create(scene=a, status="aktiv", changed_at=at(date(2025, 8, 15)))
    StatusChange.objects.create(scene=a, status="minskad", changed_at=at(date(2026, 2, 1)))
    # b: its history starts late (2025-09-01, active): before it, it counts as active.
    StatusChange.objects.filter(scene=b).update(status="aktiv", changed_at=at(date(2025, 9, 1)))
    return a, b


def figures(user, scenes_, end, start=None):
    return FollowUp(Scope(user, tuple(s.pk for s in scenes_), None, end, start))


def values(table):
    return [[c.value if hasattr(c, "value") else c for c in row] for row in table.rows]


def test_statuses_per_quarter_come_from_the_history(two, stad_evaluator):
    table = figures(stad_evaluator, two, date(2026, 3, 31)).status_by_quarter()
    rows = {row[0]: row[1:] for row in values(table)}
    # Columns: Mapped, Active, Under action, Reduced, Closed, Scenes.
    assert rows["2025 kv. 1"] == [1, 0, 0, 0, 0, 1]  # only a, mapped
    assert rows["2025 kv. 2"] == [1, 1, 0, 0, 0, 2]  # b identified, its first status
    assert rows["2025 kv. 3"] == [0, 2, 0, 0, 0, 2]
    assert rows["2026 kv. 1"] == [0, 1, 0, 1, 0, 2]
    assert list(rows) == ["2025 kv. 1", "2025 kv. 2", "2025 kv. 3", "2025 kv. 4", "2026 kv. 1"]
    by_area = {row[0]: row[1:] for row in values(
        figures(stad_evaluator, two, date(2026, 3, 31)).status_by_area_type())}  # fmt: skip
    assert by_area == {"City": [0, 0, 0, 1, 0, 1], "Förort": [0, 1, 0, 0, 0, 1]}


def test_a_period_s_quarters_and_who_was_identified_in_them(two, stad_evaluator):
    table = figures(stad_evaluator, two, date(2025, 6, 30), start=date(2025, 4, 1))
    assert [r[0] for r in values(table.status_by_quarter())] == ["2025 kv. 2"]
    assert values(table.opened_closed()) == [["2025 kv. 2", 1, 0]]
    assert quarter_start(date(2025, 5, 10)) == date(2025, 4, 1)
    assert quarter_end(date(2025, 5, 10)) == date(2025, 6, 30)


def test_time_in_each_phase_and_actions_on_time_and_on_target(
    two, stockholm, stockholm_coordinator, stad_evaluator
):
    a, _b = two
    with time_machine.travel(at(date(2026, 1, 1)), tick=False):
        case = sara.open_case(by=stockholm_coordinator, scene=a, owner=stockholm, title="Ärende",
                              problem_statement="Försäljning.")  # fmt: skip
        sara.move_phase(case, "analysis", by=stockholm_coordinator)
    changes = list(PhaseChange.objects.filter(case=case).order_by("pk"))
    PhaseChange.objects.filter(pk=changes[0].pk).update(changed_at=at(date(2026, 1, 1)))
    PhaseChange.objects.filter(pk=changes[1].pk).update(changed_at=at(date(2026, 1, 11)))
    Case.objects.filter(pk=case.pk).update(created_at=at(date(2026, 1, 1)))
    for title, due, done, target, achieved in (
        ("i tid", date(2026, 2, 1), date(2026, 1, 30), 10, 12),
        ("sen", date(2026, 2, 1), date(2026, 2, 5), 10, 4),
        ("öppen", date(2026, 3, 1), None, None, None),
    ):
        Action.objects.create(
            case=case, title=title, responsible=stockholm, start_on=date(2026, 1, 15),
            due_on=due, completed_on=done, status="genomford" if done else "pagaende",
            output_target=Decimal(target) if target else None,
            output_achieved=Decimal(achieved) if achieved else None,
        )  # fmt: skip
    with time_machine.travel(at(date(2026, 1, 31)), tick=False):
        follow = figures(stad_evaluator, two, date(2026, 1, 31))
        phases = {row[0]: row[1:] for row in values(follow.phases())}
    assert phases["Scanning (kartläggning)"][2:] == [1, 10]  # one stay, ten days
    assert phases["Analys"][:2] == [1, 20]  # in it now, twenty days so far
    on_time = values(figures(stad_evaluator, two, date(2026, 3, 31)).on_time_and_output())
    assert on_time == [["Kommun", 2, 1, 0.5, 2, 1, 0.5]]


def test_completeness_against_the_usual_level(two, stockholm, stad_evaluator):
    a, _b = two
    end = date(2026, 3, 29)  # a Sunday: the 13 whole weeks end here
    follow = figures(stad_evaluator, two, end)
    weeks = follow.weeks()
    assert len(weeks) == 13 and weeks[-1] == date(2026, 3, 23)
    rows = []
    for k in range(1, 13):  # the 12 weeks before: 10 a week
        rows += [weeks[0] - timedelta(weeks=k)] * 10
    rows += [weeks[0]] * 10 + [weeks[1]] * 3 + [weeks[2]] * 10  # a gap in the second week
    centre = a.boundary.centroid
    Observation.objects.bulk_create(
        Observation(scene=a, location=centre, occurred_at=at(day + timedelta(days=2), 20),
                    category="narkotikabruk", source="egen", insecurity=3,
                    organisation=stockholm)
        for day in rows
    )  # fmt: skip
    Observation.objects.create(
        scene=a,
        location=centre,
        occurred_at=at(weeks[2], 21),
        category="narkotikabruk",
        source="egen",
        insecurity=3,
        organisation=stockholm,
        restricted=True,
    )  # kept: not counted
    table = FollowUp(Scope(stad_evaluator, tuple(s.pk for s in two), None, end)).completeness()
    (row,) = values(table)
    assert row[0] == "Stockholms stad"
    assert row[1:4] == [10, 3, 10] and row[-2] == 10
    iso = weeks[1].isocalendar()
    assert row[-1] == f"v. {iso.week} {iso.year}" + ", " + ", ".join(
        f"v. {w.isocalendar().week} {w.isocalendar().year}" for w in weeks[3:]
    )
