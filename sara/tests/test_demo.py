"""The demo SARA cases: one per demo scene with a team, made through the services, with
actions across the team (some done, some overdue, some due soon), and idempotent."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from sara import services
from sara.demo import load_cases
from sara.models import (
    OPEN_STATUSES,
    Action,
    ActionStatus,
    ActionUpdate,
    Analysis,
    Assessment,
    Case,
    Phase,
    PhaseChange,
)
from scenes.models import Scene

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Case, Analysis, Action, ActionUpdate, Assessment, PhaseChange)
    }


def test_every_demo_scene_with_a_team_gets_one_case_owned_by_its_lead(demo_scenes):
    with_team = Scene.objects.filter(name__endswith="(demo)", team__isnull=False).distinct()
    assert with_team.count() == 8

    assert load_cases() == 8

    for scene in with_team:
        (case,) = scene.cases.all()
        assert case.owner == scene.team.get(is_lead=True).organisation
        assert case.goal_indicator and case.goal_baseline > case.goal_target
        assert case.problem_statement
        assert 2 <= case.analyses.count() <= 3
        assert case.actions.exists()
        assert case.observations.exists()
        # Each action is owned by a team organisation (full_clean checks it, below).
        team = set(scene.team.values_list("organisation", flat=True))
        assert set(case.actions.values_list("responsible", flat=True)) <= team
    assert {c.phase for c in Case.objects.all()} == {
        Phase.ANALYSIS,
        Phase.RESPONSE,
        Phase.ASSESSMENT,
        Phase.CLOSED,
    }


def test_the_demo_follows_the_rules(demo_scenes):
    load_cases()

    for model in (Case, Analysis, Action, ActionUpdate, Assessment):
        for obj in model.objects.all():
            obj.full_clean()
    # Each case went forward one phase at a time from Scanning to where it is.
    for case in Case.objects.all():
        path = list(case.phase_changes.order_by("changed_at", "pk").values_list("to_phase"))
        order = list(Phase.values)
        assert [p for (p,) in path] == order[: order.index(case.phase) + 1]
    closed = Case.objects.get(phase=Phase.CLOSED)
    assert closed.assessments.exists()
    assert closed.scene.name == "Sundbybergs torg (demo)"
    # Analysis entries cover the place and groups, some tied to a sub-place, with controllers.
    assert set(Analysis.objects.values_list("area", flat=True)) == {
        "place",
        "offenders",
        "victims",
    }
    assert Analysis.objects.filter(place__isnull=False).exists()
    assert Analysis.objects.filter(place__isnull=True).exists()
    assert Analysis.objects.exclude(manager="").filter(manager_weak=True).exists()


def test_sergels_torg_actions_belong_to_the_right_organisations(demo_scenes, personas):
    load_cases()
    actions = {
        a.title: a
        for a in Action.objects.filter(case__scene=demo_scenes["Sergels torg"]).select_related(
            "responsible", "assignee", "method"
        )
    }

    expected = {
        "Belysning i uppgången": ("region-stockholm-tf", "sl.trygghet", "platser", 3, "belysning"),
        "Extra trygghetsvärdar på stationen": ("region-stockholm-tf", "sl.trygghet", "", None, ""),
        "Närvaropatrullering kvällstid": (
            "lpo-city",
            "polis.city",
            "patrulltimmar",
            40,
            "polisiar-narvaro-och-riktade-insatser",
        ),
        "Uppsökande arbete med fältassistenter": (
            "kommun-0180",
            "sthlm.falt",
            "samtal",
            12,
            "faltassistenter-och-uppsokande-arbete",
        ),
    }
    for title, (org, assignee, unit, target, method) in expected.items():
        action = actions[title]
        assert action.responsible.slug == org
        assert action.assignee == personas[assignee]
        if unit:
            assert (action.output_unit, action.output_target) == (unit, target)
        if method:
            assert action.method.slug == method
    assert len({a.responsible_id for a in actions.values()}) >= 3

    done = actions["Belysning i uppgången"]
    assert done.status == ActionStatus.DONE
    assert done.completed_on < timezone.localdate()
    assert done.updates.get().status == ActionStatus.DONE
    patrols = actions["Närvaropatrullering kvällstid"]
    assert patrols.is_overdue and patrols.updates.exists()


def test_some_actions_are_done_some_overdue_some_due_within_a_week(demo_scenes):
    load_cases()
    today = timezone.localdate()
    open_actions = Action.objects.filter(status__in=OPEN_STATUSES)

    assert Action.objects.filter(status=ActionStatus.DONE, updates__isnull=False).exists()
    assert open_actions.filter(due_on__lt=today).count() >= 2
    assert open_actions.filter(due_on__gte=today, due_on__lte=today + timedelta(days=7)).exists()
    assert open_actions.filter(status=ActionStatus.ONGOING).exists()
    assert open_actions.filter(status=ActionStatus.PLANNED).exists()
    # The process figures of a case in Response count its overdue action.
    sergels = Case.objects.get(scene__name="Sergels torg (demo)")
    assert services.process_figures(sergels).overdue == 1


def test_a_second_run_creates_nothing(demo_scenes):
    assert load_cases() == 8
    before = counts()

    assert load_cases() == 0
    assert counts() == before
    assert not Scene.objects.annotate(n=Count("cases")).filter(n__gt=1).exists()


def test_a_scene_that_has_a_case_is_left_alone(demo_scenes, sergels, stockholm_coordinator):
    own = services.open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=sergels.team.get(is_lead=True).organisation,
        title="Eget ärende",
    )

    assert load_cases() == 7
    assert list(sergels.cases.all()) == [own]
    assert not own.actions.exists()


def test_a_demo_scene_the_list_does_not_know_gets_a_generic_case(demo_scenes):
    Scene.objects.filter(name="Solna station (demo)").update(name="Hagalund (demo)")

    assert load_cases() == 8
    case = Case.objects.get(scene__name="Hagalund (demo)")
    assert case.phase == Phase.ANALYSIS
    assert case.actions.count() == 2
    assert case.analyses.filter(place__isnull=False).exists()
    assert len(set(case.actions.values_list("responsible", flat=True))) == 2


def test_the_transit_officer_is_responsible_only_for_trafikforvaltningen_actions(
    demo_scenes, transit_officer, police_officer
):
    load_cases()

    mine = Action.objects.responsible_of(transit_officer)
    assert set(mine.values_list("title", flat=True)) == {
        "Belysning i uppgången",
        "Extra trygghetsvärdar på stationen",
    }
    assert set(mine.values_list("responsible__slug", flat=True)) == {"region-stockholm-tf"}
    police = Action.objects.responsible_of(police_officer)
    assert set(police.values_list("responsible__slug", flat=True)) == {"lpo-city"}
    assert police.count() == 3
