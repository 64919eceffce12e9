from datetime import timedelta

import pytest
from django.utils import timezone

from situation_reports import services


@pytest.fixture
def last_90_days():
    today = timezone.localdate()
    return today - timedelta(days=89), today


@pytest.fixture
def sergels_report(stockholm_coordinator, sergels, last_90_days):
    """A queued lägesbild of Sergels torg for the last 90 days, asked by sthlm.samordnare."""
    start, end = last_90_days
    return services.request_report(
        stockholm_coordinator, scope="scene", scene=sergels, start=start, end=end
    )
