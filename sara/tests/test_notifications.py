"""E-mail about actions: who is told of an assignment, the daily reminders (each once per action
and day), publishing on commit without hanging on a dead broker, and both tasks through a real
Celery worker."""

import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actors.tests.factories import MembershipFactory, UserFactory
from sara import notifications, services
from sara.models import ActionReminder, ActionStatus
from sara.tasks import notify_action_assigned, send_action_reminders
from sara.tests.factories import make_action


@pytest.fixture
def today():
    """The day the test runs (read when it starts, not when the module was imported)."""
    return timezone.localdate()


@pytest.fixture
def case(sergels, stockholm, stockholm_coordinator):
    return services.open_case(
        by=stockholm_coordinator,
        scene=sergels,
        owner=stockholm,
        title="Försäljning vid Plattan kvällstid",
        problem_statement="Öppen försäljning vid Plattan fredagar och lördagar 19–23.",
    )


@pytest.fixture
def transit_coordinator(transit):
    return MembershipFactory(
        user=UserFactory(username="tf.samordnare", first_name="Tova", last_name="Demo-Tåg"),
        organisation=transit,
        role="coordinator",
    ).user


# --- Who is told --------------------------------------------------------------------------


@pytest.mark.django_db
def test_recipients_are_the_responsible_coordinators_and_the_assignee(
    case, transit, transit_coordinator, transit_officer, police_officer, stockholm_coordinator
):
    # Not told: a case officer of the responsible organisation who is not the assignee, an
    # inactive coordinator, a coordinator without an address, and other organisations' staff
    # (the case owner's coordinator, the police officer on the same scene).
    MembershipFactory(organisation=transit, role="case_officer")
    MembershipFactory(organisation=transit, role="coordinator", user__is_active=False)
    MembershipFactory(organisation=transit, role="coordinator", user__email="")
    action = make_action(case, transit, title="Belysning i uppgången", assignee=transit_officer)

    recipients = notifications.recipients_for_assignment(action)

    assert recipients == ["tf.samordnare@test.invalid", "sl.trygghet@demo.invalid"]
    assert police_officer.email not in recipients
    assert stockholm_coordinator.email not in recipients


@pytest.mark.django_db
def test_an_assignee_who_coordinates_is_told_once_and_no_one_means_no_mail(
    case, transit, police, transit_coordinator
):
    transit_coordinator.email = "TF.Samordnare@test.invalid"
    transit_coordinator.save()
    MembershipFactory(
        organisation=transit, role="regional_coordinator", user__email="tf.samordnare@test.invalid"
    )
    action = make_action(case, transit, assignee=transit_coordinator)
    assert notifications.recipients_for_assignment(action) == ["TF.Samordnare@test.invalid"]

    # Nobody at LPO City coordinates, and nobody is assigned: no recipient, no message.
    unassigned = make_action(case, police, title="Närvaropatrullering kvällstid")
    assert notifications.recipients_for_assignment(unassigned) == []
    assert notifications.send_assignment_email(unassigned) == 0
    assert notify_action_assigned(unassigned.pk) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_assignment_email_names_the_work_and_links_to_the_action(
    case, transit, transit_officer, transit_coordinator, settings, today
):
    settings.ODS_BASE_URL = "https://ods.example.se/"
    action = make_action(
        case,
        transit,
        title="Belysning i uppgången",
        description="Intern anteckning som inte ska mejlas",
        assignee=transit_officer,
        due_on=today + timedelta(days=20),
    )

    assert notifications.send_assignment_email(action) == 1

    (message,) = mail.outbox
    assert message.to == ["tf.samordnare@test.invalid", "sl.trygghet@demo.invalid"]
    assert message.subject == (
        "[ODS] Ny åtgärd för Region Stockholm, Trafikförvaltningen: Belysning i uppgången"
    )
    body = message.body
    for expected in (
        "Åtgärd: Belysning i uppgången",
        "Ärende: Försäljning vid Plattan kvällstid",
        "Plats: Sergels torg (demo)",
        "Ansvarig organisation: Region Stockholm, Trafikförvaltningen",
        "Tilldelad: Sol Demo-Spårman",
        f"Ska vara klar: {action.due_on:%Y-%m-%d}",
        f"https://ods.example.se/sara/actions/{action.pk}/",
    ):
        assert expected in body
    assert "Intern anteckning" not in body
    assert "&amp;" not in body and "&#x27;" not in body


@pytest.mark.django_db
def test_a_reminder_says_whether_the_action_is_overdue(case, police, police_officer, today):
    action = make_action(
        case, police, title="Närvaropatrullering kvällstid", assignee=police_officer,
        due_on=today - timedelta(days=2),
    )  # fmt: skip

    assert notifications.send_reminder(action, ActionReminder.Kind.OVERDUE) == 1
    assert notifications.send_reminder(action, ActionReminder.Kind.DUE_SOON) == 1

    overdue, soon = mail.outbox
    assert overdue.to == soon.to == ["polis.city@demo.invalid"]
    assert overdue.subject.startswith("[ODS] Försenad åtgärd: Närvaropatrullering kvällstid")
    assert "skulle ha varit klar" in overdue.body and "inom en vecka" not in overdue.body
    assert soon.subject.startswith("[ODS] Påminnelse: Närvaropatrullering kvällstid")
    assert "inom en vecka" in soon.body and "skulle ha varit klar" not in soon.body
    assert f"/sara/actions/{action.pk}/" in overdue.body


@pytest.mark.django_db
def test_the_assignment_task_rereads_the_action(case, transit, police, transit_officer):
    action = make_action(case, transit, assignee=transit_officer)
    queued = {"responsible_id": transit.pk, "assignee_id": transit_officer.pk}

    # Assigned elsewhere since it was queued: the newer task will tell.
    assert notify_action_assigned(action.pk, responsible_id=police.pk, assignee_id=None) == 0
    assert notify_action_assigned(action.pk, responsible_id=transit.pk, assignee_id=None) == 0
    assert mail.outbox == []

    assert notify_action_assigned(action.pk, **queued) == 1
    assert mail.outbox[0].to == ["sl.trygghet@demo.invalid"]

    services.post_action_update(action, by=transit_officer, status=ActionStatus.CANCELLED)
    assert notify_action_assigned(action.pk, **queued) == 0
    action.delete()
    assert notify_action_assigned(action.pk, **queued) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_notification_is_queued_only_when_the_transaction_commits(
    case, transit, transit_officer, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    class FakeTask:
        def apply_async(self, args, kwargs, **options):
            calls.append((args, kwargs, options))

    monkeypatch.setattr("sara.tasks.notify_action_assigned", FakeTask())
    with django_capture_on_commit_callbacks() as callbacks:
        action = make_action(case, transit, assignee=transit_officer)
        notifications.queue_assignment_notification(action)
        assert calls == []
    assert len(callbacks) == 1

    callbacks[0]()
    assert calls == [
        (
            (action.pk,),
            {"responsible_id": transit.pk, "assignee_id": transit_officer.pk},
            {"retry": False},
        )
    ]


# --- Daily reminders ----------------------------------------------------------------------


@pytest.fixture
def due_actions(case, transit, police, stockholm, transit_officer, police_officer, personas, today):
    """Two actions to remind of (due soon, overdue) and four not to."""
    return {
        "soon": make_action(
            case, transit, title="Extra trygghetsvärdar", assignee=transit_officer,
            due_on=today + timedelta(days=7),
        ),
        "overdue": make_action(
            case, police, title="Närvaropatrullering kvällstid", assignee=police_officer,
            status=ActionStatus.ONGOING, due_on=today - timedelta(days=3),
        ),
        "later": make_action(
            case, transit, title="Senare", assignee=transit_officer,
            due_on=today + timedelta(days=8),
        ),
        "done": make_action(
            case, police, title="Klar", assignee=police_officer, status=ActionStatus.DONE,
            due_on=today - timedelta(days=3),
        ),
        "cancelled": make_action(
            case, stockholm, title="Avbruten", status=ActionStatus.CANCELLED,
            assignee=personas["sthlm.falt"], due_on=today + timedelta(days=1),
        ),
        "undated": make_action(case, transit, title="Utan datum", assignee=transit_officer),
    }  # fmt: skip


@pytest.mark.django_db
def test_reminders_go_out_once_per_action_and_day(due_actions, transit_officer, today):
    soon, overdue = due_actions["soon"], due_actions["overdue"]

    assert send_action_reminders(today=today) == 2
    assert sorted(m.subject for m in mail.outbox) == [
        f"[ODS] Försenad åtgärd: Närvaropatrullering kvällstid (skulle vara klar "
        f"{overdue.due_on:%Y-%m-%d})",
        f"[ODS] Påminnelse: Extra trygghetsvärdar ska vara klar {soon.due_on:%Y-%m-%d}",
    ]
    by_subject = {m.subject.split(":")[0]: m for m in mail.outbox}
    assert by_subject["[ODS] Försenad åtgärd"].to == ["polis.city@demo.invalid"]
    assert by_subject["[ODS] Påminnelse"].to == ["sl.trygghet@demo.invalid"]
    assert "skulle ha varit klar" in by_subject["[ODS] Försenad åtgärd"].body
    assert "inom en vecka" in by_subject["[ODS] Påminnelse"].body
    assert set(ActionReminder.objects.values_list("action__title", "day", "kind")) == {
        ("Extra trygghetsvärdar", today, "due_soon"),
        ("Närvaropatrullering kvällstid", today, "overdue"),
    }

    # The same day again (the beat fired twice, or the task was delivered twice): nothing.
    assert send_action_reminders(today=today) == 0
    assert send_action_reminders(today=today.isoformat()) == 0
    assert len(mail.outbox) == 2
    assert ActionReminder.objects.count() == 2

    # The next day, still-open actions are reminded of again (and "later" has come within a
    # week); the one finished meanwhile is not.
    services.post_action_update(soon, by=transit_officer, status=ActionStatus.DONE)
    tomorrow = today + timedelta(days=1)
    assert send_action_reminders(today=tomorrow) == 2
    assert set(ActionReminder.objects.filter(day=tomorrow).values_list("action", "kind")) == {
        (overdue.pk, "overdue"),
        (due_actions["later"].pk, "due_soon"),
    }
    assert send_action_reminders(today=tomorrow) == 0
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_a_reminder_that_could_not_be_sent_is_sent_by_the_next_run(
    due_actions, monkeypatch, caplog, today
):
    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    with caplog.at_level(logging.ERROR, logger="sara.tasks"):
        assert send_action_reminders(today=today) == 0
    assert "Could not send" in caplog.text
    assert not ActionReminder.objects.exists()

    monkeypatch.undo()
    assert send_action_reminders(today=today) == 2
    assert send_action_reminders(today=today) == 0


@pytest.mark.django_db
def test_reminder_queries_do_not_grow_with_the_number_of_actions(
    case, reference_orgs, personas, transit_coordinator, today
):
    def run(day):
        with CaptureQueriesContext(connection) as queries:
            sent = send_action_reminders(today=day)
        return sent, len(queries)

    make_action(
        case, reference_orgs["region-stockholm-tf"], assignee=personas["sl.trygghet"],
        due_on=today,
    )  # fmt: skip
    one = run(today)

    for slug, username in [
        ("lpo-city", "polis.city"),
        ("kommun-0180", "sthlm.falt"),
        ("kriminalvarden", "kv.handlaggare"),
    ]:
        make_action(case, reference_orgs[slug], assignee=personas[username], due_on=today)
    four = run(today + timedelta(days=1))

    assert one[0] == 1 and four[0] == 4
    assert four[1] == one[1] <= 8


# --- Through a real worker ----------------------------------------------------------------


@pytest.fixture
def mail_dir(monkeypatch, tmp_path) -> Path:
    """The worker started after this writes its e-mail as files here.

    django-environ drops the first slash of a filemail:// path, hence the extra one."""
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{tmp_path}")
    return tmp_path


@pytest.fixture
def mail_worker(mail_dir, celery_worker):
    return celery_worker


def wait_for_mail(directory: Path, *needles: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = "".join(p.read_text(errors="replace") for p in sorted(directory.glob("*.log")))
        if all(needle in text for needle in needles):
            return text
        time.sleep(0.2)
    raise AssertionError(f"no e-mail with {needles} in {timeout} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_assignment_is_mailed_by_the_worker_after_commit(
    mail_worker, mail_dir, case, transit, transit_officer, transit_coordinator
):
    with transaction.atomic():
        action = make_action(case, transit, title="Belysning i uppgången", assignee=transit_officer)
        notifications.queue_assignment_notification(action)
        # Had it been published already, the worker would now look for an action it cannot
        # see yet, send nothing, and the wait below would fail.
        time.sleep(2)

    text = wait_for_mail(mail_dir, "Belysning i uppg", f"/sara/actions/{action.pk}/")
    assert "To: tf.samordnare@test.invalid, sl.trygghet@demo.invalid" in text
    assert "Sergels torg (demo)" in text


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_reminder_job_through_the_worker_sends_each_reminder_once(
    mail_worker, mail_dir, due_actions
):
    assert send_action_reminders.delay().get(timeout=30) == 2
    assert send_action_reminders.delay().get(timeout=30) == 0

    text = wait_for_mail(mail_dir, "Extra trygghetsv", "Närvaropatrullering kvällstid")
    assert text.count("Message-ID:") == 2
    assert ActionReminder.objects.filter(day=timezone.localdate()).count() == 2


# --- Broker down --------------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_with_the_broker_down_is_logged_not_raised_nor_slow(
    case, transit, transit_officer, redis_server, django_capture_on_commit_callbacks, caplog
):
    action = make_action(case, transit, assignee=transit_officer)
    redis_server.stop()
    try:
        started = time.monotonic()
        with (
            caplog.at_level(logging.ERROR, logger="sara.notifications"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            notifications.queue_assignment_notification(action)
        elapsed = time.monotonic() - started
    finally:
        redis_server.start()
    assert f"Could not queue the assignment e-mail for action {action.pk}" in caplog.text
    assert elapsed < 10
