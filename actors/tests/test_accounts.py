"""Log-in, lockout, password reset, two-factor authentication and the start page."""

import re

import pytest
from allauth.mfa.totp.internal import auth as totp
from django.core import mail
from django.urls import reverse

from actors.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, username, password):
    return client.post(LOGIN, {"login": username, "password": password})


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_login_page_is_swedish_with_labelled_fields(client):
    page = client.get(LOGIN).content.decode()
    assert '<html lang="sv">' in page
    assert '<label for="id_login">Användarnamn eller e-postadress' in page
    assert '<label for="id_password">Lösenord' in page
    assert "Glömt lösenordet?" in page
    # Accounts are created by administrators: nothing invites visitors to sign up.
    assert "/accounts/signup/" not in page


@pytest.mark.parametrize(
    ("username", "organisation", "role"),
    [
        ("lan.samordnare", "Länsstyrelsen Stockholm", "Regional samordnare"),
        ("sthlm.samordnare", "Stockholms stad", "Samordnare"),
        ("sthlm.falt", "Stockholms stad", "Handläggare"),
        ("botkyrka.samordnare", "Botkyrka kommun", "Samordnare"),
        ("polis.city", "Lokalpolisområde City", "Handläggare"),
        ("sl.trygghet", "Region Stockholm, Trafikförvaltningen", "Handläggare"),
        ("kv.handlaggare", "Kriminalvården", "Handläggare"),
        ("stad.utvarderare", "STAD – Stockholm förebygger alkohol- och drogproblem", "Utvärderare"),
    ],
)
def test_each_persona_logs_in_and_sees_organisation_and_role(
    client, personas, demo_password, username, organisation, role
):
    response = log_in(client, username, demo_password)
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert organisation in page
    assert f"<dd>{role}</dd>" in page


def test_login_by_email_address(client, personas, demo_password):
    response = log_in(client, "sthlm.falt@demo.invalid", demo_password)
    assert response.status_code == 302
    assert "Stockholms stad" in client.get("/").content.decode()


def test_wrong_password_keeps_the_username_and_says_why(client, personas):
    response = log_in(client, "sthlm.falt", "fel-losenord")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="sthlm.falt"' in page
    assert "lösenordet är felaktigt" in page
    assert client.get("/").status_code == 302


def test_repeated_failures_lock_the_account_out(client, personas, demo_password, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "sthlm.falt", "fel-losenord")
    # Even the right password is refused now, with a page saying what happened.
    response = log_in(client, "sthlm.falt", demo_password)
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in response.content.decode()
    assert client.get("/").status_code == 302
    # Another account from the same address is not locked.
    assert log_in(client, "sthlm.samordnare", demo_password).status_code == 302


def test_password_reset_by_email(client, personas):
    response = client.post("/accounts/password/reset/", {"email": "sthlm.falt@demo.invalid"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sthlm.falt@demo.invalid"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body)
    assert link, message.body
    response = client.get(link.group(1), follow=True)
    new_password = "ett-nytt-langt-losenord-2026"
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert User.objects.get(username="sthlm.falt").check_password(new_password)


def test_nobody_can_sign_up(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ny",
            "email": "ny@test.invalid",
            "password1": "ett-langt-losenord-1",
            "password2": "ett-langt-losenord-1",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="ny").exists()


def _current_code(secret):
    counter = next(totp.yield_hotp_counters_from_time())
    return totp.format_hotp_value(totp.hotp_value(secret, counter))


def test_every_user_can_turn_on_totp_and_is_then_asked_for_a_code(
    client, stockholm_field_worker, demo_password
):
    log_in(client, "sthlm.falt", demo_password)
    # Changing how one logs in asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": demo_password})
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200
    secret = activate.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert stockholm_field_worker.authenticator_set.filter(type="totp").exists()

    client.post(reverse("account_logout"))
    response = log_in(client, "sthlm.falt", demo_password)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # not logged in before the code
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_log_out_is_a_post(client, stockholm_field_worker, demo_password):
    log_in(client, "sthlm.falt", demo_password)
    client.post(reverse("account_logout"))
    assert client.get("/").status_code == 302
