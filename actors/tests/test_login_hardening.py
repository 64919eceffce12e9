"""Log-in and sessions: two-factor authentication required outside demo installations, idle
and absolute session limits, one lock-out rule for username and e-mail, no caching of what a
signed-in user sees, the API schema behind log-in, a deactivated user out at once."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal import auth as totp
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from actors.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def log_in(client, login, password):
    return client.post(LOGIN, {"login": login, "password": password})


@pytest.fixture
def mfa_required(settings):
    settings.ODS_REQUIRE_MFA = True


def test_an_account_without_mfa_is_sent_to_set_it_up_before_it_sees_any_data(
    client, mfa_required, sergels, stockholm_coordinator, staff_admin
):
    client.force_login(stockholm_coordinator)
    for url in ("/", reverse("scenes:scene_detail", args=[sergels.pk]), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    api = APIClient()
    api.force_login(stockholm_coordinator)
    answer = api.get("/api/v1/scenes/")
    assert answer.status_code == 403 and answer.json()["code"] == "mfa_required"
    # The staff admin too.
    client.force_login(staff_admin)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")


def test_once_mfa_is_on_the_platform_opens(client, mfa_required, sergels, stockholm_coordinator):
    client.force_login(stockholm_coordinator)
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")
    totp.TOTP.activate(stockholm_coordinator, totp.generate_totp_secret())
    assert client.get(reverse("scenes:scene_detail", args=[sergels.pk])).status_code == 200


def test_demo_installations_do_not_require_mfa(client, settings, sergels, stockholm_coordinator):
    assert settings.ODS_DEMO_DATA and not settings.ODS_REQUIRE_MFA
    client.force_login(stockholm_coordinator)
    assert client.get(reverse("scenes:scene_detail", args=[sergels.pk])).status_code == 200


def test_a_session_ends_after_30_idle_minutes(client, personas, demo_password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert log_in(client, "sthlm.falt", demo_password).status_code == 302
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        assert client.get("/")["Location"].startswith(LOGIN)


def test_a_session_ends_12_hours_after_log_in_however_busy(client, personas, demo_password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, "sthlm.falt", demo_password)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=5), tick=False):
        assert client.get("/")["Location"].startswith(LOGIN)


def test_log_in_gives_a_new_session_id(client, personas, demo_password):
    client.get(LOGIN)
    client.session["probe"] = 1
    before = client.cookies.get("sessionid")
    log_in(client, "sthlm.falt", demo_password)
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after


def test_a_deactivated_user_is_out_at_once(client, personas, demo_password):
    log_in(client, "sthlm.falt", demo_password)
    assert client.get("/").status_code == 200
    User.objects.filter(username="sthlm.falt").update(is_active=False)
    assert client.get("/")["Location"].startswith(LOGIN)


def test_the_lock_out_counts_the_e_mail_address_as_the_username(
    client, personas, demo_password, settings
):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "sthlm.falt", "fel-losenord")
    # The e-mail address of the same account is locked out too, even with the right password.
    response = log_in(client, "sthlm.falt@demo.invalid", demo_password)
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_what_a_signed_in_user_sees_is_never_cached(client, sergels, stockholm_field_worker):
    client.force_login(stockholm_field_worker)
    for url in (
        "/",
        reverse("scenes:scene_detail", args=[sergels.pk]),
        reverse("scenes:observation_list", args=[sergels.pk]) + "?format=csv",
        "/api/v1/scenes/",
    ):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_the_api_schema_is_behind_log_in(client, stockholm_field_worker):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(stockholm_field_worker)
    assert client.get("/api/schema/").status_code == 200
