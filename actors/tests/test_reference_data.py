import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from actors.models import Organisation
from actors.reference import MUNICIPALITIES, load_organisations

pytestmark = pytest.mark.django_db


def test_all_26_municipalities_of_stockholm_county_with_scb_codes():
    load_organisations()
    municipalities = dict(
        Organisation.objects.filter(kind="kommun").values_list("municipality_code", "name")
    )
    assert len(municipalities) == 26
    assert municipalities["0180"] == "Stockholms stad"
    assert municipalities["0127"] == "Botkyrka kommun"
    assert municipalities["0188"] == "Norrtälje kommun"
    assert set(municipalities) == {code for code, _name in MUNICIPALITIES}


def test_every_kind_of_regional_actor_is_present_with_its_own_group():
    load_organisations()
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {
        "kommun", "polis", "region_hsf", "region_tf", "kriminalvarden",
        "tullverket", "lansstyrelsen", "stad", "ssr",
    } <= kinds  # fmt: skip
    for org in Organisation.objects.select_related("group"):
        assert org.group.name == f"org:{org.slug}"
    city = Organisation.objects.get(slug="lpo-city")
    assert city.parent.parent.name == "Polisregion Stockholm"


def test_loading_twice_changes_nothing_and_repairs_drift(capsys):
    call_command("load_reference_data")
    before = list(Organisation.objects.order_by("pk").values())
    call_command("load_reference_data")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert list(Organisation.objects.order_by("pk").values()) == before

    Organisation.objects.filter(slug="kommun-0180").update(name="Fel namn")
    assert load_organisations() == (0, 1)
    assert Organisation.objects.get(slug="kommun-0180").name == "Stockholms stad"


def test_municipality_code_rules():
    no_code = Organisation(slug="x", name="Kommun utan kod", kind="kommun")
    with pytest.raises(ValidationError):
        no_code.full_clean()
    bad_code = Organisation(slug="y", name="Kommun", kind="kommun", municipality_code="18")
    with pytest.raises(ValidationError, match="fyra siffror"):
        bad_code.full_clean()
    agency_with_code = Organisation(
        slug="z", name="Myndighet", kind="other", municipality_code="0180"
    )
    with pytest.raises(ValidationError):
        agency_with_code.full_clean()
