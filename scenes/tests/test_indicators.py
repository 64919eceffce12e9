"""Indicators: outside figures per scene or municipality and period (month, quarter, year),
seen with their scene or municipality, typed in by coordinators, with source and who entered
each value, and a trend chart with its table."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


@pytest.fixture
def survey(botkyrka):
    """Botkyrka's yearly trygghetsmätning: a municipality's own indicator."""
    indicator = Indicator.objects.create(
        level="municipality", municipality=botkyrka, name="Andel otrygga (trygghetsmätning)",
        unit="%", period="year", lower_is_better=True, source="Kommunens trygghetsmätning",
    )  # fmt: skip
    IndicatorValue.objects.create(
        indicator=indicator, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        value="23.5",
    )  # fmt: skip
    return indicator


def test_coordinator_creates_a_monthly_indicator_and_types_in_values(
    client, sergels, stockholm_coordinator
):
    client.force_login(stockholm_coordinator)
    response = client.post(
        reverse("scenes:indicator_create", args=[sergels.pk]),
        {"name": "Trygghetsmätning", "unit": "andel otrygga", "source": "Stadens enkät",
         "period": "month", "lower_is_better": "on"},
    )  # fmt: skip
    indicator = Indicator.objects.get(name="Trygghetsmätning")
    assert (indicator.level, indicator.scene, indicator.period) == ("scene", sergels, "month")
    assert response["Location"] == reverse("scenes:indicator_detail", args=[indicator.pk])
    url = reverse("scenes:indicator_detail", args=[indicator.pk])
    client.post(url, {"period": "2026-01", "value": "0.42", "source": "Enkät jan"})
    value = indicator.values.get()
    assert (value.period_start, value.period_end) == (date(2026, 1, 1), date(2026, 1, 31))
    assert (value.value, value.source, value.entered_by) == (
        Decimal("0.42"), "Enkät jan", stockholm_coordinator,
    )  # fmt: skip
    # The same period twice, a quarter for a monthly indicator, or a month that has not
    # begun (the test clock stands in September 2026) is refused, with what was typed kept.
    for period, message in (
        ("2026-01", "redan ett värde"),
        ("2026-Q2", "per månad"),
        ("2027-05", "utanför"),
        ("januari", "2026-03"),
    ):
        again = client.post(url, {"period": period, "value": "0.5"})
        assert again.status_code == 200
        assert message in again.content.decode(), period
        assert f'value="{period}"' in again.content.decode()
    assert indicator.values.count() == 1


def test_an_indicator_from_before_periods_were_fixed_keeps_its_free_dates(
    client, sergels, stockholm_coordinator
):
    indicator = Indicator.objects.create(scene=sergels, name="Äldre serie", period="other")
    client.force_login(stockholm_coordinator)
    url = reverse("scenes:indicator_detail", args=[indicator.pk])
    client.post(url, {"period_start": "2026-01-01", "period_end": "2026-06-30", "value": "7"})
    assert indicator.values.get().period_end == date(2026, 6, 30)
    backwards = client.post(
        url, {"period_start": "2026-08-30", "period_end": "2026-08-01", "value": "1"}
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
    response = client.post(url, {"period": "2026-08", "value": "9"})
    assert response.status_code == 403
    assert incidents.values.count() == 1
    csv = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "2026-09-01,2026-09-30,41" in csv


def test_a_municipality_indicator_is_seen_by_the_municipality_and_county_wide_roles(
    client, survey, botkyrka_coordinator, stockholm_coordinator, police_officer, stad_evaluator,
    regional_coordinator, fittja,
):  # fmt: skip
    url = reverse("scenes:indicator_detail", args=[survey.pk])
    for user, status in (
        (botkyrka_coordinator, 200),  # its own municipality
        (police_officer, 200),  # on the team of a scene in Botkyrka (Fittja)
        (stad_evaluator, 200),
        (regional_coordinator, 200),
        (stockholm_coordinator, 404),  # no scene in Botkyrka, not its municipality
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.force_login(police_officer)
    assert client.post(url, {"period": "2024", "value": "30"}).status_code == 403
    client.force_login(botkyrka_coordinator)
    response = client.post(url, {"period": "2024", "value": "28,5"})
    assert response.status_code == 302
    assert survey.values.get(period_start=date(2024, 1, 1)).value == Decimal("28.5")


def test_a_coordinator_creates_a_municipality_indicator_only_for_their_municipality(
    client, stockholm_coordinator, stockholm, botkyrka, police_officer
):
    url = reverse("scenes:municipality_indicator_create")
    client.force_login(police_officer)
    assert client.get(url).status_code == 403
    client.force_login(stockholm_coordinator)
    forged = client.post(url, {"municipality": botkyrka.pk, "name": "X", "period": "year"})
    assert forged.status_code == 200 and not Indicator.objects.filter(name="X").exists()
    client.post(url, {"municipality": stockholm.pk, "name": "Trygghetsmätning", "period": "year",
                      "unit": "%", "lower_is_better": "on"})  # fmt: skip
    made = Indicator.objects.get(name="Trygghetsmätning")
    assert (made.level, made.municipality, made.scene) == ("municipality", stockholm, None)


def test_every_indicator_has_a_trend_chart_beside_its_table(client, survey, stad_evaluator):
    client.force_login(stad_evaluator)
    IndicatorValue.objects.create(
        indicator=survey, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), value=25
    )
    page = client.get(reverse("scenes:indicator_detail", args=[survey.pk])).content.decode()
    start = page.index('id="indicator-chart"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data["periods"] == ["2024", "2025"] and data["values"] == [25.0, 23.5]
    assert 'data-chart="indicator"' in page and "<table>" in page
    assert "Kommunens trygghetsmätning" in page  # each value shows its source


def test_the_indicator_list_shows_both_levels_in_a_fixed_number_of_queries(
    client, incidents, survey, regional_coordinator
):
    client.force_login(regional_coordinator)
    url = reverse("scenes:indicator_list")
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert incidents.name in page and survey.name in page
    for n in range(5):
        Indicator.objects.create(scene=incidents.scene, name=f"Serie {n}")
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(first)
    filtered = client.get(url, {"level": "municipality"}).content.decode()
    assert survey.name in filtered and incidents.name not in filtered
