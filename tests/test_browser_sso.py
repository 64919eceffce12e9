"""Single sign-on in a real browser, against real identity providers started by the test: an
OpenID Connect provider (django-oidc-provider) and a SAML 2.0 identity provider (pysaml2),
each a subprocess on a free port with keys made for the run.

Stockholms stad signs in through OpenID Connect, Botkyrka kommun through SAML. Only people
who already have a membership of the provider's organisation get in; nobody gets an account.
"""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from actors.models import SignOn, User

from .sso.providers import OidcProvider, SamlIdentityProvider
from .test_browser import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OIDC_ID = "stockholm-oidc"
SAML_SLUG = "botkyrka-saml"
# The people the providers know (fictional). Sami and Bo have accounts on the platform.
OIDC_PEOPLE = {
    "sami": {
        "password": "op-losen-sami",
        "email": "sami@stockholm.example",
        "email_verified": True,
        "amr": ["pwd", "mfa"],
    },
    "okand": {"password": "op-losen-okand", "email": "okand@stockholm.example"},
}
SAML_PEOPLE = {
    "bo": {
        "password": "idp-losen-bo",
        "attributes": {"uid": "bo-1001", "mail": "bo@botkyrka.example", "givenName": "Bo"},
    },
    "sami": {
        "password": "idp-losen-sami",
        "attributes": {"uid": "sami-2002", "mail": "sami@stockholm.example", "givenName": "Sami"},
    },
}


@pytest.fixture(scope="module")
def oidc_provider(live_server, tmp_path_factory):
    callback = f"{live_server.url}/accounts/oidc/{OIDC_ID}/login/callback/"
    provider = OidcProvider(tmp_path_factory.mktemp("oidc"), [callback], OIDC_PEOPLE)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def saml_idp(live_server, tmp_path_factory):
    metadata = f"{live_server.url}/accounts/saml/{SAML_SLUG}/metadata/"
    idp = SamlIdentityProvider(tmp_path_factory.mktemp("saml"), metadata, SAML_PEOPLE)
    idp.start()
    yield idp
    idp.stop()


@pytest.fixture
def sign_ons(personas, stockholm, botkyrka, oidc_provider, saml_idp):
    """Stockholm's OpenID Connect provider (its MFA trusted) and Botkyrka's SAML one, as an
    administrator sets them up."""
    User.objects.filter(username="sthlm.samordnare").update(email="sami@stockholm.example")
    User.objects.filter(username="botkyrka.samordnare").update(email="bo@botkyrka.example")
    oidc_app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=OIDC_ID,
        name=stockholm.name,
        client_id=oidc_provider.client_id,
        secret=oidc_provider.client_secret,
        settings={"server_url": oidc_provider.server_url},
    )
    saml_app = SocialApp.objects.create(
        provider="saml",
        provider_id=SAML_SLUG,
        name=botkyrka.name,
        client_id=SAML_SLUG,
        settings={
            "idp": {
                "entity_id": saml_idp.entity_id,
                "sso_url": saml_idp.sso_url,
                "x509cert": saml_idp.certificate,
            },
            "attribute_mapping": {
                "uid": "urn:oid:0.9.2342.19200300.100.1.1",
                "email": "urn:oid:0.9.2342.19200300.100.1.3",
                "first_name": "urn:oid:2.5.4.42",
            },
            "advanced": {"want_assertion_signed": True},
        },
    )
    made = {
        "oidc": SignOn(
            organisation=stockholm,
            app=oidc_app,
            kind=SignOn.Kind.OIDC,
            email_domains="stockholm.example",
            trust_idp_mfa=True,
        ),
        "saml": SignOn(
            organisation=botkyrka,
            app=saml_app,
            kind=SignOn.Kind.SAML,
            email_domains="botkyrka.example",
        ),
    }
    for sign_on in made.values():
        sign_on.full_clean()
        sign_on.save()
    return made


def sign_in_through(page, live_server, organisation: str, username="", password=""):
    """Choose the organisation on the log-in page and, unless still signed in there, sign in
    at its provider."""
    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_role("button", name=f"Logga in med {organisation}")
    try:
        button.wait_for(timeout=20_000)
    except PlaywrightTimeout as error:
        # Seen once in a whole run and never alone: say what the page was instead.
        raise AssertionError(
            f"No sign-in button for {organisation} at {page.url}: "
            f"{page.locator('body').inner_text()[:800]!r}"
        ) from error
    button.click()
    if not username:
        return
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in at").click()


def test_a_member_signs_in_through_openid_connect_and_lands_on_the_start_page(
    offline, live_server, sign_ons
):
    page = offline
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", name="Logga in genom din organisation").is_visible()
    assert axe_violations(page) == []
    sign_in_through(page, live_server, "Stockholms stad", "sami", "op-losen-sami")
    page.wait_for_url(f"{live_server.url}/")
    main = page.get_by_role("main").inner_text()
    assert "Stockholms stad" in main and "Samordnare" in main
    # The provider's subject is now tied to the account: the next sign-in finds it by that.
    account = SocialAccount.objects.get(provider=OIDC_ID)
    assert account.user.username == "sthlm.samordnare"

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    sign_in_through(page, live_server, "Stockholms stad")  # still signed in at the provider
    page.wait_for_url(f"{live_server.url}/")
    assert SocialAccount.objects.filter(provider=OIDC_ID).count() == 1

    # Every sign-in asks for the membership again: once it has ended, the tie to the
    # provider's subject no longer lets Sami in.
    account.user.memberships.all().delete()
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    sign_in_through(page, live_server, "Stockholms stad")
    page.get_by_role("heading", name="Inloggningen nekades").wait_for()


def test_a_member_signs_in_through_saml_and_lands_on_the_start_page(offline, live_server, sign_ons):
    page = offline
    sign_in_through(page, live_server, "Botkyrka kommun", "bo", "idp-losen-bo")
    page.wait_for_url(f"{live_server.url}/")
    main = page.get_by_role("main").inner_text()
    assert "Botkyrka kommun" in main and "Samordnare" in main
    assert SocialAccount.objects.get(provider=SAML_SLUG).uid == "bo-1001"


def test_an_unknown_person_is_refused_with_a_message_and_gets_no_account(
    offline, live_server, sign_ons
):
    page = offline
    users = User.objects.count()
    sign_in_through(page, live_server, "Stockholms stad", "okand", "op-losen-okand")
    page.get_by_role("heading", name="Inloggningen nekades").wait_for()
    assert "inget konto" in page.get_by_role("alert").inner_text()
    assert "Inget konto skapades." in page.get_by_role("main").inner_text()
    assert axe_violations(page) == []
    assert page.get_by_role("button", name="Logga ut").count() == 0
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()


def test_a_member_of_another_organisation_is_refused_by_this_providers_organisation(
    offline, live_server, sign_ons
):
    """Sami works for Stockholm; Botkyrka's identity provider vouching for them (even for an
    address in a domain Botkyrka's sign-on lists) does not let them in."""
    sign_ons["saml"].email_domains = "botkyrka.example, stockholm.example"
    sign_ons["saml"].save()
    page = offline
    sign_in_through(page, live_server, "Botkyrka kommun", "sami", "idp-losen-sami")
    page.get_by_role("heading", name="Inloggningen nekades").wait_for()
    assert "en annan organisation" in page.get_by_role("alert").inner_text()
    assert not SocialAccount.objects.exists()


def test_the_providers_mfa_counts_only_where_the_organisation_trusts_it(
    offline, live_server, sign_ons, settings
):
    settings.ODS_REQUIRE_MFA = True
    page = offline
    # Stockholm's provider says it used two factors (amr "mfa"), and Stockholm trusts it.
    sign_in_through(page, live_server, "Stockholms stad", "sami", "op-losen-sami")
    page.wait_for_url(f"{live_server.url}/")
    assert "Stockholms stad" in page.get_by_role("main").inner_text()

    # Botkyrka's SAML sign-in says nothing of the kind: Bo (who signs in only through
    # Botkyrka, with no password here) sets up two-factor authentication before seeing
    # anything.
    bo = User.objects.get(username="botkyrka.samordnare")
    bo.set_unusable_password()
    bo.save()
    # Leave the start page first: with the session saved on every request, a request still
    # in flight from it would set Sami's session cookie again after it was cleared.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in_through(page, live_server, "Botkyrka kommun", "bo", "idp-losen-bo")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.goto(f"{live_server.url}/scenes/")
    assert page.url == f"{live_server.url}/accounts/2fa/totp/activate/"
