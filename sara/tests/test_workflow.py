"""SARA rules: phases and what each needs, actions and their owners, who may do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from sara import permissions, services
from sara.models import Action, Analysis, Assessment, Case, Phase, PhaseChange
from sara.tests.factories import make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(sergels, stockholm, stockholm_coordinator):
    return services.open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=stockholm,
        title="Försäljning vid Plattan kvällstid",
    )


def test_opening_a_case_records_the_first_phase(case, stockholm_coordinator):
    assert case.phase == Phase.SCANNING
    first = PhaseChange.objects.get(case=case)
    assert (first.from_phase, first.to_phase, first.changed_by) == (
        "",
        Phase.SCANNING,
        stockholm_coordinator,
    )


def test_the_owner_must_be_on_the_scene_team(sergels, reference_orgs, stockholm_coordinator):
    with pytest.raises(ValidationError, match=r"scenens team|scene's team"):
        services.open_case(
            by=stockholm_coordinator,
            scene=sergels,
            owner=reference_orgs["kommun-0127"],
            title="Fel ägare",
        )
    assert not Case.objects.exists()


def test_each_phase_needs_what_it_is_for(case, stockholm_coordinator, stockholm, reference_orgs):
    def move(to):
        return services.move_phase(case, to, by=stockholm_coordinator)

    with pytest.raises(services.TransitionBlocked, match=r"problemformulering|problem statement"):
        move(Phase.ANALYSIS)
    case.problem_statement = "Öppen försäljning vid Plattan fredagar och lördagar 19–23."
    case.save()
    case = move(Phase.ANALYSIS)

    with pytest.raises(services.TransitionBlocked, match=r"analys|analysis"):
        services.move_phase(case, Phase.RESPONSE, by=stockholm_coordinator)
    Analysis.objects.create(case=case, area="place", finding="Mörk passage, ingen platsägare.")
    case = services.move_phase(case, Phase.RESPONSE, by=stockholm_coordinator)

    with pytest.raises(services.TransitionBlocked, match=r"åtgärd|action"):
        services.move_phase(case, Phase.ASSESSMENT, by=stockholm_coordinator)
    make_action(case, reference_orgs["region-stockholm-tf"], title="Belysning i uppgången")
    case = services.move_phase(case, Phase.ASSESSMENT, by=stockholm_coordinator)

    with pytest.raises(services.TransitionBlocked, match=r"bedömning|assessment"):
        services.move_phase(case, Phase.CLOSED, by=stockholm_coordinator)
    assert services.blocked_reason(case)
    Assessment.objects.create(case=case, process="Genomfört enligt plan.")
    assert services.blocked_reason(case) is None
    case = services.move_phase(case, Phase.CLOSED, by=stockholm_coordinator)

    assert case.phase == Phase.CLOSED
    assert list(case.phase_changes.values_list("to_phase", flat=True)) == [
        "closed", "assessment", "response", "analysis", "scanning",
    ]  # fmt: skip


def test_phases_move_one_at_a_time_and_back_only_with_a_reason(case, stockholm_coordinator):
    case.problem_statement = "Ett preciserat problem."
    case.save()
    with pytest.raises(services.TransitionBlocked):
        services.move_phase(case, Phase.RESPONSE, by=stockholm_coordinator)
    case = services.move_phase(case, Phase.ANALYSIS, by=stockholm_coordinator)
    with pytest.raises(services.TransitionBlocked, match=r"skäl|reason"):
        services.move_phase(case, Phase.SCANNING, by=stockholm_coordinator)
    case = services.move_phase(
        case, Phase.SCANNING, by=stockholm_coordinator, comment="Problemet var för brett."
    )
    assert case.phase == Phase.SCANNING
    assert case.phase_changes.first().comment == "Problemet var för brett."


def test_action_owner_must_be_on_the_team_and_assignee_in_it(
    case, reference_orgs, transit_officer, police_officer
):
    with pytest.raises(ValidationError) as error:
        make_action(case, reference_orgs["kommun-0127"])
    assert "responsible" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_action(case, reference_orgs["region-stockholm-tf"], assignee=police_officer)
    assert "assignee" in error.value.message_dict
    action = make_action(case, reference_orgs["region-stockholm-tf"], assignee=transit_officer)
    assert action.assignee == transit_officer


def test_a_personal_identity_number_is_refused_in_case_text(case):
    case.problem_statement = "Gäller 811228-9874 som brukar stå vid porten."
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert "problem_statement" in error.value.message_dict


def test_an_update_to_done_records_output_and_completion(case, reference_orgs, transit_officer):
    action = make_action(
        case,
        reference_orgs["region-stockholm-tf"],
        output_unit="platser med belysning",
        output_target=Decimal(3),
    )
    services.post_action_update(action, by=transit_officer, text="Lampor uppsatta.",
                                status="genomford", output_achieved=Decimal(3))  # fmt: skip
    action.refresh_from_db()
    assert action.status == "genomford"
    assert action.completed_on == timezone.localdate()
    assert action.output_achieved == 3
    update = action.updates.get()
    assert (update.written_by, update.status) == (transit_officer, "genomford")
    with pytest.raises(ValidationError):
        services.post_action_update(action, by=transit_officer)  # says nothing


def test_process_figures(case, reference_orgs):
    yesterday = timezone.localdate() - timedelta(days=1)
    tf, police = reference_orgs["region-stockholm-tf"], reference_orgs["lpo-city"]
    make_action(case, tf, status="genomford", output_target=3, output_achieved=3)
    make_action(case, police, status="pagaende", due_on=yesterday, output_target=40,
            output_achieved=12)  # fmt: skip
    make_action(case, police, status="planerad")
    figures = services.process_figures(case)
    assert figures.total == 3
    assert figures.overdue == 1
    assert figures.by_status == {"planerad": 1, "pagaende": 1, "genomford": 1, "avbruten": 0}
    assert (figures.with_output_target, figures.output_target_met) == (2, 1)


def test_case_visibility_follows_the_scene(case, botkyrka_coordinator, police_officer):
    assert not Case.objects.visible_to(botkyrka_coordinator).exists()
    with pytest.raises(Http404):
        permissions.get_case_for_user(botkyrka_coordinator, case.pk)
    assert permissions.get_case_for_user(police_officer, case.pk) == case


def test_who_may_manage_the_case_and_update_which_action(case, reference_orgs, personas):
    tf_action = make_action(case, reference_orgs["region-stockholm-tf"])
    police_action = make_action(case, reference_orgs["lpo-city"])
    manage = {u: permissions.can_manage_case(personas[u], case) for u in personas}
    assert {u for u, ok in manage.items() if ok} == {"sthlm.samordnare", "lan.samordnare"}
    assert permissions.can_update_action(personas["sl.trygghet"], tf_action)
    assert not permissions.can_update_action(personas["sl.trygghet"], police_action)
    assert permissions.can_update_action(personas["polis.city"], police_action)
    assert not permissions.can_update_action(personas["stad.utvarderare"], police_action)
    mine = Action.objects.responsible_of(personas["sl.trygghet"])
    assert list(mine) == [tf_action]
