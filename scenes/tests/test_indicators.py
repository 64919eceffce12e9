"""Indicators: outside figures per scene and period, seen by the scene's team only."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from scenes.models import Indicator, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(sergels):
    indicator = Indicator.objects.create(
        scene=sergels, name="Händelser till SL Trygghetscentral", unit="händelser/månad"
    )
    IndicatorValue.objects.create(
        indicator=indicator, period_start=date(2026, 9, 1), period_end=date(2026, 9, 30), value=41
    )
    return indicator


def test_coordinator_creates_an_indicator_and_adds_values(client, sergels, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("scenes:indicator_create", args=[sergels.pk]),
        {"name": "Trygghetsmätning", "unit": "andel otrygga", "source": "Stadens enkät"},
    )
    indicator = Indicator.objects.get(name="Trygghetsmätning")
    assert response["Location"] == reverse("scenes:indicator_detail", args=[indicator.pk])
    url = reverse("scenes:indicator_detail", args=[indicator.pk])
    client.post(url, {"period_start": "2026-01-01", "period_end": "2026-06-30", "value": "0.42"})
    assert indicator.values.get().value == Decimal("0.42")
    # The same period twice, or a period that ends before it starts, is refused.
    again = client.post(
        url, {"period_start": "2026-01-01", "period_end": "2026-06-30", "value": "0.5"}
    )
    assert "redan ett värde" in again.content.decode()
    backwards = client.post(
        url, {"period_start": "2026-06-30", "period_end": "2026-01-01", "value": "1"}
    )
    assert backwards.status_code == 200
    assert indicator.values.count() == 1


def test_indicators_follow_the_scene(
    client, incidents, botkyrka_coordinator, stockholm_field_worker
):
    url = reverse("scenes:indicator_detail", args=[incidents.pk])
    client.force_login(botkyrka_coordinator)
    assert client.get(url).status_code == 404
    assert not IndicatorValue.objects.visible_to(botkyrka_coordinator).exists()
    client.force_login(stockholm_field_worker)
    assert client.get(url).status_code == 200
    response = client.post(url, {"period_start": "2026-10-01", "period_end": "2026-10-31",
                                 "value": "9"})  # fmt: skip
    assert response.status_code == 403
    assert incidents.values.count() == 1
    csv = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "2026-09-01,2026-09-30,41" in csv
