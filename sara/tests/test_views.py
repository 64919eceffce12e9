"""SARA pages: cases, phases, actions, updates and My actions, for each persona."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sara import services
from sara.models import ActionUpdate, Analysis, Case, Phase
from sara.tests.factories import make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(sergels, reference_orgs, stockholm_coordinator):
    case = services.open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=reference_orgs["kommun-0180"],
        title="Försäljning vid Plattan kvällstid",
        problem_statement="Öppen försäljning vid Plattan fredag och lördag kväll.",
    )
    return case


@pytest.fixture
def actions(case, transit, police, transit_officer, police_officer):
    yesterday = timezone.localdate() - timedelta(days=1)
    return {
        "light": make_action(case, transit, title="Belysning i uppgången",
                             assignee=transit_officer, output_unit="platser", output_target=3),
        "staff": make_action(case, transit, title="Extra trygghetsvärdar", due_on=yesterday),
        "patrol": make_action(case, police, title="Närvaropatrullering",
                              assignee=police_officer, output_unit="patrulltimmar",
                              output_target=40),
    }  # fmt: skip


def test_transit_officer_sees_only_its_organisations_actions(client, actions, transit_officer):
    client.force_login(transit_officer)
    page = client.get(reverse("sara:my_actions"))
    titles = [a.title for a in page.context["actions"]]
    assert titles == ["Extra trygghetsvärdar", "Belysning i uppgången"]  # overdue first
    assert "Närvaropatrullering" not in page.content.decode()
    assert "försenad" in page.content.decode()


def test_transit_officer_marks_an_action_done_with_its_output(client, actions, transit_officer):
    client.force_login(transit_officer)
    light = actions["light"]
    response = client.post(
        reverse("sara:action_detail", args=[light.pk]),
        {"text": "Tre armaturer bytta.", "status": "genomford", "output_achieved": "3"},
    )
    assert response.status_code == 302
    light.refresh_from_db()
    assert (light.status, light.output_achieved) == ("genomford", Decimal(3))
    assert light.completed_on == timezone.localdate()
    update = ActionUpdate.objects.get(action=light)
    assert update.written_by == transit_officer
    page = client.get(reverse("sara:action_detail", args=[light.pk])).content.decode()
    assert "Tre armaturer bytta." in page


def test_transit_officer_cannot_edit_the_case_or_update_a_policemake_action(
    client, case, actions, transit_officer
):
    client.force_login(transit_officer)
    assert client.get(reverse("sara:case_edit", args=[case.pk])).status_code == 403
    patrol = actions["patrol"]
    response = client.post(reverse("sara:action_detail", args=[patrol.pk]), {"status": "avbruten"})
    assert response.status_code == 403
    patrol.refresh_from_db()
    assert patrol.status == "planerad"
    for name in ("case_phase", "analysis_add", "action_add", "assessment_add"):
        assert client.post(reverse(f"sara:{name}", args=[case.pk]), {}).status_code == 403
    # Reading is allowed: it is a team organisation of the scene.
    assert client.get(reverse("sara:case_detail", args=[case.pk])).status_code == 200


def test_another_scenes_case_and_actions_are_404(client, case, actions, botkyrka_coordinator):
    client.force_login(botkyrka_coordinator)
    assert client.get(reverse("sara:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("sara:case_edit", args=[case.pk])).status_code == 404
    light = actions["light"]
    assert client.get(reverse("sara:action_detail", args=[light.pk])).status_code == 404
    assert client.post(reverse("sara:case_phase", args=[case.pk]), {}).status_code == 404
    assert not client.get(reverse("sara:my_actions")).context["actions"]


def test_pages_need_log_in(client, case, actions):
    for url in (
        reverse("sara:case_detail", args=[case.pk]),
        reverse("sara:action_detail", args=[actions["light"].pk]),
        reverse("sara:my_actions"),
    ):
        assert client.get(url)["Location"].startswith("/accounts/login/")


def test_coordinator_cannot_close_without_an_assessment_and_is_told_why(
    client, case, actions, stockholm_coordinator
):
    Analysis.objects.create(case=case, area="place", finding="Mörk passage.")
    for phase in (Phase.ANALYSIS, Phase.RESPONSE, Phase.ASSESSMENT):
        case = services.move_phase(case, phase, by=stockholm_coordinator)
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("sara:case_phase", args=[case.pk]), {"to_phase": "closed"}, follow=True
    )
    assert "Skriv en bedömning innan ärendet avslutas." in response.content.decode()
    assert Case.objects.get(pk=case.pk).phase == Phase.ASSESSMENT
    page = client.get(reverse("sara:case_detail", args=[case.pk])).content.decode()
    assert 'id="blocked-reason"' in page


def test_coordinator_opens_a_case_and_adds_an_action_for_another_organisation(
    client, sergels, reference_orgs, stockholm_coordinator, police_officer
):
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("sara:case_create", args=[sergels.pk]),
        {"title": "Langning vid uppgången", "owner": reference_orgs["kommun-0180"].pk},
    )
    assert response.status_code == 302
    case = Case.objects.get(title="Langning vid uppgången")
    response = client.post(
        reverse("sara:action_add", args=[case.pk]),
        {"title": "Kvällspatrull", "responsible": reference_orgs["lpo-city"].pk,
         "assignee": police_officer.pk, "status": "planerad"},
    )  # fmt: skip
    assert response.status_code == 302
    assert case.actions.get().responsible.slug == "lpo-city"


def test_a_forged_responsible_organisation_is_refused(
    client, case, reference_orgs, stockholm_coordinator
):
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("sara:action_add", args=[case.pk]),
        {"title": "Fel", "responsible": reference_orgs["kommun-0127"].pk, "status": "planerad"},
    )
    assert response.status_code == 200
    assert "responsible" in response.context["form"].errors
    assert not case.actions.exists()


def test_start_page_counts_overdue_actions(client, actions, transit_officer):
    client.force_login(transit_officer)
    page = client.get("/").content.decode()
    assert "1 försenad åtgärd" in page


def test_coordinator_links_the_observations_that_show_the_problem(
    client, case, stockholm_coordinator
):
    client.force_login(stockholm_coordinator)
    today = timezone.localdate()
    sales = case.scene.observations.filter(category="narkotikaforsaljning")
    response = client.post(
        reverse("sara:case_link", args=[case.pk]),
        {"start": (today - timedelta(days=600)).isoformat(), "end": today.isoformat(),
         "category": "narkotikaforsaljning"},
    )  # fmt: skip
    assert response.status_code == 302
    assert set(case.observations.all()) == set(sales)
    assert sales.exists()


def test_transit_officer_cannot_link_observations_or_edit_actions(
    client, case, actions, transit_officer
):
    client.force_login(transit_officer)
    today = timezone.localdate().isoformat()
    url = reverse("sara:case_link", args=[case.pk])
    assert client.post(url, {"start": today, "end": today}).status_code == 403
    light = actions["light"]
    assert client.get(reverse("sara:action_edit", args=[light.pk])).status_code == 403


def test_coordinator_reassigns_an_action_and_the_new_owner_is_told(
    client,
    case,
    actions,
    stockholm_coordinator,
    stockholm_field_worker,
    reference_orgs,
    django_capture_on_commit_callbacks,
):
    client.force_login(stockholm_coordinator)
    staff = actions["staff"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("sara:action_edit", args=[staff.pk]),
            {"title": staff.title, "responsible": reference_orgs["kommun-0180"].pk,
             "assignee": stockholm_field_worker.pk, "status": "pagaende",
             "due_on": staff.due_on.isoformat()},
        )  # fmt: skip
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.responsible.slug, staff.assignee) == ("kommun-0180", stockholm_field_worker)
    assert len(callbacks) == 1  # the assignment e-mail is queued after commit


def test_goal_measured_by_an_indicator_shows_its_values_before_and_since(
    client, case, stockholm_coordinator
):
    from datetime import date

    from scenes.models import Indicator, IndicatorValue

    indicator = Indicator.objects.create(scene=case.scene, name="SL-händelser", unit="per månad")
    opened = timezone.localdate(case.created_at)
    IndicatorValue.objects.create(indicator=indicator, period_start=date(2020, 1, 1),
                                  period_end=date(2020, 1, 31), value=41)  # fmt: skip
    IndicatorValue.objects.create(indicator=indicator, period_start=opened,
                                  period_end=opened + timedelta(days=30), value=23)  # fmt: skip
    case.goal_measure = indicator
    case.save()
    client.force_login(stockholm_coordinator)
    response = client.get(reverse("sara:case_detail", args=[case.pk]))
    goal = response.context["goal"]
    assert (goal.before, goal.after) == (41, 23)
    assert "SL-händelser" in response.content.decode()


def test_a_goal_indicator_of_another_scene_is_refused(case, fittja):
    from django.core.exceptions import ValidationError

    from scenes.models import Indicator

    case.goal_measure = Indicator.objects.create(scene=fittja, name="Annan scen")
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert "goal_measure" in error.value.message_dict


def test_a_whole_number_goal_is_shown_and_edited_without_decimals(
    client, case, stockholm_coordinator
):
    case.goal_indicator = "Observationer av narkotikaförsäljning per månad"
    case.goal_baseline, case.goal_target = Decimal("42.00"), Decimal("20.50")
    case.save()
    client.force_login(stockholm_coordinator)
    page = client.get(reverse("sara:case_detail", args=[case.pk])).content.decode()
    assert "från 42 till 20,5" in page and "42,00" not in page
    form = client.get(reverse("sara:case_edit", args=[case.pk])).content.decode()
    assert 'name="goal_baseline" value="42"' in form
    assert 'name="goal_target" value="20.5"' in form


def test_the_case_page_links_to_the_add_forms_which_offer_only_the_team(
    client, case, actions, reference_orgs, stockholm_coordinator, transit_officer
):
    """The forms that add an analysis entry, an action or an assessment are pages of their
    own, linked from the case page for those who manage the case (rendering them inline was
    most of the case page's time)."""
    client.force_login(stockholm_coordinator)
    page = client.get(reverse("sara:case_detail", args=[case.pk])).content.decode()
    for name in ("analysis_add", "action_add", "assessment_add"):
        assert f'href="{reverse(f"sara:{name}", args=[case.pk])}"' in page
    assert 'name="responsible"' not in page
    form = client.get(reverse("sara:action_add", args=[case.pk]))
    assert form.status_code == 200
    offered = {o.pk for o in form.context["form"].fields["responsible"].queryset}
    assert offered == set(case.scene.team.values_list("organisation_id", flat=True))
    assert reference_orgs["kommun-0127"].pk not in offered
    assert not case.actions.filter(title="").exists() and case.actions.count() == 3
    client.force_login(transit_officer)
    page = client.get(reverse("sara:case_detail", args=[case.pk])).content.decode()
    assert reverse("sara:action_add", args=[case.pk]) not in page
    assert client.get(reverse("sara:action_add", args=[case.pk])).status_code == 403
