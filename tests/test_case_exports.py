"""CSV/XLSX of a SARA case's actions and updates, and of *Mina åtgärder*: the rows the pages
show, free text only for those who may read it, kept updates only for their organisation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry
from ods_platform.testing import content_of, follow_export
from sara import services as sara

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(demo_scenes, sergels, stockholm, police, stockholm_coordinator, police_officer,
         method_catalogue):  # fmt: skip
    case = sara.open_case(by=stockholm_coordinator, scene=sergels, owner=stockholm, title="Plattan")
    today = timezone.localdate()
    late = sara.add_action(
        case, by=stockholm_coordinator, title="Närvaro kvällstid", responsible=police,
        description="Beskrivning: synlig närvaro vid trappan.", method=method_catalogue.first(),
        start_on=today - timedelta(days=30), due_on=today - timedelta(days=2),
        output_unit="timmar", output_target=40, notify=False,
    )  # fmt: skip
    done = sara.add_action(
        case, by=stockholm_coordinator, title="Belysning", responsible=stockholm, notify=False
    )
    sara.post_action_update(late, by=police_officer, text="Uppdatering: tio timmar.",
                            output_achieved=10)  # fmt: skip
    sara.post_action_update(late, by=police_officer, text="Polisens egen anteckning.",
                            restricted=True)  # fmt: skip
    sara.post_action_update(done, by=stockholm_coordinator, status="genomford")
    return {"case": case, "late": late, "done": done}


def rows_of(response) -> list[list[str]]:
    if "spreadsheetml" in response["Content-Type"]:
        sheet = openpyxl.load_workbook(io.BytesIO(content_of(response))).active
        values = sheet.iter_rows(values_only=True)
        return [["" if v is None else str(v) for v in row] for row in values]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def export(user, url, fmt="csv", **query):
    client = Client()
    client.force_login(user)
    # XLSX of Mina åtgärder is built by a worker: followed to its download.
    return follow_export(client, client.get(url, {"format": fmt, **query}))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_team_exports_the_case_with_its_text(fmt, work, stockholm_coordinator):
    url = reverse("sara:case_detail", args=[work["case"].pk])
    response = export(stockholm_coordinator, url, fmt)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    header, *rows = rows_of(response)
    assert header[:2] == ["Rad", "Åtgärd"] and "Text" in header
    kinds = [(r[0], r[1]) for r in rows]
    assert kinds.count(("Åtgärd", "Närvaro kvällstid")) == 1
    assert kinds.count(("Uppdatering", "Närvaro kvällstid")) == 1  # the kept note is Police's
    text = header.index("Text")
    flat = [r[text] for r in rows]
    assert "Beskrivning: synlig närvaro vid trappan." in flat
    assert "Uppdatering: tio timmar." in flat and "Polisens egen anteckning." not in flat
    late = next(r for r in rows if r[:2] == ["Åtgärd", "Närvaro kvällstid"])
    assert late[header.index("Försenad")] == "Ja" and late[header.index("Resultatmål")] == "40"
    assert Entry.objects.filter(kind="read", action="export", object_type="sara.action").exists()


def test_the_responsible_organisation_sees_its_kept_note(work, police_officer):
    response = export(police_officer, reverse("sara:case_detail", args=[work["case"].pk]))
    header, *rows = rows_of(response)
    assert "Polisens egen anteckning." in [r[header.index("Text")] for r in rows]


@pytest.mark.parametrize("username", ["lan.samordnare", "stad.utvarderare"])
def test_those_off_the_team_get_the_rows_without_free_text(work, personas, username):
    response = export(personas[username], reverse("sara:case_detail", args=[work["case"].pk]),
                      "xlsx")  # fmt: skip
    header, *rows = rows_of(response)
    assert {r[1] for r in rows} == {"Närvaro kvällstid", "Belysning"}
    assert all(r[header.index("Text")] == "" for r in rows)
    body = " ".join(" ".join(r) for r in rows)
    assert "Beskrivning" not in body and "tio timmar" not in body and "egen anteckning" not in body


def test_another_organisations_case_is_not_found(work, botkyrka_coordinator):
    response = export(botkyrka_coordinator, reverse("sara:case_detail", args=[work["case"].pk]))
    assert response.status_code == 404


def test_my_actions_export_holds_the_actions_of_the_page(
    work, police_officer, stockholm_coordinator
):
    url = reverse("sara:my_actions")
    header, *rows = rows_of(export(police_officer, url))
    assert header[:3] == ["Scen", "Ärende", "Rad"]
    assert [r[3] for r in rows] == ["Närvaro kvällstid"]  # open ones, as the page shows
    # Stockholm's coordinator: Stockholm's action is done, so only with every action.
    assert "Belysning" not in {r[3] for r in rows_of(export(stockholm_coordinator, url))[1:]}
    every = rows_of(export(stockholm_coordinator, url, "xlsx", open=""))
    assert "Belysning" in {r[3] for r in every[1:]}


def test_the_pages_offer_the_exports(work, stockholm_coordinator):
    client = Client()
    client.force_login(stockholm_coordinator)
    case_page = client.get(reverse("sara:case_detail", args=[work["case"].pk])).content.decode()
    assert "?format=csv" in case_page and "?format=xlsx" in case_page
    mine = client.get(reverse("sara:my_actions")).content.decode()
    assert "format=xlsx" in mine
