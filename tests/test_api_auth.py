"""Who may call the API: bearer tokens (valid, revoked, missing, wrong) and the browser
session with its CSRF check."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cxm.org.models import ApiToken
from cxm.org.tokens import issue_token, revoke_token
from tests.factories import bearer

ME = "/api/v1/me"


def test_a_valid_token_authenticates_its_user(client, personas):
    response = client.get(ME, **bearer(personas["manager"]))
    assert response.status_code == 200
    assert response.json()["username"] == "manager"
    assert response.json()["role"] == "store_manager"


def test_a_call_without_credentials_is_401_with_a_json_message(client, personas):
    response = client.get(ME)
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cxm_not-a-real-token",
        "Bearer something-else",
        "Bearer ",
        "Basic YWRtaW46cHctYWRtaW4=",  # a password is not accepted in place of a token
    ],
)
def test_a_wrong_token_is_401(client, personas, header):
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_revoked_token_is_401(client, personas):
    token, raw = issue_token(personas["admin"], "replicator")
    revoke_token(token.prefix)
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_token_of_a_deactivated_user_is_401(client, personas):
    headers = bearer(personas["analyst"])
    personas["analyst"].is_active = False
    personas["analyst"].save()
    assert client.get(ME, **headers).status_code == 401


def test_a_wrong_token_does_not_fall_back_to_the_session(client, personas):
    client.force_login(personas["admin"])
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer cxm_wrong")
    assert response.status_code == 401


def test_only_the_hash_of_a_token_is_stored(personas):
    token, raw = issue_token(personas["admin"], "replicator")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.key_hash, stored.prefix, stored.name)
    assert raw[4:12] == stored.prefix


def test_last_used_is_recorded_at_most_once_a_minute(client, personas):
    token, raw = issue_token(personas["admin"], "replicator")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get(ME, **headers)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get(ME, **headers)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(ME, **headers)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(seconds=1)
    assert ApiToken.objects.get(pk=token.pk).last_used_at <= timezone.now()


def test_a_logged_in_browser_uses_its_session(client, personas):
    client.force_login(personas["seller"])
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["scope"]["seller"] == "MSK-1-S1"


def test_a_session_post_needs_the_csrf_token(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["admin"])
    refused = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    csrf = "k" * 32  # any secret works, as long as cookie and header agree
    browser.cookies["csrftoken"] = csrf
    accepted = browser.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert accepted.status_code == 201


def test_a_token_post_needs_no_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/imports/traffic", [], content_type="application/json", **bearer(personas["admin"])
    )
    assert response.status_code == 200


def test_an_anonymous_post_is_401_not_a_csrf_error(personas):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/imports/traffic", [], content_type="application/json"
    )
    assert response.status_code == 401
