"""Every URL, tried by every kind of user on every kind of object (tests/permission_matrix.py),
gets the answer the matrix says; and no URL of the platform is missing from the matrix."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .permission_matrix import LIBRARY_PREFIXES, LOGIN, OK, PERSONAS, PUBLIC, ROWS, url_of

pytestmark = pytest.mark.django_db


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
