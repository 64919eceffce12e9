"""Log review (loggkontroll): who may review whose reads, the four questions, the "granskad"
mark, exports, and the review itself in the log."""

import pytest
from django.urls import reverse

from actors.tests.factories import MembershipFactory
from audit.models import Entry, Review
from scenes.models import Observation

pytestmark = pytest.mark.django_db

WHOLE_DAY = {"start": "2000-01-01", "end": "2100-01-01"}


@pytest.fixture
def reads(client, sergels, police_officer, stockholm_field_worker):
    """The police officer and the field worker each read Sergels torg's observations."""
    observation = Observation.objects.filter(scene=sergels, restricted=False).first()
    for user in (police_officer, stockholm_field_worker):
        client.force_login(user)
        client.get(reverse("scenes:observation_detail", args=[observation.pk]))
    client.logout()
    return observation


def test_only_coordinators_review_and_each_their_own_organisations_users(
    client, reads, police_officer, stockholm_coordinator, regional_coordinator
):
    url = reverse("audit:object_reads")
    query = {"object_type": "scenes.observation", "object_id": reads.pk}
    client.force_login(police_officer)
    assert client.get(reverse("audit:review")).status_code == 403
    assert client.get(url, query).status_code == 403

    client.force_login(regional_coordinator)
    everyone = {e.username for e in client.get(url, query).context["page"].object_list}
    assert everyone == {"polis.city", "sthlm.falt"}
    client.force_login(stockholm_coordinator)
    own = {e.username for e in client.get(url, query).context["page"].object_list}
    assert own == {"sthlm.falt"}
    assert "Loggkontroll" in client.get(reverse("home")).text  # in the menu


def test_what_a_user_read_in_a_period_and_its_export(client, reads, regional_coordinator):
    client.force_login(regional_coordinator)
    url = reverse("audit:user_reads")
    page = client.get(url, {"username": "polis.city", **WHOLE_DAY})
    (entry,) = page.context["page"].object_list
    assert entry.object_ids == [reads.pk] and entry.action == "view"
    assert "visade" in page.text
    export = client.get(url, {"username": "polis.city", **WHOLE_DAY, "format": "csv"})
    assert "polis.city" in export.content.decode("utf-8-sig")
    empty = client.get(url, {"username": "polis.city", "start": "2001-01-01", "end": "2001-01-02"})
    assert not empty.context["page"].object_list


def test_a_random_sample_is_marked_reviewed_and_the_review_is_logged(
    client, reads, regional_coordinator
):
    client.force_login(regional_coordinator)
    sample = client.get(reverse("audit:sample"), {**WHOLE_DAY, "size": 50}).context["entries"]
    assert {e.username for e in sample} >= {"polis.city", "sthlm.falt"}
    chosen = next(e for e in sample if e.username == "polis.city")

    response = client.post(
        reverse("audit:mark_reviewed"), {"entry": chosen.pk, "note": "Del av SSPF-ärende."}
    )
    assert response.status_code == 302
    review = Review.objects.get(entry=chosen)
    assert review.reviewer == regional_coordinator and review.note == "Del av SSPF-ärende."
    again = client.get(reverse("audit:sample"), {**WHOLE_DAY, "size": 50}).context["entries"]
    assert chosen.pk not in {e.pk for e in again}  # reviewed reads are not picked again
    logged = Entry.objects.get(kind="event", action="audit_reviewed")
    assert logged.username == "lan.samordnare" and logged.object_id == str(chosen.pk)
    # Looking at the log is itself a read in it.
    assert Entry.objects.filter(kind="read", object_type="audit.entry").exists()


def test_a_coordinator_cannot_mark_another_organisations_reads(
    client, reads, stockholm_coordinator
):
    police_read = Entry.objects.get(kind="read", username="polis.city")
    client.force_login(stockholm_coordinator)
    client.post(reverse("audit:mark_reviewed"), {"entry": police_read.pk})
    assert not Review.objects.exists()


def test_unusual_reading_stands_out(client, sergels, demo_scenes, regional_coordinator, police):
    """A police officer who read every demo scene's data, although the police works three of
    them, stands out; the regional coordinator's county-wide reading does not count as
    outside the team."""
    snoop = MembershipFactory(organisation=police, role="case_officer").user
    all_scenes = [s.pk for s in demo_scenes.values()]
    Entry.objects.create(
        kind="read", action="list", object_type="scenes.scene", object_ids=all_scenes,
        scene_ids=all_scenes, user_id=snoop.pk, username=snoop.username,
        organisation_ids=[police.pk],
    )  # fmt: skip
    Entry.objects.create(
        kind="read", action="list", object_type="scenes.scene", object_ids=all_scenes,
        scene_ids=all_scenes, user_id=regional_coordinator.pk,
        username=regional_coordinator.username,
        organisation_ids=[m.organisation_id for m in regional_coordinator.memberships.all()],
    )  # fmt: skip
    client.force_login(regional_coordinator)
    rows = {
        r["username"]: r for r in client.get(reverse("audit:unusual"), WHOLE_DAY).context["rows"]
    }
    assert rows[snoop.username]["outside"] == len(all_scenes) - 3
    assert rows[regional_coordinator.username]["outside"] == 0
    assert rows[regional_coordinator.username]["county_wide"]
    export = client.get(reverse("audit:unusual"), {**WHOLE_DAY, "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_long_read_log_counts_ahead_only_and_says_more_than(
    client, settings, sergels, police_officer, regional_coordinator
):
    """The log grows with every read: its pages count a bounded number of entries ahead
    (ODS_LIST_COUNT_AHEAD) and say "more than" past it, as the observation list does."""
    settings.ODS_LIST_COUNT_AHEAD = 2
    observation = Observation.objects.filter(scene=sergels, restricted=False).first()
    client.force_login(police_officer)
    for _ in range(53):
        client.get(reverse("scenes:observation_detail", args=[observation.pk]))
    client.force_login(regional_coordinator)
    url = reverse("audit:user_reads")
    first = client.get(url, {"username": "polis.city", **WHOLE_DAY})
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.capped
    assert "Sida 1 av fler än 2" in first.text
    last = client.get(url, {"username": "polis.city", **WHOLE_DAY, "page": 2})
    assert len(last.context["page"].object_list) == 3
    assert not last.context["page"].paginator.capped
    assert "Sida 2 av 2" in last.text
