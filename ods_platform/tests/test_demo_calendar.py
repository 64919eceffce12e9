"""The demo data set keeps its promises on every day of the year it is loaded.

The README promises eight demo scenes with evening and weekend peaks and one SARA case each
with observations linked as showing its problem, three overdue actions, and symptom
assessments that are current; indicators with whole periods that have ended; and one case
(Solna station's) whose measured effect is a clear decrease with some displacement into its
buffer, assessed on the last day of the last ended quarter. The generators work relative to
the day they run, so they are loaded here with the clock set to a spread of days (every
month's first and last day, both daylight-saving change days, a leap day, New Year's Eve one
minute before midnight, and the day a demo test once failed) and the promises are checked
each time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from followup.demo import EFFECT_ROWS, last_quarter_end, load_followup
from sara.demo import CASES, load_cases
from sara.models import OPEN_STATUSES, Action, ActionStatus, Case, EffectEvaluation, PhaseChange
from scenes.demo import MONTHS, load_scenes
from scenes.models import IndicatorValue, Observation, Scene, StatusChange

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")
PER_SCENE = 40


def _month_ends(year: int) -> list[datetime]:
    instants = []
    for month in range(1, 13):
        first = datetime(year, month, 1, 0, 5, tzinfo=STOCKHOLM)
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=STOCKHOLM)
        last = (following - timedelta(days=1)).replace(hour=23, minute=59)
        instants += [first, last]
    return instants


INSTANTS = [
    *_month_ends(2027),
    # Summer time starts (02:00 -> 03:00) and ends (03:00 -> 02:00, 02:30 happens twice).
    datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
    datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
    datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
    datetime(2028, 2, 29, 12, 0, tzinfo=STOCKHOLM),
    # The day a demo test failed, and New Year's Eve at 23:59 ending a leap year (the one
    # ending 2027 is among the month ends).
    datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM),
    datetime(2028, 12, 31, 23, 59, tzinfo=STOCKHOLM),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=lambda i: i.isoformat(timespec="minutes"))
def test_the_demo_keeps_its_promises_whatever_the_day(instant, personas, method_catalogue):
    with time_machine.travel(instant, tick=False):
        today = timezone.localdate()
        assert load_scenes(per_scene=PER_SCENE) == 8
        assert load_cases() == 8
        assert load_followup()["effect_cases"] == 1

        # Every demo scene with a team has one case, with observations of its problem's
        # category at its own scene linked as showing the problem.
        categories = {spec.scene: spec.category for spec in CASES}
        scenes = Scene.objects.filter(name__endswith="(demo)", team__isnull=False).distinct()
        assert scenes.count() == 8
        for scene in scenes:
            (case,) = scene.cases.all()
            linked = case.observations.all()
            assert linked.exists(), f"{scene.name}: no observations linked"
            assert set(linked.values_list("scene", flat=True)) == {scene.pk}
            assert set(linked.values_list("category", flat=True)) == {categories[scene.name]}
            # The scene page's default period (the last 90 days) has something to show.
            assert scene.observations.filter(
                occurred_at__gte=timezone.now() - timedelta(days=90)
            ).exists(), f"{scene.name}: nothing in the last 90 days"
            latest = scene.assessments.first()
            assert latest.assessed_on == today

        # Three actions are overdue, some are due within the week, some are done.
        open_actions = Action.objects.filter(status__in=OPEN_STATUSES)
        assert open_actions.filter(due_on__lt=today).count() == 3
        assert open_actions.filter(due_on__gte=today, due_on__lte=today + timedelta(7)).exists()
        assert Action.objects.filter(status=ActionStatus.DONE, completed_on__lt=today).exists()
        assert (
            Case.objects.get(scene__name="Sergels torg (demo)")
            .actions.filter(status__in=OPEN_STATUSES, due_on__lt=today)
            .count()
            == 1
        )

        # Nothing lies in the future, nothing is older than the promised 18 months (and a
        # week: the oldest week is a whole one).
        midnight = datetime.combine(today, datetime.min.time(), tzinfo=STOCKHOLM)
        observations = Observation.objects.filter(scene__in=scenes)
        assert observations.count() == 8 * PER_SCENE + sum(n for _a, _p, n in EFFECT_ROWS)
        assert not observations.filter(occurred_at__gte=midnight).exists()
        oldest = midnight - timedelta(days=MONTHS * 30 + 7)
        assert not observations.filter(occurred_at__lt=oldest).exists()
        assert not PhaseChange.objects.filter(changed_at__gt=timezone.now()).exists()
        assert not StatusChange.objects.filter(changed_at__gt=timezone.now()).exists()

        # Indicators: whole months and years that have ended, 18 months of crimes per scene.
        assert not IndicatorValue.objects.filter(period_end__gte=today).exists()
        assert IndicatorValue.objects.filter(indicator__period="month").count() == 8 * 18
        # The measured case: a clear decrease, some displacement into the buffer, assessed
        # on the last ended quarter's last day, its periods before that day.
        (measured,) = EffectEvaluation.objects.all()
        c, r = measured.counts, measured.results
        assert measured.verdict == "decrease" and r["ci_high"] < 0, (c, r)
        assert c["Da"] > c["Db"] and -1 < r["wdq"]["value"] < 0 and r["tne"]["value"] > 0
        assert measured.assessment.assessed_on == last_quarter_end(today) < today
        assert measured.after_end < measured.assessment.assessed_on

        # Evening and weekend peaks, in local time.
        hours = _hour_counts(observations)
        assert hours["evening"] > 0.5 * observations.count()
        assert hours["evening"] > 3 * hours["morning"]
        days = dict(
            observations.annotate(day=ExtractIsoWeekDay("occurred_at", tzinfo=STOCKHOLM))
            .values_list("day")
            .annotate(n=Count("pk"))
        )
        weekend_per_day = (days.get(5, 0) + days.get(6, 0)) / 2
        weekday_per_day = sum(days.get(d, 0) for d in (1, 2, 3, 4)) / 4
        assert weekend_per_day > 1.5 * weekday_per_day


def _hour_counts(observations) -> dict[str, int]:
    by_hour = dict(
        observations.annotate(hour=ExtractHour("occurred_at", tzinfo=STOCKHOLM))
        .values_list("hour")
        .annotate(n=Count("pk"))
    )
    return {
        "evening": sum(by_hour.get(h, 0) for h in range(17, 23)),
        "morning": sum(by_hour.get(h, 0) for h in range(6, 12)),
    }
