"""Single sign-on set-up: what an administrator may configure, and what the log-in page and
the provider URLs do with it. (The sign-ins themselves: tests/test_browser_sso.py.)"""

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError

from actors.models import SignOn

pytestmark = pytest.mark.django_db

TENANT = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def entra(stockholm, tenant, server_url=None):
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="stockholm-entra",
        name="Stockholms stad",
        client_id="client",
        secret="secret",
        settings={"server_url": server_url or f"https://login.microsoftonline.com/{tenant}/v2.0"},
    )
    return SignOn(
        organisation=stockholm,
        app=app,
        kind=SignOn.Kind.ENTRA,
        tenant=tenant,
        email_domains="stockholm.se",
    )


@pytest.mark.parametrize("shared", ["common", "organizations", "consumers", "Common"])
def test_entra_id_refuses_the_shared_tenants(stockholm, shared):
    sign_on = entra(stockholm, shared)
    with pytest.raises(ValidationError) as refused:
        sign_on.full_clean()
    assert "organisationens eget katalog-id" in str(refused.value.message_dict["tenant"])


def test_entra_id_pinned_to_the_organisations_tenant_is_accepted(stockholm):
    sign_on = entra(stockholm, TENANT)
    sign_on.full_clean()
    sign_on.save()
    assert sign_on.origins() == ["https://login.microsoftonline.com"]


def test_entra_id_server_url_must_name_the_same_tenant(stockholm):
    sign_on = entra(stockholm, TENANT, "https://login.microsoftonline.com/common/v2.0")
    with pytest.raises(ValidationError) as refused:
        sign_on.full_clean()
    assert TENANT in str(refused.value.message_dict["app"])


def test_a_generic_provider_cannot_be_entra_through_the_back_door(stockholm):
    sign_on = entra(stockholm, "", "https://login.microsoftonline.com/common/v2.0")
    sign_on.kind = SignOn.Kind.OIDC
    with pytest.raises(ValidationError) as refused:
        sign_on.full_clean()
    assert "kind" in refused.value.message_dict


def test_a_provider_needs_https_and_e_mail_domains(stockholm):
    sign_on = entra(stockholm, "", "http://idp.example.se/")
    sign_on.kind, sign_on.email_domains = SignOn.Kind.OIDC, "inte en domän"
    with pytest.raises(ValidationError) as refused:
        sign_on.full_clean()
    assert set(refused.value.message_dict) == {"app", "email_domains"}


def test_saml_needs_the_identity_providers_entity_and_certificate(botkyrka):
    app = SocialApp.objects.create(
        provider="saml", provider_id="botkyrka", client_id="botkyrka", settings={"idp": {}}
    )
    sign_on = SignOn(
        organisation=botkyrka, app=app, kind=SignOn.Kind.SAML, email_domains="botkyrka.se"
    )
    with pytest.raises(ValidationError) as refused:
        sign_on.full_clean()
    assert "entity_id" in str(refused.value.message_dict["app"])


def test_the_log_in_page_offers_the_active_providers_and_allows_their_address(client, stockholm):
    sign_on = entra(stockholm, TENANT)
    sign_on.save()
    page = client.get("/accounts/login/")
    assert "Logga in med Stockholms stad" in page.content.decode()
    assert "form-action 'self' https://login.microsoftonline.com" in page["Content-Security-Policy"]

    sign_on.is_active = False
    sign_on.save()
    page = client.get("/accounts/login/")
    assert "Logga in med Stockholms stad" not in page.content.decode()
    assert "microsoftonline" not in page["Content-Security-Policy"]


def test_a_provider_linked_to_no_organisation_cannot_be_used(client):
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="unlinked",
        name="Unlinked",
        client_id="client",
        settings={"server_url": "https://idp.example.se"},
    )
    assert client.post("/accounts/oidc/unlinked/login/").status_code == 404
    assert client.get("/accounts/oidc/unlinked/login/callback/?code=x&state=y").status_code == 404


def login_with(email="", verified=False, extra=None):
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from actors.models import User

    addresses = [EmailAddress(email=email, verified=verified)] if email else []
    return SocialLogin(
        user=User(email=email),
        account=SocialAccount(provider="p", uid="subject-1", extra_data=extra or {}),
        email_addresses=addresses,
    )


@pytest.mark.parametrize(
    ("kind", "login", "vouched"),
    [
        # A generic provider's address counts only when it says it verified it.
        ("oidc", login_with("sami@stockholm.se", verified=True), "sami@stockholm.se"),
        ("oidc", login_with("sami@stockholm.se", verified=False), ""),
        ("oidc", login_with("sami@botkyrka.se", verified=True), ""),
        # Entra ID (tenant pinned) has no such claim: the directory's sign-in name counts.
        (
            "entra",
            login_with(extra={"id_token": {"preferred_username": "Sami@Stockholm.se"}}),
            "Sami@Stockholm.se",
        ),
        ("entra", login_with(extra={"id_token": {"preferred_username": "sami@gmail.com"}}), ""),
        # A SAML IdP asserts its own organisation's addresses.
        ("saml", login_with("bo@stockholm.se"), "bo@stockholm.se"),
        ("saml", login_with("bo@example.com"), ""),
    ],
)
def test_only_an_address_the_provider_vouches_for_in_the_organisations_domains_counts(
    kind, login, vouched
):
    from actors.adapters import vouched_email

    sign_on = SignOn(kind=kind, email_domains="stockholm.se")
    assert vouched_email(sign_on, login) == vouched


@pytest.mark.parametrize(
    ("claims", "counts"),
    [({"amr": ["pwd", "mfa"]}, True), ({"amr": ["pwd"]}, False), ({}, False)],
)
def test_the_providers_mfa_is_read_from_the_id_tokens_amr(claims, counts):
    from actors.adapters import _idp_used_mfa

    assert _idp_used_mfa(login_with(extra={"id_token": claims})) is counts
