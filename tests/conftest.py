"""Fixtures shared by the browser tests."""

import re

import pytest

from sara.demo import load_cases
from sara.models import Case


@pytest.fixture
def cases(demo_scenes, method_catalogue):
    """The demo's SARA cases on the demo scenes."""
    load_cases()
    return Case.objects.all()


@pytest.fixture
def offline(page):
    """The browser page with every request off this machine refused (no map tiles)."""
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    return page
