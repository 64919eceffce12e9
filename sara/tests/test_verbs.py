"""The SARA verbs and the one definition of "open", "overdue" and "my actions".

`add_action` and `change_action` queue the assignment e-mail when the transaction commits (and
only when the assignment is new or changed); `record_assessment` keeps the figures as they are;
`ActionQuerySet` answers open, overdue, due soon, on someone's desk and updatable, and the
pages (start page, My actions, the case page) and the API use those answers.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from actors.tests.factories import MembershipFactory
from sara import services
from sara.models import Action, ActionStatus, Assessment, Case, Phase
from sara.permissions import can_manage_case, can_update_action
from sara.tests.factories import make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(sergels, stockholm, stockholm_coordinator):
    return services.open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=stockholm,
        title="Försäljning vid Plattan kvällstid",
        problem_statement="Öppen försäljning vid Plattan fredag och lördag kväll.",
    )


@pytest.fixture
def today():
    return timezone.localdate()


def test_adding_an_action_queues_one_email_on_commit(
    case, transit, transit_officer, stockholm_coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        action = services.add_action(
            case, by=stockholm_coordinator, title="Belysning", responsible=transit,
            assignee=transit_officer,
        )  # fmt: skip
    assert len(callbacks) == 1
    assert action.created_by == stockholm_coordinator

    with django_capture_on_commit_callbacks() as callbacks:
        services.add_action(
            case, by=stockholm_coordinator, title="Demo", responsible=transit, notify=False
        )
    assert callbacks == []


def test_changing_an_action_emails_only_a_new_assignment(
    case, transit, police, police_officer, stockholm_coordinator, django_capture_on_commit_callbacks
):
    action = make_action(case, transit, title="Trygghetsvärdar")
    with django_capture_on_commit_callbacks() as callbacks:
        services.change_action(action, by=stockholm_coordinator, title="Fler trygghetsvärdar")
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        changed = services.change_action(
            action, by=stockholm_coordinator, responsible=police, assignee=police_officer
        )
    assert len(callbacks) == 1
    assert (changed.title, changed.responsible, changed.assignee) == (
        "Fler trygghetsvärdar",
        police,
        police_officer,
    )


def test_an_invalid_change_changes_nothing(case, transit, stockholm_coordinator, reference_orgs):
    action = make_action(case, transit, title="Trygghetsvärdar")
    botkyrka = reference_orgs["kommun-0127"]  # not on Sergels torg's team
    with pytest.raises(ValidationError, match="team"):
        services.change_action(action, by=stockholm_coordinator, responsible=botkyrka)
    assert Action.objects.get(pk=action.pk).responsible == transit


def test_an_assessment_keeps_the_figures_of_its_day(case, transit, stockholm_coordinator, today):
    make_action(case, transit, status=ActionStatus.ONGOING, due_on=today - timedelta(days=1))
    make_action(case, transit, status=ActionStatus.DONE, output_target=3, output_achieved=3)

    assessment = services.record_assessment(
        case, by=stockholm_coordinator, process="Hälften genomfört.", assessed_on=today
    )

    assert Assessment.objects.get() == assessment
    process = assessment.figures["process"]
    assert (process["total"], process["overdue"], process["output_target_met"]) == (2, 1, 1)
    assert assessment.figures["goal"]["measure"] == "observations"


def test_open_overdue_and_due_soon(case, transit, today):
    late = make_action(case, transit, status=ActionStatus.ONGOING, due_on=today - timedelta(1))
    soon = make_action(case, transit, due_on=today + timedelta(days=7))
    later = make_action(case, transit, due_on=today + timedelta(days=8))
    done_late = make_action(case, transit, status=ActionStatus.DONE, due_on=today - timedelta(1))
    undated = make_action(case, transit)

    assert set(Action.objects.open()) == {late, soon, later, undated}
    assert set(Action.objects.overdue(today)) == {late}
    assert set(Action.objects.due_within(today, 7)) == {soon}
    assert done_late not in Action.objects.open()
    assert late.is_overdue and not soon.is_overdue and not done_late.is_overdue


def test_my_actions_are_my_organisations_and_those_assigned_to_me(
    client, case, transit, police, transit_officer, today
):
    # A viewer of Trafikförvaltningen does not work on its actions, but one is assigned to
    # them: it is on their desk (My actions and the start page), and nothing else is.
    viewer = MembershipFactory(organisation=transit, role="viewer").user
    assigned = make_action(
        case, transit, title="Tilldelad", assignee=viewer, status=ActionStatus.ONGOING,
        due_on=today - timedelta(days=2),
    )  # fmt: skip
    make_action(case, transit, title="Organisationens", due_on=today - timedelta(days=2))
    make_action(case, police, title="Polisens", due_on=today - timedelta(days=2))

    assert list(Action.objects.on_desk_of(viewer)) == [assigned]
    assert {a.title for a in Action.objects.on_desk_of(transit_officer)} == {
        "Tilldelad",
        "Organisationens",
    }
    client.force_login(viewer)
    assert client.get(reverse("home")).context["overdue_actions"] == 1
    assert list(client.get(reverse("sara:my_actions")).context["actions"]) == [assigned]
    api = APIClient()
    api.force_login(viewer)
    mine = api.get("/api/v1/actions/", {"mine": "true", "overdue": "true"}).json()
    assert [a["title"] for a in mine["results"]] == ["Tilldelad"]


def test_my_actions_shows_open_ones_unless_asked_for_all(client, case, transit, transit_officer):
    make_action(case, transit, title="Pågår", status=ActionStatus.ONGOING)
    make_action(case, transit, title="Klar", status=ActionStatus.DONE)
    client.force_login(transit_officer)

    shown = client.get(reverse("sara:my_actions"))
    assert [a.title for a in shown.context["actions"]] == ["Pågår"]
    assert 'value="true" selected' in shown.content.decode()
    every = client.get(reverse("sara:my_actions"), {"open": ""})
    assert {a.title for a in every.context["actions"]} == {"Pågår", "Klar"}


def test_updatable_and_manageable_agree_with_the_single_object_rules(
    case, transit, police, personas, fittja, botkyrka_coordinator, reference_orgs
):
    make_action(case, transit, title="SL")
    make_action(case, police, title="Polis")
    services.open_case(
        by=botkyrka_coordinator, scene=fittja, owner=reference_orgs["kommun-0127"], title="Fittja"
    )
    for user in personas.values():
        visible_cases = Case.objects.visible_to(user)
        assert set(Case.objects.manageable_by(user)) == {
            c for c in visible_cases if can_manage_case(user, c)
        }, user.username
        visible = Action.objects.visible_to(user)
        assert set(Action.objects.updatable_by(user)) == {
            a for a in visible.select_related("case") if can_update_action(user, a)
        }, user.username


def test_the_case_page_offers_updates_on_the_actions_one_may_update(
    client, case, transit, police, transit_officer
):
    mine = make_action(case, transit, title="SL")
    make_action(case, police, title="Polis")
    services.move_phase(case, Phase.ANALYSIS, by=None)
    client.force_login(transit_officer)
    assert client.get(reverse("sara:case_detail", args=[case.pk])).context["updatable"] == {mine.pk}
