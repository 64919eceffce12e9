"""The catalogue reaches existing installations: `load_reference_data` creates what is new,
updates what still holds the catalogue's text, and keeps what was edited in the platform."""

import copy

import pytest
from django.core.management import call_command
from django.urls import reverse

from sara import catalogue
from sara.models import Method

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited_catalogue(monkeypatch):
    """The catalogue as a later version of the platform ships it: one text changed."""
    methods = copy.deepcopy(catalogue.METHODS)
    methods[0]["description"] = "En ny, kontrollerad beskrivning av metoden."
    monkeypatch.setattr(catalogue, "METHODS", methods)
    return methods[0]


def test_an_edited_catalogue_entry_reaches_an_existing_database(
    method_catalogue, edited_catalogue, capsys
):
    before = Method.objects.get(slug=edited_catalogue["slug"])
    assert before.description != edited_catalogue["description"]

    call_command("load_reference_data")

    assert Method.objects.get(slug=edited_catalogue["slug"]).description == (
        "En ny, kontrollerad beskrivning av metoden."
    )
    assert "Method catalogue: 0 created, 1 updated, 0 kept" in capsys.readouterr().out
    call_command("load_reference_data")  # a second run changes nothing
    assert "0 created, 0 updated, 0 kept" in capsys.readouterr().out


def test_a_new_catalogue_entry_is_created(method_catalogue, monkeypatch):
    methods = [*catalogue.METHODS, {**catalogue.METHODS[0], "slug": "ny-metod", "name": "Ny"}]
    monkeypatch.setattr(catalogue, "METHODS", methods)

    assert catalogue.sync_methods(Method) == (1, 0, 0)
    assert Method.objects.get(slug="ny-metod").catalogue_managed is True


def test_a_method_edited_in_the_platform_is_kept(
    client, regional_coordinator, method_catalogue, edited_catalogue
):
    method = Method.objects.get(slug=edited_catalogue["slug"])
    client.force_login(regional_coordinator)
    response = client.post(
        reverse("sara:method_edit", args=[method.pk]),
        {
            "name": method.name,
            "slug": method.slug,
            "kind": method.kind,
            "description": "Så här gör vi i länet.",
            "lead_kinds": method.lead_kinds,
            "techniques": method.techniques,
            "source": method.source,
            "is_active": "on",
        },
    )
    assert response.status_code == 302

    assert catalogue.sync_methods(Method) == (0, 0, 1)
    method.refresh_from_db()
    assert method.description == "Så här gör vi i länet."
    assert method.catalogue_managed is False


def test_methods_of_unknown_origin_are_judged_by_their_text(method_catalogue):
    first, second = catalogue.METHODS[0]["slug"], catalogue.METHODS[1]["slug"]
    Method.objects.update(catalogue_managed=None)
    Method.objects.filter(slug=second).update(description="Ändrad lokalt.")

    assert catalogue.sync_methods(Method) == (0, 0, 1)
    assert Method.objects.get(slug=first).catalogue_managed is True
    assert Method.objects.get(slug=second).description == "Ändrad lokalt."
