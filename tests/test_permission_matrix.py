"""Every URL, tried by every kind of user on every kind of object (tests/permission_matrix.py),
gets the answer the matrix says; and no URL of the platform is missing from the matrix."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from sara import services as sara
from sara.models import Method
from sara.tests.factories import make_action
from scenes.models import Indicator, Landmark, Observation, Share
from situation_reports import services as reports
from situation_reports.models import ReportSubscription

from .permission_matrix import LIBRARY_PREFIXES, LOGIN, OK, PERSONAS, PUBLIC, ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo_scenes, personas, stockholm, police, transit, reference_orgs, method_catalogue):
    """One object of every kind at Sergels torg, by the scopes the matrix names."""
    sergels = demo_scenes["Sergels torg"]
    kept_rows = Observation.objects.filter(scene=sergels, restricted=True)
    share = Share.objects.get(object_id__in=kept_rows.values("pk"))
    coordinator = personas["sthlm.samordnare"]
    case = sara.open_case(by=coordinator, scene=sergels, owner=stockholm, title="Matrisärende")
    today = timezone.localdate()
    report = reports.request_report(
        coordinator, scope="scene", scene=sergels, start=today.replace(day=1), end=today
    )
    report.file.save("lagesbild.pdf", ContentFile(b"%PDF-1.7 matrix"), save=False)
    report.status, report.finished_at = "done", timezone.now()
    report.save()
    centre = sergels.boundary.centroid
    return {
        "scene": sergels,
        "observation": Observation.objects.filter(scene=sergels, restricted=False).first(),
        "kept": kept_rows.exclude(pk=share.object_id).first(),
        "shared": kept_rows.get(pk=share.object_id),
        "share": share,
        "place": sergels.places.first(),
        "landmark": Landmark.objects.create(
            scene=sergels, name="Uppgången", kind="entrance", location=Point(centre.x, centre.y)
        ),
        "indicator": Indicator.objects.create(scene=sergels, name="SL-händelser"),
        "case": case,
        "action": make_action(case, police, title="Närvaro"),
        "method": Method.objects.first(),
        "report": report,
        "subscription": ReportSubscription.objects.create(
            scene=sergels, frequency="monthly", created_by=coordinator
        ),
        "police": police,
        "transit": transit,
        "probation": reference_orgs["kriminalvarden"],
        "kind_observation": "observation",
    }


def url_of(row, world) -> str:
    kwargs = {}
    if row.obj is not None:
        kwargs[row.arg] = world[row.obj].pk
    for name, key in row.extra.items():
        value = world[key]
        kwargs[name] = value if isinstance(value, str) else value.pk
    url = reverse(row.name, kwargs=kwargs)
    return f"{url}?{row.query}" if row.query else url


def outcome(response, expected):
    """The answer as the matrix writes it."""
    code = response.status_code
    to_login = code == 302 and "/accounts/login/" in response.get("Location", "")
    if to_login:
        return LOGIN
    if expected == OK:
        return OK if code < 400 else code
    return code


@pytest.mark.parametrize("who", list(PERSONAS))
def test_every_url_answers_every_user_as_the_matrix_says(who, world, personas):
    client = Client()
    if PERSONAS[who]:
        client.force_login(personas[PERSONAS[who]])
    wrong = []
    for row in ROWS:
        expected = row.expect[who]
        url = url_of(row, world)
        # Each request is undone afterwards, so one row's change never decides another's.
        with transaction.atomic():
            send = getattr(client, row.method)
            if row.method in ("post", "patch") and url.startswith("/api/"):
                response = send(url, row.data, content_type="application/json")
            else:
                response = send(url, row.data)
            transaction.set_rollback(True)
        got = outcome(response, expected)
        if got != expected:
            wrong.append(f"{row.method.upper()} {row.name} on {row.obj}: {got}, not {expected}")
    assert wrong == []


def _named_urls(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or None
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _named_urls(pattern.url_patterns, joined)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_no_url_is_missing_from_the_matrix():
    covered = {row.name for row in ROWS} | set(PUBLIC)
    missing = sorted(
        name
        for name in set(_named_urls(get_resolver().url_patterns))
        if not name.startswith(LIBRARY_PREFIXES) and name not in covered
    )
    assert missing == []
