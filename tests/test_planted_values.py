"""What an older version (or a hand edit in the database) stored never breaks a page.

Every free-text field of every domain model is overwritten in the database itself, past every
form and API check, with text the rules refuse today: an escape sequence, a direction override,
a bell, markup, a formula, an SQL fragment, and more characters than the field allows. Every
date is set to a year no form accepts. Then every URL of the permission matrix, its CSV and
XLSX exports and the lägesbild and åtgärdsplan PDFs are read as several kinds of user: nothing
answers 500 and the markup is never shown as markup.
"""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.test import Client
from django.utils import timezone

from situation_reports import services as reports
from situation_reports.models import Kind
from situation_reports.tasks import _snapshot, render

from .permission_matrix import PERSONAS, ROWS, url_of

pytestmark = pytest.mark.django_db

MARKUP = '<img src=x onerror="alert(1)">'
HOSTILE = (
    f'Grupp \x1b[31m vid \u202etrappan\u202c \x07 {MARKUP} =HYPERLINK("http://x") '
    "'; DROP TABLE scenes_observation; -- "
)
OLD_DAY = datetime.date(1000, 1, 1)
OLD_TIME = datetime.datetime(1000, 1, 1, 12, tzinfo=datetime.UTC)
APPS = ("actors", "scenes", "sara", "situation_reports")


def _plantable(model, field) -> bool:
    if not field.concrete or field.primary_key or field.choices or field.unique:
        return False
    if field.name == "password":
        return False  # a log-in secret, not text anyone reads
    if isinstance(field, models.SlugField | models.URLField | models.EmailField):
        return False  # identifiers with their own format, not free text
    in_unique = any(
        isinstance(c, models.UniqueConstraint) and field.name in c.fields
        for c in model._meta.constraints
    ) or any(field.name in together for together in model._meta.unique_together)
    return not in_unique


def _value(field):
    if isinstance(field, models.TextField):
        return HOSTILE * 80  # about 8,000 characters, twice what a form takes
    if isinstance(field, models.CharField):
        return (HOSTILE * 4)[: field.max_length]
    if isinstance(field, models.DateTimeField):
        return OLD_TIME
    if isinstance(field, models.DateField):
        return OLD_DAY
    return None


def plant_everywhere() -> dict[str, list[str]]:
    """Overwrite what can be overwritten; a field the database itself protects (a CHECK) is
    left as it is. Returns what was planted, by model."""
    planted: dict[str, list[str]] = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            for field in model._meta.get_fields():
                if not isinstance(field, models.Field) or not _plantable(model, field):
                    continue
                value = _value(field)
                if value is None:
                    continue
                column = connection.ops.quote_name(field.column)
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(f"UPDATE {table} SET {column} = %s", [value])  # noqa: S608
                except DatabaseError:
                    continue  # refused by the database: it can never be stored
                planted.setdefault(model._meta.label, []).append(field.name)
    return planted


@pytest.fixture
def planted(world):
    return plant_everywhere()


def test_the_planting_reaches_the_free_text_and_the_dates_of_every_app(planted):
    assert "description" in planted["scenes.Observation"]
    assert "text" in planted["sara.ActionUpdate"]
    assert "due_on" in planted["sara.Action"]
    assert "name" in planted["scenes.Scene"]
    # The database refuses an observation time no page could read back.
    assert "occurred_at" not in planted["scenes.Observation"]


@pytest.mark.parametrize("who", ["regional", "lead_coordinator", "team_officer", "evaluator"])
def test_every_page_and_export_still_answers_and_shows_no_markup(planted, world, personas, who):
    client = Client()
    client.force_login(personas[PERSONAS[who]])
    broken = []
    read: dict[str, str] = {}
    for row in ROWS:
        if row.method != "get" or row.expect[who] not in (200, "ok"):
            continue
        url = url_of(row, world)
        joiner = "&" if "?" in url else "?"
        for variant in ("", "format=csv", "format=xlsx"):
            address = f"{url}{joiner}{variant}" if variant else url
            response = client.get(address)
            if response.get("Content-Type", "").startswith("text/html"):
                read[address] = response.text
            else:
                read[address] = ""
            if response.status_code >= 500:
                broken.append(f"{address}: {response.status_code}")
                continue
            content_type = response.get("Content-Type", "")
            html = content_type.startswith("text/html") and not response.streaming
            if html and MARKUP in response.text:
                broken.append(f"{address}: shows the planted markup as markup")
    assert broken == []
    assert len(read) > 90  # every page of the matrix this user may read, three ways
    # The planted text is there, shown as text.
    assert any(MARKUP.replace("<", "&lt;")[:20] in text for text in read.values())


@pytest.mark.parametrize(
    ("kind", "scope"),
    [(Kind.LAGESBILD, "scene"), (Kind.LAGESBILD, "county"), (Kind.ATGARDSPLAN, "municipality")],
)
def test_the_pdfs_still_build(planted, world, personas, kind, scope):
    today = timezone.localdate()
    place = {"scene": world["scene"]} if scope == "scene" else {}
    if scope == "municipality":
        place = {"municipality": world["scene"].municipality}
    report = reports.request_report(
        personas["lan.samordnare"] if scope == "county" else personas["sthlm.samordnare"],
        scope=scope,
        **place,
        start=today - datetime.timedelta(days=90),
        end=today,
        kind=kind,
    )
    snapshot, _scene_ids = _snapshot(report)
    pdf = render(snapshot)
    assert pdf.startswith(b"%PDF")
