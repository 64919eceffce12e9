"""The start page per persona: each shows its items, every link on it leads to a page that
answers, what is new is counted from the previous visit, archived scenes are left out, and the
number of queries is fixed whatever the amount of data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ods_platform.models import StartPageVisit
from sara.models import Case
from sara.tests.factories import make_action
from scenes import services as scenes
from scenes.models import Observation, Scene, SymptomAssessment
from situation_reports import services as reports

pytestmark = pytest.mark.django_db

SECTION = re.compile(
    r'<section[^>]*class="start-section"[^>]*data-section="(\w+)"(.*?)</section>', re.S
)
HREF = re.compile(r'href="([^"#]+)"')

# The most queries each persona's start page may make (session, user and memberships
# included); the same with five times the data (test below).
MAX_QUERIES = {
    "lan.samordnare": 28,
    "sthlm.samordnare": 27,
    "sthlm.falt": 21,
    "polis.city": 20,
    "stad.utvarderare": 15,
}


def sections(html: str) -> dict[str, str]:
    return dict(SECTION.findall(html))


def links(body: str) -> list[str]:
    return sorted({h.replace("&amp;", "&") for h in HREF.findall(body)})


def start_page(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return client, response.content.decode()


def assert_links_answer(client, body):
    answers = {url: client.get(url).status_code for url in links(body)}
    assert answers and all(code == 200 for code in answers.values()), answers


def log(user, scene, days_ago, category="narkotikaforsaljning"):
    return scenes.log_observation(
        by=user, scene=scene, location=scene.boundary.centroid.clone(),
        occurred_at=timezone.now() - timedelta(days=days_ago, hours=1), category=category,
        source="egen", insecurity=3,
    )  # fmt: skip


def done_report(user, **scope):
    today = timezone.localdate()
    report = reports.request_report(user, start=today - timedelta(days=30), end=today, **scope)
    report.file.save("lagesbild.pdf", ContentFile(b"%PDF-1.7 start"), save=False)
    report.status, report.finished_at = "done", timezone.now()
    report.save()
    return report


@pytest.fixture
def stockholm_case(cases, stockholm, sergels):
    return Case.objects.filter(scene=sergels, owner=stockholm).first()


def test_the_regional_coordinator_sees_the_county(
    client, cases, regional_coordinator, stockholm_field_worker, sergels, fittja, police
):
    for days in range(1, 13):  # a clear rise at Sergels torg
        log(stockholm_field_worker, sergels, days)
    # Fittja centrum: no case and never assessed.
    Case.objects.filter(scene=fittja).delete()
    SymptomAssessment.objects.filter(scene=fittja).delete()
    make_action(
        Case.objects.filter(scene=sergels).first(), police, title="Sen polisinsats",
        start_on=timezone.localdate() - timedelta(days=30),
        due_on=timezone.localdate() - timedelta(days=20),
    )  # fmt: skip
    client, html = start_page(regional_coordinator)
    county = sections(html)["regional"]
    assert "Scener per status" in county and "Aktiv" in county
    assert f'href="{reverse("scenes:scene_detail", args=[sergels.pk])}"' in county
    assert "Lokalpolisområde City" in county and "Sen polisinsats" in county
    assert "Fittja centrum (demo)" in county.split("Scener utan SARA-ärende")[1]
    assert reverse("scenes:assessment_create", args=[fittja.pk]) in county
    assert_links_answer(client, county)


def test_the_rise_is_honest_about_thin_data(cases, regional_coordinator, police_officer, fittja):
    Observation.objects.filter(scene=fittja).delete()
    for days in (2, 3):  # two observations, none before: a rise, but too few to compare
        log(police_officer, fittja, days)
    _client, html = start_page(regional_coordinator)
    row = next(r for r in sections(html)["regional"].split("<tr>") if "Fittja centrum" in r)
    assert "få" in row and "för få för att jämföra" in row and "%" not in row


def test_the_coordinator_sees_their_scenes_and_what_is_new_since_the_previous_visit(
    cases, stockholm_coordinator, stockholm_field_worker, sergels, stockholm_case, police
):
    _client, first = start_page(stockholm_coordinator)
    assert "Nya sedan ditt förra besök" not in first  # no previous visit yet
    first_visit = StartPageVisit.objects.get(user=stockholm_coordinator).seen_at
    log(stockholm_field_worker, sergels, 0)
    log(stockholm_field_worker, sergels, 40)  # logged now, happened long ago: new all the same
    today = timezone.localdate()
    make_action(
        stockholm_case, police, title="Försenad belysning", start_on=today - timedelta(days=20),
        due_on=today - timedelta(days=3),
    )  # fmt: skip
    make_action(
        stockholm_case, police, title="Snart klar", start_on=today, due_on=today + timedelta(2)
    )
    report = done_report(stockholm_coordinator, scope="scene", scene=sergels)
    SymptomAssessment.objects.filter(scene=sergels).update(assessed_on=today - timedelta(days=200))

    client, html = start_page(stockholm_coordinator)  # a new session: a new visit
    mine = sections(html)["coordinator"]
    row = next(r for r in mine.split("<tr>") if "Sergels torg" in r)
    new_link = reverse("scenes:observation_list", args=[sergels.pk])
    assert f'<a href="{new_link}">2</a>' in row
    assert "Försenad belysning" in mine and "Snart klar" in mine
    assert reverse("situation_reports:report_detail", args=[report.pk]) in mine
    assert reverse("scenes:assessment_create", args=[sergels.pk]) in mine
    assert_links_answer(client, mine)
    # Reloading in the same session counts from the same previous visit.
    again = sections(client.get(reverse("home")).content.decode())["coordinator"]
    assert f'<a href="{new_link}">2</a>' in again
    assert StartPageVisit.objects.get(user=stockholm_coordinator).seen_at >= first_visit


def test_a_case_officer_sees_their_organisations_actions_and_observations(
    cases, stockholm_field_worker, sergels
):
    observation = log(stockholm_field_worker, sergels, 1)
    client, html = start_page(stockholm_field_worker)
    desk = sections(html)["officer"]
    assert reverse("scenes:observation_detail", args=[observation.pk]) in desk
    assert reverse("sara:my_actions") in desk
    assert "sara/actions/" in desk
    assert '<div id="outbox-summary" hidden></div>' in desk
    assert_links_answer(client, desk)


def test_stad_sees_the_follow_up_and_county_reports_and_no_free_text(
    cases, stad_evaluator, regional_coordinator
):
    report = done_report(regional_coordinator, scope="county")
    client, html = start_page(stad_evaluator)
    found = sections(html)
    assert set(found) == {"evaluator"}
    body = found["evaluator"]
    assert reverse("followup:section", args=["sara"]) in body
    assert reverse("situation_reports:report_detail", args=[report.pk]) in body
    assert "kind=lagesbild&amp;scope=county" in body
    assert_links_answer(client, body)
    listed = client.get(reverse("situation_reports:report_list"), {"scope": "county"})
    assert [r.pk for r in listed.context["page"].object_list] == [report.pk]


def test_archived_scenes_leave_the_start_pages(
    cases, regional_coordinator, stockholm_coordinator, stockholm_field_worker, sergels
):
    for days in range(1, 13):
        log(stockholm_field_worker, sergels, days)
    scenes.archive_scene(sergels, by=regional_coordinator)
    _client, html = start_page(regional_coordinator)
    rising = sections(html)["regional"].split("Förfallna åtgärder")[0]
    assert "Sergels torg" not in rising
    _client, html = start_page(stockholm_coordinator)
    assert "Sergels torg" not in sections(html)["coordinator"].split("Åtgärder i mina ärenden")[0]


@pytest.mark.parametrize("username", list(MAX_QUERIES))
def test_start_page_queries_are_bounded_and_do_not_grow_with_data(
    cases, personas, username, django_assert_max_num_queries
):
    user = personas[username]
    client = Client()
    client.force_login(user)
    client.get(reverse("home"))  # the first visit writes the visit row
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    with django_assert_max_num_queries(MAX_QUERIES[username]):
        client.get(reverse("home"))
    # Five times the observations, more scenes, cases and reports.
    from sara.demo import load_cases
    from scenes.demo import load_scenes

    Scene.objects.filter(name="Solna station (demo)").update(name="Hagalund (demo)")
    load_scenes(per_scene=60)
    load_cases()
    for scene in Scene.objects.all()[:3]:
        done_report(personas["lan.samordnare"], scope="scene", scene=scene)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_the_coordinators_overdue_and_soon_due_lists_count_every_action_and_show_the_first(
    cases, stockholm_coordinator, stockholm_case, police
):
    """Both lists come from one query (numbered and counted per list): planted actions with
    known due dates give known totals, the earliest first, and closed or later ones left out."""
    from ods_platform.startpage import TOP

    today = timezone.localdate()
    from sara.models import Action

    Action.objects.filter(case__owner=stockholm_case.owner).delete()  # only the planted ones
    for n in range(TOP + 2):  # overdue: due 1 .. TOP + 2 days ago
        make_action(stockholm_case, police, title=f"Sen {n}", due_on=today - timedelta(n + 1))
    make_action(stockholm_case, police, title="Stängd sen", status="genomford",
                completed_on=today, due_on=today - timedelta(3))  # fmt: skip
    make_action(stockholm_case, police, title="Snart A", due_on=today)
    make_action(stockholm_case, police, title="Snart B", due_on=today + timedelta(7))
    make_action(stockholm_case, police, title="Senare", due_on=today + timedelta(8))
    client = Client()
    client.force_login(stockholm_coordinator)
    data = client.get(reverse("home")).context["sections"]["coordinator"]
    overdue, soon = data["overdue"], data["due_soon"]
    assert (overdue.total, soon.total) == (TOP + 2, 2)
    assert [a.title for a in overdue.items] == [f"Sen {n}" for n in range(TOP + 1, 1, -1)]
    assert [a.title for a in soon.items] == ["Snart A", "Snart B"] and not soon.more
    assert overdue.more and len(overdue.items) == TOP
