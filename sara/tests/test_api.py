"""The SARA part of the REST API at /api/v1/: cases and actions, progress updates by the
responsible organisation, who sees and changes what, filters, query counts, the schema."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from actors.tests.factories import MembershipFactory
from sara import services
from sara.api import ActionProgressSerializer
from sara.models import Action, ActionUpdate, Case, Method, Phase
from sara.tests.factories import make_action
from scenes.models import PERSONAL_DATA_MESSAGE

pytestmark = pytest.mark.django_db

# A Luhn-valid personnummer (a well-known test number).
PERSONNUMMER = "811228-9874"
NOT_WRITABLE = ActionProgressSerializer.default_error_messages["not_writable"]


@pytest.fixture
def case(sergels, stockholm, stockholm_coordinator):
    case = services.open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=stockholm,
        title="Försäljning vid Plattan kvällstid",
        problem_statement="Öppen försäljning vid Plattan fredagar och lördagar 19–23.",
        goal_indicator="Observationer av försäljning per vecka",
        goal_baseline=Decimal("12"),
        goal_target=Decimal("4.5"),
        goal_date=date(2026, 6, 30),
    )
    case.places.set(sergels.places.all()[:2])
    return case


@pytest.fixture
def transit_action(case, transit, transit_officer):
    return make_action(
        case,
        transit,
        title="Belysning i uppgången",
        description="Byt armaturer i uppgången mot Drottninggatan.",
        method=Method.objects.order_by("pk").first(),
        assignee=transit_officer,
        start_on=timezone.localdate() - timedelta(days=10),
        due_on=timezone.localdate() + timedelta(days=20),
        output_unit="armaturer",
        output_target=Decimal("6"),
    )


@pytest.fixture
def police_action(case, police):
    return make_action(
        case,
        police,
        title="Riktade kontroller fredagskvällar",
        due_on=timezone.localdate() + timedelta(days=5),
    )


@pytest.fixture
def stockholm_action(case, stockholm):
    return make_action(case, stockholm, title="Fältassistenter kvällstid")


@pytest.fixture
def fittja_case(fittja, reference_orgs, botkyrka_coordinator):
    return services.open_case(
        by=botkyrka_coordinator,
        scene=fittja,
        owner=reference_orgs["kommun-0127"],
        title="Otrygghet vid tunnelbaneuppgången",
    )


@pytest.fixture
def fittja_action(fittja_case, reference_orgs):
    return make_action(fittja_case, reference_orgs["kommun-0127"], title="Städning av gången")


@pytest.fixture
def api():
    """An API client; `api(user)` signs the user in with a session."""

    def as_user(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return as_user


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def action_url(action, suffix=""):
    return f"/api/v1/actions/{action.pk}/{suffix}"


def snapshot(action):
    """What a refused request must leave unchanged."""
    action.refresh_from_db()
    fields = ["title", "responsible_id", "status", "due_on", "output_achieved", "completed_on"]
    return {name: getattr(action, name) for name in fields}, action.updates.count()


def sv(message):
    with translation.override("sv"):
        return str(message)


# --- Signing in -----------------------------------------------------------------------------


def test_anonymous_is_refused_everywhere(api, case, transit_action):
    before = snapshot(transit_action)
    client = api()
    for url in [
        "/api/v1/cases/",
        f"/api/v1/cases/{case.pk}/",
        "/api/v1/actions/",
        action_url(transit_action),
    ]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
    body = {"status": "genomford", "output_achieved": 3}
    assert client.patch(action_url(transit_action), body, format="json").status_code == 401
    response = client.post(action_url(transit_action, "updates/"), body, format="json")
    assert response.status_code == 401
    assert snapshot(transit_action) == before


def test_token_authentication(transit_officer, transit_action, fittja_action):
    token = Token.objects.create(user=transit_officer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert transit_action.pk in ids(client.get("/api/v1/actions/"))
    response = client.patch(action_url(transit_action), {"status": "pagaende"}, format="json")
    assert response.status_code == 200, response.content
    assert ActionUpdate.objects.get().written_by == transit_officer

    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/actions/").status_code == 401


# --- Cases ----------------------------------------------------------------------------------


def test_case_list_and_detail(api, stockholm_field_worker, case, sergels, stockholm):
    response = api(stockholm_field_worker).get("/api/v1/cases/", {"scene": sergels.pk})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [case.pk]
    row = rows[0]
    assert row["scene"] == {"id": sergels.pk, "name": sergels.name}
    assert row["owner"] == {"id": stockholm.pk, "name": stockholm.name}
    assert row["title"] == "Försäljning vid Plattan kvällstid"
    assert row["problem_statement"].startswith("Öppen försäljning")
    assert row["goal"] == {
        "indicator": "Observationer av försäljning per vecka",
        "baseline": "12.00",
        "target": "4.50",
        "date": "2026-06-30",
    }
    assert row["phase"] == {"value": "scanning", "label": sv(Phase.SCANNING.label)}
    assert len(row["places"]) == 2
    assert set(row["places"]) == set(case.places.values_list("pk", flat=True))
    assert row["created_at"] and row["updated_at"]

    detail = api(stockholm_field_worker).get(f"/api/v1/cases/{case.pk}/")
    assert detail.status_code == 200
    assert detail.json() == row


def test_case_filters(api, stad_evaluator, case, fittja_case, sergels, fittja, stockholm):
    case.problem_statement = "Preciserat."
    case.save()
    services.move_phase(case, Phase.ANALYSIS, by=None)
    client = api(stad_evaluator)
    every = ids(client.get("/api/v1/cases/"))
    assert {case.pk, fittja_case.pk} <= every
    assert ids(client.get("/api/v1/cases/", {"scene": fittja.pk})) == {fittja_case.pk}
    assert ids(client.get("/api/v1/cases/", {"scene": sergels.pk, "phase": "analysis"})) == {
        case.pk
    }
    assert fittja_case.pk not in ids(client.get("/api/v1/cases/", {"phase": "analysis"}))
    assert case.pk in ids(client.get("/api/v1/cases/", {"owner": stockholm.pk}))
    assert fittja_case.pk not in ids(client.get("/api/v1/cases/", {"owner": stockholm.pk}))
    for params in [{"phase": "nonsense"}, {"scene": "x"}, {"owner": "x"}]:
        assert client.get("/api/v1/cases/", params).status_code == 400, params


def test_cases_and_actions_cannot_be_created_changed_or_deleted(
    api, stockholm_coordinator, case, transit_action
):
    client = api(stockholm_coordinator)
    assert client.post("/api/v1/cases/", {"title": "Nytt"}, format="json").status_code == 405
    case_url = f"/api/v1/cases/{case.pk}/"
    assert client.patch(case_url, {"title": "Ändrat"}, format="json").status_code == 405
    assert client.put(case_url, {"title": "Ändrat"}, format="json").status_code == 405
    assert client.delete(case_url).status_code == 405
    data = {"case": case.pk, "title": "Ny åtgärd", "responsible": transit_action.responsible_id}
    assert client.post("/api/v1/actions/", data, format="json").status_code == 405
    assert client.put(action_url(transit_action), data, format="json").status_code == 405
    assert client.delete(action_url(transit_action)).status_code == 405
    case.refresh_from_db()
    assert case.title == "Försäljning vid Plattan kvällstid"
    assert Case.objects.count() == 1
    assert Action.objects.get().title == "Belysning i uppgången"


# --- Actions: reading -----------------------------------------------------------------------


def test_action_list_and_detail(
    api, transit_officer, stockholm_coordinator, case, transit_action, transit
):
    first = services.post_action_update(transit_action, by=transit_officer, status="pagaende")
    second = services.post_action_update(
        transit_action, by=stockholm_coordinator, text="Två armaturer bytta.", output_achieved=2
    )
    assert second.written_at >= first.written_at
    client = api(transit_officer)
    response = client.get("/api/v1/actions/", {"case": case.pk})
    assert response.status_code == 200
    [row] = response.json()["results"]
    method = transit_action.method
    assert row == {
        "id": transit_action.pk,
        "case": {"id": case.pk, "title": case.title},
        "method": {"id": method.pk, "name": method.name},
        "title": "Belysning i uppgången",
        "description": "Byt armaturer i uppgången mot Drottninggatan.",
        "responsible": {"id": transit.pk, "name": transit.name},
        "assignee": "sl.trygghet",
        "status": "pagaende",
        "start_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "due_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "completed_on": None,
        "output_unit": "armaturer",
        "output_target": "6.00",
        "output_achieved": "2.00",
        "is_overdue": False,
        "updates": [
            {
                "written_at": row["updates"][0]["written_at"],
                "written_by": "sthlm.samordnare",
                "text": "Två armaturer bytta.",
                "status": "",
                "output_achieved": "2.00",
                "restricted": False,
            },
            {
                "written_at": row["updates"][1]["written_at"],
                "written_by": "sl.trygghet",
                "text": "",
                "status": "pagaende",
                "output_achieved": None,
                "restricted": False,
            },
        ],
    }
    detail = client.get(action_url(transit_action))
    assert detail.status_code == 200
    assert detail.json() == row


def test_action_without_method_or_assignee(api, transit_officer, police_action):
    row = api(transit_officer).get(action_url(police_action)).json()
    assert row["method"] is None
    assert row["assignee"] is None
    assert row["updates"] == []


def test_botkyrka_sees_nothing_of_sergels(
    api, botkyrka_coordinator, case, transit_action, fittja_case, fittja_action
):
    before = snapshot(transit_action)
    client = api(botkyrka_coordinator)
    case_ids = ids(client.get("/api/v1/cases/"))
    assert fittja_case.pk in case_ids
    assert case.pk not in case_ids
    action_ids = ids(client.get("/api/v1/actions/"))
    assert fittja_action.pk in action_ids
    assert transit_action.pk not in action_ids
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.get(action_url(transit_action)).status_code == 404
    body = {"status": "avbruten", "text": "Avbryts."}
    assert client.patch(action_url(transit_action), body, format="json").status_code == 404
    response = client.post(action_url(transit_action, "updates/"), body, format="json")
    assert response.status_code == 404
    # Even an invalid body answers 404: nothing is examined before visibility.
    response = client.patch(action_url(transit_action), {"title": "x"}, format="json")
    assert response.status_code == 404
    assert client.get(f"/api/v1/actions/{transit_action.pk + 1000}/").status_code == 404
    assert snapshot(transit_action) == before


# --- Actions: updating ----------------------------------------------------------------------


def test_transit_officer_completes_its_action(api, transit_officer, transit_action):
    body = {"status": "genomford", "output_achieved": 3, "text": "Tre armaturer bytta."}
    response = api(transit_officer).patch(action_url(transit_action), body, format="json")
    assert response.status_code == 200, response.content

    transit_action.refresh_from_db()
    assert transit_action.status == "genomford"
    assert transit_action.output_achieved == Decimal("3")
    assert transit_action.completed_on == timezone.localdate()
    update = ActionUpdate.objects.get(action=transit_action)
    assert update.written_by == transit_officer
    assert (update.status, update.output_achieved, update.text) == (
        "genomford",
        Decimal("3"),
        "Tre armaturer bytta.",
    )

    row = response.json()
    assert row["id"] == transit_action.pk
    assert row["status"] == "genomford"
    assert row["output_achieved"] == "3.00"
    assert row["completed_on"] == timezone.localdate().isoformat()
    assert [u["written_by"] for u in row["updates"]] == ["sl.trygghet"]
    assert row["updates"][0]["text"] == "Tre armaturer bytta."


def test_post_update_route_records_an_update(api, transit_officer, transit_action):
    body = {"text": "Armaturerna beställda.", "status": "pagaende"}
    response = api(transit_officer).post(
        action_url(transit_action, "updates/"), body, format="json"
    )
    assert response.status_code == 201, response.content
    update = ActionUpdate.objects.get(action=transit_action)
    assert response.json() == {
        "written_at": response.json()["written_at"],
        "written_by": "sl.trygghet",
        "text": "Armaturerna beställda.",
        "status": "pagaende",
        "output_achieved": None,
        "restricted": False,
    }
    assert update.written_by == transit_officer
    transit_action.refresh_from_db()
    assert transit_action.status == "pagaende"
    assert transit_action.completed_on is None


def test_case_coordinator_may_update_a_partners_action(api, stockholm_coordinator, transit_action):
    response = api(stockholm_coordinator).patch(
        action_url(transit_action), {"output_achieved": "1.5"}, format="json"
    )
    assert response.status_code == 200, response.content
    transit_action.refresh_from_db()
    assert transit_action.output_achieved == Decimal("1.5")
    assert transit_action.status == "planerad"
    assert ActionUpdate.objects.get().written_by == stockholm_coordinator


def test_transit_officer_cannot_update_a_police_action(api, transit_officer, police_action):
    before = snapshot(police_action)
    client = api(transit_officer)
    assert client.get(action_url(police_action)).status_code == 200
    body = {"status": "genomford", "output_achieved": 3}
    assert client.patch(action_url(police_action), body, format="json").status_code == 403
    response = client.post(action_url(police_action, "updates/"), body, format="json")
    assert response.status_code == 403
    # Read-only users get 403 before their body is examined.
    response = client.patch(action_url(police_action), {"title": "x"}, format="json")
    assert response.status_code == 403
    assert snapshot(police_action) == before
    assert not ActionUpdate.objects.exists()


def test_evaluator_reads_but_cannot_update(api, stad_evaluator, case, transit_action):
    before = snapshot(transit_action)
    client = api(stad_evaluator)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert client.get(action_url(transit_action)).status_code == 200
    body = {"status": "genomford", "text": "Klart."}
    assert client.patch(action_url(transit_action), body, format="json").status_code == 403
    response = client.post(action_url(transit_action, "updates/"), body, format="json")
    assert response.status_code == 403
    assert snapshot(transit_action) == before


@pytest.mark.parametrize(
    "extra",
    [
        {"title": "Nytt namn"},
        {"responsible": "LPO"},
        {"due_on": "2030-01-01"},
        {"case": 1},
        {"assignee": "polis.city"},
        {"completed_on": "2020-01-01"},
        {"description": "Annan beskrivning"},
        {"written_by": "polis.city"},
        {"id": 1},
    ],
)
def test_only_status_output_and_text_are_writable(
    api, transit_officer, transit_action, police, extra
):
    if "responsible" in extra:
        extra = {"responsible": police.pk}
    before = snapshot(transit_action)
    body = {"status": "genomford", "output_achieved": 3, **extra}
    response = api(transit_officer).patch(action_url(transit_action), body, format="json")
    assert response.status_code == 400
    [name] = extra
    assert set(response.json()) == {name}
    assert response.json()[name] == [sv(NOT_WRITABLE)]
    assert snapshot(transit_action) == before
    response = api(transit_officer).post(
        action_url(transit_action, "updates/"), body, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {name}
    assert snapshot(transit_action) == before


def test_personnummer_in_text_is_refused(api, transit_officer, transit_action):
    before = snapshot(transit_action)
    body = {"status": "genomford", "output_achieved": 3, "text": f"Anmält av {PERSONNUMMER}."}
    client = api(transit_officer)
    response = client.patch(action_url(transit_action), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"text": [sv(PERSONAL_DATA_MESSAGE)]}
    assert snapshot(transit_action) == before
    response = client.post(action_url(transit_action, "updates/"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"text": [sv(PERSONAL_DATA_MESSAGE)]}
    assert snapshot(transit_action) == before


@pytest.mark.parametrize(
    "body, key",
    [
        ({"status": "klar"}, "status"),
        ({"status": "Genomford"}, "status"),
        ({"output_achieved": "tre"}, "output_achieved"),
        ({"output_achieved": -1}, "output_achieved"),
        ({"output_achieved": None}, "output_achieved"),
        ({"output_achieved": "1.234"}, "output_achieved"),
        ({"text": None}, "text"),
        # Nothing to record: the model's own rule, under DRF's key for errors of the whole.
        ({}, "non_field_errors"),
        ({"text": "   ", "status": ""}, "non_field_errors"),
        # The current status again is no change.
        ({"status": "planerad"}, "non_field_errors"),
    ],
)
def test_invalid_updates_are_refused(api, transit_officer, transit_action, body, key):
    before = snapshot(transit_action)
    response = api(transit_officer).patch(action_url(transit_action), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {key}
    assert snapshot(transit_action) == before


def test_updates_are_json_only(api, transit_officer, transit_action):
    before = snapshot(transit_action)
    client = api(transit_officer)
    response = client.patch(action_url(transit_action), {"status": "genomford"})
    assert response.status_code == 415
    response = client.post(action_url(transit_action, "updates/"), {"status": "genomford"})
    assert response.status_code == 415
    response = client.patch(action_url(transit_action), ["genomford"], format="json")
    assert response.status_code == 400
    assert snapshot(transit_action) == before


# --- Actions: filters -----------------------------------------------------------------------


def test_mine_lists_the_organisations_and_the_assigned_actions(
    api, transit_officer, case, transit, stockholm, transit_action, police_action, stockholm_action
):
    # Also a viewer at Stockholm: a Stockholm action assigned to them is theirs, the others
    # of Stockholm are not (viewers do not work on their organisation's actions).
    MembershipFactory(user=transit_officer, organisation=stockholm, role="viewer")
    unassigned = make_action(case, transit, title="Skyltning")
    assigned = make_action(case, stockholm, title="Trygghetsvandring", assignee=transit_officer)
    client = api(transit_officer)

    response = client.get("/api/v1/actions/", {"mine": "true"})
    mine = ids(response)
    assert {transit_action.pk, unassigned.pk, assigned.pk} <= mine
    assert not {police_action.pk, stockholm_action.pk} & mine
    for row in response.json()["results"]:
        assert row["responsible"]["id"] == transit.pk or row["assignee"] == "sl.trygghet"

    others = ids(client.get("/api/v1/actions/", {"mine": "false"}))
    assert {police_action.pk, stockholm_action.pk} <= others
    assert not mine & others
    assert mine | others == ids(client.get("/api/v1/actions/"))
    assert client.get("/api/v1/actions/", {"mine": "maybe"}).status_code == 400


def test_overdue_and_other_filters(
    api, stad_evaluator, case, transit, police, transit_action, police_action, fittja_action
):
    yesterday = timezone.localdate() - timedelta(days=1)
    late = make_action(case, transit, title="Försenad", due_on=yesterday)
    late_ongoing = make_action(
        case, police, title="Pågår sent", due_on=yesterday, status="pagaende"
    )
    late_but_done = make_action(
        case, police, title="Klar sent", due_on=yesterday, status="genomford"
    )
    due_today = make_action(case, police, title="Idag", due_on=timezone.localdate())
    client = api(stad_evaluator)

    response = client.get("/api/v1/actions/", {"overdue": "true"})
    assert {late.pk, late_ongoing.pk} <= ids(response)
    assert all(row["is_overdue"] for row in response.json()["results"])
    not_overdue = ids(client.get("/api/v1/actions/", {"overdue": "false"}))
    assert {late_but_done.pk, due_today.pk, transit_action.pk, fittja_action.pk} <= not_overdue
    assert not {late.pk, late_ongoing.pk} & not_overdue

    get = lambda **params: ids(client.get("/api/v1/actions/", params))  # noqa: E731
    assert get(case=case.pk) == {
        transit_action.pk,
        police_action.pk,
        late.pk,
        late_ongoing.pk,
        late_but_done.pk,
        due_today.pk,
    }
    assert get(case=case.pk, responsible=transit.pk) == {transit_action.pk, late.pk}
    assert get(case=case.pk, status="pagaende") == {late_ongoing.pk}
    assert get(case=case.pk, overdue="true", responsible=police.pk) == {late_ongoing.pk}
    for params in [{"status": "klar"}, {"case": "x"}, {"responsible": "x"}, {"overdue": "ja"}]:
        assert client.get("/api/v1/actions/", params).status_code == 400, params


# --- Query counts ---------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_case_list_queries_do_not_grow_with_rows(
    api, regional_coordinator, case, sergels, stockholm, police, django_assert_max_num_queries
):
    client = api(regional_coordinator)
    small, count = count_queries(client, "/api/v1/cases/")
    assert count == 1
    places = list(sergels.places.all())
    for i in range(6):
        more = services.open_case(
            by=regional_coordinator,
            scene=sergels,
            owner=police if i % 2 else stockholm,
            title=f"Fall {i}",
        )
        more.places.set(places[: 1 + i % 3])
    with django_assert_max_num_queries(small):
        response = client.get("/api/v1/cases/")
    assert response.json()["count"] == 7
    assert {len(row["places"]) for row in response.json()["results"]} == {1, 2, 3}


def test_action_list_queries_do_not_grow_with_rows(
    api,
    regional_coordinator,
    transit_officer,
    police_officer,
    case,
    transit,
    police,
    transit_action,
    django_assert_max_num_queries,
):
    services.post_action_update(transit_action, by=transit_officer, text="Påbörjat.")
    client = api(regional_coordinator)
    small, count = count_queries(client, "/api/v1/actions/")
    assert count == 1
    methods = list(Method.objects.order_by("pk")[:3])
    for i in range(8):
        org, user = (police, police_officer) if i % 2 else (transit, transit_officer)
        action = make_action(case, org, title=f"Åtgärd {i}", method=methods[i % 3], assignee=user)
        for j in range(3):
            services.post_action_update(action, by=user, text=f"Uppdatering {j}.")
    with django_assert_max_num_queries(small):
        response = client.get("/api/v1/actions/")
    rows = response.json()["results"]
    assert len(rows) == 9
    assert {len(row["updates"]) for row in rows} == {1, 3}
    assert {row["assignee"] for row in rows} == {"sl.trygghet", "polis.city"}


# --- The schema and the browsable API ---------------------------------------------------------


def test_openapi_schema_generates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    # What `manage.py spectacular --validate --fail-on-warn` checks.
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache, **GENERATOR_STATS._error_cache)
    validate_schema(schema)

    paths = schema["paths"]
    assert set(paths["/api/v1/cases/"]) == {"get"}
    assert set(paths["/api/v1/cases/{id}/"]) == {"get"}
    assert set(paths["/api/v1/actions/"]) == {"get"}
    assert set(paths["/api/v1/actions/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/actions/{id}/updates/"]) == {"post"}
    params = {p["name"] for p in paths["/api/v1/actions/"]["get"]["parameters"]}
    assert {"case", "status", "responsible", "mine", "overdue"} <= params
    components = schema["components"]["schemas"]
    progress = components["PatchedActionProgressRequest"]["properties"]
    assert set(progress) == {"status", "output_achieved", "text", "restricted"}
    assert "updates" in components["Action"]["properties"]


def test_browsable_api_pages_render(api, transit_officer, case, transit_action):
    client = api(transit_officer)
    for url in ["/api/v1/cases/", f"/api/v1/cases/{case.pk}/", action_url(transit_action)]:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
