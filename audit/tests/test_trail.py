"""The audit trail: changes caught by the database however they are made, reads written once
per request, events, and a chain that refuses edits and names the entry changed behind its
back.

Entries are sealed into the chain when their transaction commits; inside a test's rolled-back
transaction `seal()` fires the deferred sealing trigger at once.
"""

import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.chain import verify
from audit.models import Entry, Head, Seal
from audit.reads import flush_reads, record_read_rows
from audit.tasks import verify_audit_chain
from scenes.models import Observation
from scenes.tests.test_views import observation_post

pytestmark = pytest.mark.django_db


def seal():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def changes(table, object_id):
    return Entry.objects.filter(kind="change", object_type=table, object_id=str(object_id))


def test_a_change_through_a_page_records_before_after_and_who(
    client, sergels, stockholm_field_worker
):
    client.force_login(stockholm_field_worker)
    client.post(reverse("scenes:observation_create"), observation_post(sergels))
    logged = Observation.objects.latest("created_at")

    (created,) = changes("scenes_observation", logged.pk)
    assert created.action == "insert" and created.before is None
    assert created.after["description"] == "Grupp vid trappan, tydlig langning."
    assert created.username == "sthlm.falt"
    assert created.organisations == "Stockholms stad (Handläggare)"
    assert created.ip == "127.0.0.1" and created.request_id
    assert created.path == reverse("scenes:observation_create")


def test_bulk_writes_queryset_updates_and_raw_sql_are_recorded(sergels):
    ids = list(Observation.objects.filter(scene=sergels).values_list("pk", flat=True)[:3])
    Observation.objects.filter(pk__in=ids).update(insecurity=5)
    raw("UPDATE scenes_observation SET people_count = 99 WHERE id = %s", [ids[0]])
    Observation.objects.filter(pk=ids[1]).delete()

    updates = Entry.objects.filter(kind="change", object_type="scenes_observation")
    assert updates.filter(action="update", after__insecurity=5).count() >= 2
    assert updates.get(action="update", after__people_count=99).object_id == str(ids[0])
    gone = updates.get(action="delete", object_id=str(ids[1]))
    assert gone.before["id"] == ids[1] and gone.after is None
    # An update that changes nothing is not an entry; secrets never are.
    before = Entry.objects.count()
    Observation.objects.filter(pk=ids[0]).update(people_count=99)
    assert Entry.objects.count() == before
    raw("UPDATE actors_user SET password = 'x' WHERE username = 'sthlm.falt'")
    assert not Entry.objects.filter(object_type="actors_user", after__has_key="password")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET username = 'someone else'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry CASCADE",
        "UPDATE audit_seal SET hash = 'x'",
        "DELETE FROM audit_seal",
    ],
)
def test_the_database_refuses_to_change_the_trail(sergels, statement):
    Observation.objects.filter(scene=sergels).update(insecurity=2)
    seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)
    assert Entry.objects.filter(kind="change").exists()


@pytest.fixture
def chain(sergels):
    """A few sealed entries."""
    for n in (1, 2, 3, 4):
        Observation.objects.filter(scene=sergels).update(people_count=n)
    seal()
    assert Seal.objects.count() >= 4
    return list(Entry.objects.order_by("id"))


def test_an_intact_chain_verifies(chain):
    verdict = verify()
    assert verdict.intact and verdict.head_seq == Seal.objects.count()
    call_command("verify_audit")


def tampered(sql, params=()):
    """Do what the triggers refuse, as someone who can switch them off."""
    seal()  # nothing may be pending while the triggers are switched off
    raw("ALTER TABLE audit_entry DISABLE TRIGGER USER")
    raw("ALTER TABLE audit_seal DISABLE TRIGGER USER")
    try:
        raw(sql, params)
        seal()  # the foreign-key checks of what was done run now, not at the end
    finally:
        raw("ALTER TABLE audit_entry ENABLE TRIGGER USER")
        raw("ALTER TABLE audit_seal ENABLE TRIGGER USER")


def test_an_edited_entry_is_named(chain):
    victim = chain[1]
    tampered("UPDATE audit_entry SET username = 'someone else' WHERE id = %s", [victim.pk])

    verdict = verify()
    assert not verdict.intact
    assert (verdict.problem, verdict.entry_id) == ("changed", victim.pk)
    with pytest.raises(CommandError, match=f"entry {victim.pk}: it was changed"):
        call_command("verify_audit")


def test_a_removed_entry_is_named(chain):
    victim = chain[2]
    tampered("DELETE FROM audit_entry WHERE id = %s", [victim.pk])
    verdict = verify()
    assert (verdict.problem, verdict.entry_id) == ("missing", victim.pk)


def test_a_removed_seal_breaks_the_order(chain):
    seq = Seal.objects.get(entry_id=chain[1].pk).seq
    tampered("DELETE FROM audit_seal WHERE seq = %s", [seq])
    verdict = verify()
    assert verdict.problem == "out_of_order" and verdict.seq == seq + 1


def test_an_entry_put_in_out_of_order_is_named(chain):
    head = Seal.objects.order_by("-seq").first()
    tampered(
        "WITH forged AS (INSERT INTO audit_entry (at, kind, action, object_type, object_id, "
        "object_ids, scene_ids, username, organisation_ids, organisations, request_id, path) "
        "VALUES (now(), 'event', 'login', '', '', '{}', '{}', 'someone', '{}', '', '', '') "
        "RETURNING id) INSERT INTO audit_seal (seq, entry_id, prev_hash, hash) "
        "SELECT %s, id, %s, %s FROM forged",
        [head.seq + 1, "0" * 64, "f" * 64],
    )
    forged = Entry.objects.get(username="someone")
    verdict = verify()
    assert not verdict.intact and verdict.entry_id == forged.pk


def test_an_entry_written_past_the_chain_is_named(chain):
    tampered(
        "INSERT INTO audit_entry (at, kind, action, object_type, object_id, object_ids, "
        "scene_ids, username, organisation_ids, organisations, request_id, path) VALUES "
        "(now() - interval '1 hour', 'read', 'view', 'scenes.scene', '1', '{1}', '{1}', "
        "'someone', '{}', '', '', '')"
    )
    verdict = verify()
    assert verdict.problem == "unsealed"


def test_the_nightly_check_records_and_logs_the_head_and_a_kept_head_is_checked(chain, caplog):
    with caplog.at_level(logging.INFO, logger="audit.tasks"):
        verify_audit_chain()
    head = Head.objects.get()
    assert (head.seq, head.hash) == (verify().head_seq, verify().head_hash)
    assert f"Audit chain head: {head.seq}:{head.hash}" in caplog.text
    call_command("verify_audit", expect_head=f"{head.seq}:{head.hash}")
    with pytest.raises(CommandError, match="head recorded outside"):
        call_command("verify_audit", expect_head=f"{head.seq}:{'a' * 64}")


def test_a_list_page_writes_its_reads_in_one_insert(client, sergels, police_officer):
    client.force_login(police_officer)
    url = reverse("scenes:observation_list", args=[sergels.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "audit_entry"')]
    assert len(inserts) == 1
    (read,) = Entry.objects.filter(kind="read", object_type="scenes.observation")
    assert sorted(read.object_ids) == sorted(o.pk for o in page.context["observations"])
    assert read.action == "list" and read.scene_ids == [sergels.pk]
    assert read.username == "polis.city" and read.organisation_ids == [
        police_officer.memberships.get().organisation_id
    ]


def test_exports_detail_pages_api_answers_and_map_points_are_reads(client, sergels, police_officer):
    client.force_login(police_officer)
    observation = Observation.objects.filter(scene=sergels).first()
    export = client.get(reverse("scenes:observation_list", args=[sergels.pk]), {"format": "csv"})
    client.get(reverse("scenes:observation_detail", args=[observation.pk]))
    client.get("/api/v1/observations/", {"scene": sergels.pk})
    client.get(f"/api/v1/observations/{observation.pk}/")
    client.get(reverse("scenes:scene_observation_map", args=[sergels.pk]) + "?start=2020-01-01")

    reads = Entry.objects.filter(kind="read", object_type="scenes.observation")
    assert set(reads.values_list("action", flat=True)) == {"export", "view", "api", "map"}
    rows = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()[1:]
    assert len(reads.get(action="export").object_ids) == len(rows) > 0
    assert reads.get(action="view").object_id == str(observation.pk)


def test_an_exports_ids_are_collected_by_the_database_exactly_as_a_list_would_note_them(
    client, sergels, police_officer, stockholm_field_worker
):
    """The CSV export's read entry gets its ids from the database (`record_read_rows`): the
    rows the viewer may see, each once, ascending; who, where and which request as for every
    read; one row gives its `object_id`; no rows, no entry; and the entry is sealed into an
    intact chain."""
    url = reverse("scenes:observation_list", args=[sergels.pk])
    client.force_login(police_officer)
    response = client.get(url, {"format": "csv", "start": "2000-01-01"})
    b"".join(response.streaming_content)
    (read,) = Entry.objects.filter(kind="read", action="export")
    seen = Observation.objects.visible_to(police_officer).filter(scene=sergels)
    assert read.object_ids == sorted(seen.values_list("pk", flat=True))
    assert read.object_id == "" and read.scene_ids == [sergels.pk]
    assert read.username == "polis.city" and read.path.startswith(url) and read.request_id
    assert len(read.object_ids) > 2
    assert read.organisation_ids == [police_officer.memberships.get().organisation_id]
    assert read.at is not None and read.kind == "read" and read.object_type == "scenes.observation"
    kept = Observation.objects.filter(scene=sergels, restricted=True).exclude(
        pk__in=read.object_ids
    )
    assert kept.exists()  # another organisation's kept rows are not in the police's export

    one = seen.order_by("pk").first()
    request = RequestFactory().get("/one")
    record_read_rows(request, "export", Observation, Observation.objects.filter(pk=one.pk))
    flush_reads(request, {"username": "sthlm.falt", "request_id": "one-row", "path": "/one"})
    single = Entry.objects.get(request_id="one-row")
    assert single.object_ids == [one.pk] and single.object_id == str(one.pk)
    client.force_login(stockholm_field_worker)
    before = Entry.objects.filter(kind="read", action="export").count()
    response = client.get(url, {"format": "csv", "start": "2001-01-01", "end": "2001-01-02"})
    b"".join(response.streaming_content)
    assert Entry.objects.filter(kind="read", action="export").count() == before  # no rows
    seal()
    assert verify().intact


def test_log_ins_and_failed_log_ins_are_events(client, stockholm_coordinator, demo_password):
    url = reverse("account_login")
    client.post(url, {"login": "sthlm.samordnare", "password": "wrong password"})
    client.post(url, {"login": "sthlm.samordnare", "password": demo_password})

    failed = Entry.objects.get(kind="event", action="login_failed")
    assert failed.data == {"typed": "sthlm.samordnare"} and "password" not in str(failed.data)
    login = Entry.objects.get(kind="event", action="login")
    assert login.username == "sthlm.samordnare" and login.ip == "127.0.0.1"
