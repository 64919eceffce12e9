"""Every form of the platform, and both imports, driven with hostile input (hypothesis).

Each form starts from a filling it accepts (built from the form itself, checked first), then
hypothesis replaces a few of its fields with what an attacker or a slip of the hand sends:
control and direction characters, NUL bytes, markup, SQL, formulas, huge numbers, impossible
dates, text far past the limit, and the ids of things the user may not see. Whatever is sent:

- the answer is never a server error, and markup sent is never shown as markup;
- nothing invalid is stored: no text with control or direction characters or past its
  length, no date outside 2000–2100, anywhere in the domain tables;
- nothing is stored at a scene the user does not see.

Every request is rolled back afterwards, so examples never build on one another. The budget
is `ODS_FUZZ_EXAMPLES` examples per form (default 5; `make fuzz` runs more).
"""

from __future__ import annotations

import datetime
import functools
import io
import os
from dataclasses import dataclass, field

import pytest
from django import forms
from django.apps import apps
from django.contrib.gis import forms as gis_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ods_platform.lib.plain import MAX_TEXT
from sara import services as sara
from scenes.models import Observation, Scene
from scenes.tasks import check_import

from .permission_matrix import PERSONAS

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("ODS_FUZZ_EXAMPLES", "5"))
MARKUP = '<script>alert("x")</script>'
NASTY = [
    "",
    " ",
    "\x00",
    "Grupp\x00vid trappan",
    "Grupp \x1b[31m vid trappan",
    "Grupp vid \u202etrappan",
    "\u2066isolerad\u2069",
    "\x07\x08\x0b\x0c",
    MARKUP,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE scenes_observation; --",
    "1 OR 1=1",
    '=HYPERLINK("http://x")',
    "x" * (MAX_TEXT + 1),
    "å" * 300,
    "-1",
    "0",
    "1e309",
    "NaN",
    "9223372036854775809",
    "-9223372036854775809",
    "0001-01-01",
    "0001-01-01T00:00",
    "1000-01-01",
    "1970-01-01",
    "9999-12-31T23:59",
    "2026-02-30",
    "2026-13-01",
    "2026-03-29T02:30",  # a time that does not exist in Stockholm
    '{"type": "Point", "coordinates": [1e400, 0]}',
    '{"type": "Polygon", "coordinates": [[[18, 59], [18, 59], [18, 59], [18, 59]]]}',
    "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",
    "[[[18.06, 59.33]]]",
]
UNSAFE_SQL = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
DOMAIN_APPS = ("actors", "scenes", "sara", "situation_reports")


@dataclass(frozen=True)
class FormPage:
    """A form: the page it is on, where it is sent, its name in the page's context, who
    fills it, and the fields a filling must set by hand (the rest come from the form)."""

    page: str
    page_object: str | None
    who: str
    post: str | None = None  # the URL name it is sent to, when not the page itself
    context: str = "form"
    query: str = ""
    fixed: dict = field(default_factory=dict)  # name -> value, or a function of the world


def _point(world) -> dict:
    centre = world["scene"].boundary.centroid
    return {"latitude": f"{centre.y:.6f}", "longitude": f"{centre.x:.6f}"}


def _boundary(world) -> dict:
    x, y = world["scene"].boundary.centroid.coords
    ring = [(x - 0.001, y - 0.001), (x + 0.001, y - 0.001), (x + 0.001, y + 0.001),
            (x - 0.001, y + 0.001)]  # fmt: skip
    return {"boundary_coordinates": "\n".join(f"{lat:.6f}, {lon:.6f}" for lon, lat in ring)}


FORMS = {
    "observation": FormPage("scenes:observation_create", None, "lead_officer", query="scene"),
    "scene_create": FormPage("scenes:scene_create", None, "lead_coordinator"),
    "scene_edit": FormPage("scenes:scene_edit", "scene", "lead_coordinator"),
    # A basis of cooperation names its agreement (the first basis offered is an agreement).
    "team_add": FormPage(
        "scenes:team_add",
        "scene",
        "lead_coordinator",
        fixed={"basis_reference": "Dnr 2026/123", "basis_date": lambda w: _today()},
    ),
    "assessment": FormPage("scenes:assessment_create", "scene", "lead_coordinator"),
    "place_create": FormPage("scenes:place_create", "scene", "lead_coordinator"),
    "place_edit": FormPage("scenes:place_edit", "place", "lead_coordinator"),
    "landmark_create": FormPage("scenes:landmark_create", "scene", "lead_coordinator"),
    "landmark_edit": FormPage("scenes:landmark_edit", "landmark", "lead_coordinator"),
    "indicator_create": FormPage("scenes:indicator_create", "scene", "lead_coordinator"),
    # A value is a number for a period that has begun (a month, as the indicator counts).
    "indicator_value": FormPage(
        "scenes:indicator_detail",
        "indicator",
        "lead_coordinator",
        fixed={"period": lambda w: _last_month(), "value": "12"},
    ),
    "municipality_indicator": FormPage(
        "scenes:municipality_indicator_create", None, "lead_coordinator"
    ),
    "share": FormPage("scenes:share_create", "kept", "lead_coordinator"),
    "case_create": FormPage("sara:case_create", "scene", "lead_coordinator"),
    "case_edit": FormPage("sara:case_edit", "case", "lead_coordinator"),
    "analysis": FormPage("sara:analysis_add", "case", "lead_coordinator"),
    "action_add": FormPage("sara:action_add", "case", "lead_coordinator"),
    "case_assessment": FormPage("sara:assessment_add", "case", "lead_coordinator"),
    "phase": FormPage(
        "sara:case_detail", "case", "lead_coordinator", "sara:case_phase", "phase_form"
    ),
    "link": FormPage("sara:case_detail", "case", "lead_coordinator", "sara:case_link", "link_form"),
    "action_edit": FormPage("sara:action_edit", "action", "lead_coordinator"),
    # Every field of an update is optional, but an update says something.
    "action_update": FormPage(
        "sara:action_detail", "action", "team_officer", fixed={"text": "Närvaro i kväll."}
    ),
    # The first scope offered is a scene: the report names it.
    "report": FormPage(
        "situation_reports:report_list",
        None,
        "lead_coordinator",
        fixed={"scene": lambda w: w["scene"].pk},
    ),
}


def _today() -> str:
    return timezone.localdate().isoformat()


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{first - datetime.timedelta(days=1):%Y-%m}"


def _url(name, key, world, extra=""):
    if key is None:
        url = reverse(name)
    else:
        kwargs = {"scene_pk" if name == "sara:case_create" else "pk": world[key].pk}
        if name == "scenes:share_create":
            kwargs["kind"] = "observation"
        url = reverse(name, kwargs=kwargs)
    return f"{url}?{extra}" if extra else url


def _first_choice(field_):
    for value, _label in field_.choices:
        if isinstance(_label, list | tuple):  # grouped choices
            for inner, _ in _label:
                if inner not in ("", None):
                    return inner
        elif value not in ("", None):
            return getattr(value, "value", value)
    return ""


def filling(form, world) -> dict:
    """A filling the form accepts: what it already holds, or a plain value of each field's
    kind (the first choice, today, one, a short Swedish text)."""
    today = timezone.localdate()
    data: dict = {}
    for name, bound in form.fields.items():
        initial = form[name].value()
        widget = form[name].field.widget
        if isinstance(widget, forms.CheckboxInput) or isinstance(bound, forms.BooleanField):
            if initial:
                data[name] = "on"
            continue
        if isinstance(bound, forms.FileField):
            continue
        if initial not in (None, "", []):
            if isinstance(bound, gis_forms.GeometryField):
                # A geometry is sent as its widget sends it: as text, not as the coordinate
                # sequence the test client would make of the object.
                data[name] = initial.ewkt if hasattr(initial, "ewkt") else initial
            elif isinstance(bound, forms.MultipleChoiceField):
                data[name] = [getattr(v, "pk", v) for v in initial]
            elif isinstance(initial, datetime.datetime):
                data[name] = timezone.localtime(initial).strftime("%Y-%m-%dT%H:%M")
            elif isinstance(initial, datetime.date):
                data[name] = initial.isoformat()
            else:
                data[name] = getattr(initial, "pk", initial)
            continue
        if not bound.required:
            continue
        if isinstance(bound, forms.ModelMultipleChoiceField):
            data[name] = [bound.queryset.first().pk]
        elif isinstance(bound, forms.ModelChoiceField):
            data[name] = bound.queryset.first().pk
        elif isinstance(bound, forms.MultipleChoiceField):
            data[name] = [_first_choice(bound)]
        elif isinstance(bound, forms.ChoiceField):
            data[name] = _first_choice(bound)
        elif isinstance(bound, forms.DateTimeField):
            data[name] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        elif isinstance(bound, forms.DateField):
            data[name] = today.isoformat()
        elif isinstance(bound, forms.IntegerField | forms.DecimalField | forms.FloatField):
            data[name] = str(max(1, bound.min_value or 1))
        elif isinstance(bound, gis_forms.GeometryField):
            continue
        else:
            data[name] = "Lugnt vid trappan i kväll."
    return data


@functools.cache
def _invalid_rows_query() -> tuple[str, list[str]]:
    """One statement that names every domain model with a stored value the rules refuse."""
    parts, params = [], []
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            checks = []
            for f in model._meta.concrete_fields:
                column = connection.ops.quote_name(f.column)
                if isinstance(f, models.TextField):
                    checks.append(f"({column} ~ %s OR length({column}) > {MAX_TEXT})")
                elif isinstance(f, models.CharField) and not f.choices:
                    checks.append(f"{column} ~ %s")
                elif isinstance(f, models.DateField | models.DateTimeField):
                    checks.append(f"({column} < '2000-01-01' OR {column} > '2101-01-01')")
            if not checks:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            parts.append(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {table} WHERE {' OR '.join(checks)})"  # noqa: S608
            )
            params += [model._meta.label] + [UNSAFE_SQL] * sum("~ %s" in c for c in checks)
    return " UNION ALL ".join(parts), params


def invalid_rows() -> list[str]:
    """Every domain model with a stored text with control or direction characters or past
    its length, or a date outside 2000–2100."""
    sql, params = _invalid_rows_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(label for (label,) in cursor.fetchall())


def at_hidden_scene(hidden: Scene) -> dict[str, int]:
    """How many rows of each model belong to a scene the user does not see."""
    parts = []
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.concrete_fields:
                if isinstance(f, models.ForeignKey) and f.related_model is Scene:
                    table = connection.ops.quote_name(model._meta.db_table)
                    column = connection.ops.quote_name(f.column)
                    name = f"{model._meta.label}.{f.name}"
                    parts.append(
                        f"SELECT '{name}', count(*) FROM {table} WHERE {column} = %(scene)s"  # noqa: S608
                    )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), {"scene": hidden.pk})
        return dict(cursor.fetchall())


@pytest.fixture
def arena(world, personas, botkyrka):
    """The world of the permission matrix, and things the form users may not see."""
    fittja = Scene.objects.get(name="Fittja centrum (demo)")
    case = sara.open_case(
        by=personas["botkyrka.samordnare"], scene=fittja, owner=botkyrka, title="Fittjas ärende"
    )
    foreign_ids = [
        str(fittja.pk),
        str(case.pk),
        str(botkyrka.pk),
        str(Observation.objects.filter(scene=fittja).values_list("pk", flat=True).first()),
        str(world["kept"].pk),
    ]
    return {"world": world, "hidden": fittja, "foreign_ids": foreign_ids}


def _fields_of(form) -> list[str]:
    names = []
    for name, bound in form.fields.items():
        if isinstance(bound, gis_forms.GeometryField | forms.FileField):
            continue
        names.append(name)
    return names


def _send(client, form_page, world, data):
    post = _url(form_page.post or form_page.page, form_page.page_object, world)
    return client.post(post, data)


def _each(names, fuzz, *args) -> dict[str, str]:
    """Run `fuzz` for each name, and what failed, by name (all of them, not only the first)."""
    failures = {}
    for name in names:
        try:
            fuzz(name, *args)
        except Exception as error:  # collected, and reported together below
            failures[name] = f"{type(error).__name__}: {error}"[:3000]
    return failures


def test_hostile_input_to_every_form_is_refused_and_changes_nothing(arena, personas):
    """Every form in one test: the world (the costly part) is built once, and every request
    is rolled back, so that one form's examples never reach another's."""
    assert _each(FORMS, _fuzz_form, arena, personas) == {}


def _fuzz_form(name, arena, personas):
    world = arena["world"]
    form_page = FORMS[name]
    client = Client()
    client.force_login(personas[PERSONAS[form_page.who]])
    extra = f"scene={world['scene'].pk}" if form_page.query == "scene" else ""
    page = client.get(_url(form_page.page, form_page.page_object, world, extra))
    assert page.status_code == 200
    form = page.context[form_page.context]
    base = filling(form, world)
    if {"latitude", "longitude"} <= set(form.fields):
        base.update(_point(world))
    if "boundary_coordinates" in form.fields:
        base.update(_boundary(world))
    base.update({k: v(world) if callable(v) else v for k, v in form_page.fixed.items()})
    hidden_before = at_hidden_scene(arena["hidden"])
    assert invalid_rows() == []

    # The filling is accepted: the hostile values below are what is refused, not the rest.
    with transaction.atomic():
        accepted = _send(client, form_page, world, base)
        transaction.set_rollback(True)
    assert accepted.status_code in (302, 303), (
        name,
        accepted.context
        and [(f, e) for f, e in accepted.context[form_page.context].errors.items()],
    )

    values = st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(arena["foreign_ids"]),
        st.text(max_size=40),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        changes=st.dictionaries(st.sampled_from(_fields_of(form)), values, min_size=1, max_size=3)
    )
    def probe(changes):
        data = {**base, **changes}
        with transaction.atomic():
            response = _send(client, form_page, world, data)
            try:
                assert response.status_code < 500, (changes, response.status_code)
                if response.get("Content-Type", "").startswith("text/html"):
                    assert MARKUP not in response.content.decode(), changes
                assert invalid_rows() == [], changes
                assert at_hidden_scene(arena["hidden"]) == hidden_before, changes
            finally:
                transaction.set_rollback(True)

    probe()


# --- the imports ---------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def test_hostile_files_to_the_imports_are_refused_and_change_nothing(arena, personas):
    assert _each(["observations", "indicators"], _fuzz_import, arena, personas) == {}


def _fuzz_import(importer, arena, personas):
    world = arena["world"]
    client = Client()
    client.force_login(personas["sthlm.samordnare"])
    if importer == "observations":
        url = reverse("scenes:observation_import", args=[world["scene"].pk])
    else:
        url = reverse("scenes:indicator_import")
    template = client.get(url + "?template=csv")
    headers = template.content.decode("utf-8-sig").splitlines()[0].split(",")
    hidden_before = at_hidden_scene(arena["hidden"])
    cells = st.one_of(
        st.sampled_from(NASTY), st.sampled_from(arena["foreign_ids"]), st.text(max_size=20)
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        rows=st.lists(
            st.lists(cells, min_size=len(headers), max_size=len(headers)), min_size=1, max_size=4
        ),
        raw=st.one_of(st.none(), st.binary(max_size=200)),
    )
    def probe(rows, raw):
        content = raw if raw is not None else _csv([headers, *rows])
        upload = SimpleUploadedFile("import.csv", content, content_type="text/csv")
        with transaction.atomic():
            try:
                sent = client.post(url, {"file": upload})
                assert sent.status_code < 500
                preview = sent
                if sent.status_code == 302:
                    # The check runs in the worker: its task, called here.
                    check_import(str(resolve(sent["Location"]).kwargs["job"]))
                    preview = client.get(sent["Location"])
                    assert preview.status_code < 500
                assert MARKUP not in preview.content.decode("utf-8", "replace")
                # Confirming whatever the preview holds stores only valid rows.
                token = preview.context and preview.context.get("token")
                if token:
                    confirmed = client.post(sent["Location"], {"confirm": "1"})
                    assert confirmed.status_code < 500
                assert invalid_rows() == []
                assert at_hidden_scene(arena["hidden"]) == hidden_before
            finally:
                transaction.set_rollback(True)

    probe()
