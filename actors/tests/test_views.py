"""The actors directory, navigation by role and the administration."""

import io

import openpyxl
import pytest

from actors.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.parametrize("url", ["/", "/actors/organisations/", "/actors/organisations/1/"])
def test_pages_need_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_organisation_list_filters(as_user, stockholm_field_worker):
    client = as_user(stockholm_field_worker)
    page = client.get("/actors/organisations/", {"kind": "kommun"}).content.decode()
    assert "Botkyrka kommun" in page
    assert ">Kriminalvården</a>" not in page
    page = client.get("/actors/organisations/", {"q": "0180"}).content.decode()
    assert "Stockholms stad" in page
    assert "Botkyrka kommun" not in page


def test_organisation_list_exports_csv_and_xlsx(as_user, stockholm_field_worker):
    client = as_user(stockholm_field_worker)
    response = client.get("/actors/organisations/", {"kind": "kommun", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="organisationer.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Namn,Typ,Kommunkod,Del av"
    assert "Stockholms stad,Kommun,0180," in text
    assert len(text.strip().splitlines()) == 1 + 26

    response = client.get("/actors/organisations/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Tullverket" in names
    assert len(names) == Organisation.objects.count()


def test_organisation_list_query_count_does_not_grow_with_rows(
    as_user, stockholm_field_worker, django_assert_max_num_queries
):
    client = as_user(stockholm_field_worker)
    # Beside the page's own: the session, the user, the audit context and the session's
    # refreshed expiry.
    with django_assert_max_num_queries(9):
        assert client.get("/actors/organisations/").status_code == 200


def test_members_are_shown_to_colleagues_only(
    as_user, stockholm_coordinator, botkyrka_coordinator, regional_coordinator, reference_orgs
):
    stockholm = reference_orgs["kommun-0180"]
    url = f"/actors/organisations/{stockholm.pk}/"
    assert "Fia Demo-Fältström" in as_user(stockholm_coordinator).get(url).content.decode()
    assert "Fia Demo-Fältström" in as_user(regional_coordinator).get(url).content.decode()
    page = as_user(botkyrka_coordinator).get(url).content.decode()
    assert "Stockholms stad" in page
    assert "Fia Demo-Fältström" not in page


@pytest.mark.parametrize("pk", ["999999", "abc"])
def test_unknown_organisation_is_404(as_user, stockholm_field_worker, pk):
    assert as_user(stockholm_field_worker).get(f"/actors/organisations/{pk}/").status_code == 404


def test_navigation_shows_administration_to_staff_only(as_user, stockholm_coordinator, staff_admin):
    page = as_user(stockholm_coordinator).get("/").content.decode()
    assert 'aria-label="Huvudmeny"' in page
    assert "Administration" not in page
    assert as_user(stockholm_coordinator).get("/admin/").status_code == 302

    page = as_user(staff_admin).get("/").content.decode()
    assert 'href="/admin/"' in page
    assert as_user(staff_admin).get("/admin/").status_code == 200


def test_english_can_be_chosen(as_user, stockholm_coordinator):
    client = as_user(stockholm_coordinator)
    assert "Din organisation och roll" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Your organisation and role" in page
    assert "<dd>Coordinator</dd>" in page


def test_swedish_even_when_the_browser_prefers_english(as_user, stockholm_coordinator):
    client = as_user(stockholm_coordinator)
    page = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="sv">' in page
    assert "Din organisation och roll" in page
