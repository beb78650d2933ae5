"""Accounts: password guessing is throttled by user name and by IP (kept as keyed hashes only),
a good login clears the count, sessions expire, and an admin who enrolled TOTP needs the
current code as well as the password."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cxm.trust.audit import HIDDEN
from cxm.trust.models import AuditEntry, LoginFailure

LIMIT = 3


def login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.fixture(autouse=True)
def low_limit():
    with override_settings(CXM_LOGIN_FAILURES=LIMIT):
        yield


def test_after_too_many_failures_even_the_right_password_is_refused(client, personas):
    for _ in range(LIMIT):
        assert login(client, "analyst", "wrong").status_code == 200
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    locked = login(client, "analyst", "pw-analyst")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Too many failed logins" in locked.content.decode()


def test_a_lockout_of_one_user_name_leaves_the_others_alone(client, personas):
    for _ in range(LIMIT):
        login(client, "analyst", "wrong", ip=f"10.0.0.{_}")
    assert login(client, "admin", "pw-admin").status_code == 302


def test_one_ip_guessing_many_user_names_is_locked_out(client, personas):
    for n in range(LIMIT * 4):
        login(client, f"nobody{n}", "wrong", ip="10.9.9.9")
    assert login(client, "admin", "pw-admin", ip="10.9.9.9").status_code == 429
    assert login(client, "admin", "pw-admin", ip="10.9.9.10").status_code == 302


def test_a_good_login_clears_the_count(client, personas):
    for _ in range(LIMIT - 1):
        login(client, "analyst", "wrong")
    assert login(client, "analyst", "pw-analyst").status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        login(client, "analyst", "wrong")
    assert login(client, "analyst", "pw-analyst").status_code == 302


def test_the_admin_login_is_throttled_too(client, personas):
    personas["admin"].is_staff = True
    personas["admin"].save()
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    client.post("/admin/login/", {"username": "admin", "password": "pw-admin"})
    assert "_auth_user_id" not in client.session


def test_neither_the_user_name_nor_the_ip_is_stored(client, personas):
    login(client, "analyst", "wrong", ip="192.0.2.77")
    stored = " ".join(LoginFailure.objects.values_list("key", flat=True))
    assert stored and "analyst" not in stored and "192.0.2.77" not in stored


def test_sessions_expire_after_the_configured_lifetime(client, personas):
    login(client, "analyst", "pw-analyst")
    session = Session.objects.get()
    lifetime = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < lifetime <= settings.SESSION_COOKIE_AGE
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_an_enrolled_admin_logs_in_with_password_and_the_current_code(client, personas):
    out = StringIO()
    call_command("totp", "admin", stdout=out)
    assert out.getvalue().startswith("otpauth://totp/")
    assert login(client, "admin", "pw-admin").status_code == 401  # the password alone
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/accounts/login/",
        {"username": "admin", "password": "pw-admin", "otp_token": current_code(personas["admin"])},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert client.session["otp_device_id"]
    entry = AuditEntry.objects.get(model="otp_totp.TOTPDevice")  # its use is not a change
    assert entry.changes["key"] == [None, HIDDEN]


def test_wrong_codes_count_towards_the_lockout(client, personas):
    call_command("totp", "admin", stdout=StringIO())
    for _ in range(LIMIT):
        client.post(
            "/accounts/login/", {"username": "admin", "password": "pw-admin", "otp_token": "000000"}
        )
    code = current_code(personas["admin"])
    client.post(
        "/accounts/login/", {"username": "admin", "password": "pw-admin", "otp_token": code}
    )
    assert "_auth_user_id" not in client.session


def test_users_without_a_device_log_in_with_the_password_alone(client, personas):
    call_command("totp", "admin", stdout=StringIO())
    call_command("totp", "admin", "--off", stdout=StringIO())
    assert login(client, "admin", "pw-admin").status_code == 302
