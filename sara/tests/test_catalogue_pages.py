"""The method catalogue in the platform: search, filters, where a method is used, editing."""

import pytest
from django.urls import reverse

from sara import catalogue, services
from sara.models import Action, Method

pytestmark = pytest.mark.django_db

LIST = reverse("sara:method_list")


def test_catalogue_is_seeded_and_searchable(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    page = client.get(LIST)
    assert page.status_code == 200
    assert len(page.context["methods"]) == Method.objects.count() > 30
    found = [m.name for m in client.get(LIST, {"q": "MUMIN"}).context["methods"]]
    assert found == ["MUMIN"]
    social = client.get(LIST, {"kind": "social"}).context["methods"]
    assert social and all(m.kind == "social" for m in social)
    risk_codes = {code for code, group, _name in catalogue.TECHNIQUES if group == "risk"}
    risk = client.get(LIST, {"group": "risk"}).context["methods"]
    assert risk and all(risk_codes & set(m.techniques) for m in risk)
    assert not any(
        risk_codes & set(m.techniques) for m in Method.objects.exclude(pk__in=[m.pk for m in risk])
    )
    police = client.get(LIST, {"lead": "polis"}).context["methods"]
    assert police and all("polis" in m.lead_kinds for m in police)


def test_unchecked_descriptions_say_so(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    unchecked = Method.objects.filter(source_checked=False).first()
    page = client.get(reverse("sara:method_detail", args=[unchecked.pk])).content.decode()
    assert "inte kontrollerats mot en källa" in page


def test_method_page_lists_only_visible_uses(
    client, sergels, fittja, reference_orgs, stockholm_coordinator, botkyrka_coordinator
):
    method = Method.objects.get(slug="belysning")
    for scene, owner, by, title in (
        (sergels, reference_orgs["kommun-0180"], stockholm_coordinator, "Belysning Plattan"),
        (fittja, reference_orgs["kommun-0127"], botkyrka_coordinator, "Belysning Fittja"),
    ):
        case = services.open_case(by=by, scene=scene, owner=owner, title=f"Ärende {title}")
        Action.objects.create(case=case, title=title, responsible=owner, method=method)
    client.force_login(botkyrka_coordinator)
    page = client.get(reverse("sara:method_detail", args=[method.pk]))
    assert [a.title for a in page.context["used_in"]] == ["Belysning Fittja"]
    assert "Belysning Plattan" not in page.content.decode()


def test_only_regional_coordinators_edit_methods(
    client, stockholm_coordinator, regional_coordinator
):
    method = Method.objects.first()
    client.force_login(stockholm_coordinator)
    assert client.get(reverse("sara:method_edit", args=[method.pk])).status_code == 403
    assert client.post(reverse("sara:method_create"), {"name": "X"}).status_code == 403
    client.force_login(regional_coordinator)
    response = client.post(
        reverse("sara:method_create"),
        {
            "name": "Testmetod",
            "slug": "testmetod",
            "kind": "situational",
            "description": "En metod för test. Den prövas här.",
            "lead_kinds": ["kommun", "polis"],
            "techniques": ["reduce_anonymity"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    created = Method.objects.get(slug="testmetod")
    assert created.lead_kinds == ["kommun", "polis"]
    assert not created.source_checked


def test_catalogue_export(client, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    csv = client.get(LIST, {"format": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Namn,Typ,Leds oftast av")
    assert "MUMIN" in csv
