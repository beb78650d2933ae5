"""Rate limits of the public endpoints: past the limit a device or address gets 429 with
Retry-After and a clear message, and nothing is written; other devices and addresses go on;
neither the IP address nor the token is stored; the limits are configurable."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from cxm.feedback.models import Press
from cxm.feedback.survey import poster_link
from cxm.org.models import Store
from cxm.trust.models import RateCount
from cxm.trust.startup import RATE_LIMIT_DEFAULTS, rate_limits
from cxm.trust.throttle import hit
from tests.factories import bearer, device_bearer

LIMITS = {group: (3, 60) for group in RATE_LIMIT_DEFAULTS}


@pytest.fixture(autouse=True)
def low_limits():
    with override_settings(CXM_RATE_LIMITS=LIMITS):
        yield


def press(client, headers, n: int):
    record = {"id": f"p{n}", "at": "2026-03-02T12:00:00+03:00", "button": "excellent"}
    return client.post(
        "/api/v1/devices/events/presses", [record], content_type="application/json", **headers
    )


def test_a_device_over_its_limit_gets_429_and_another_device_goes_on(client, chain):
    first, second = device_bearer("MSK-1", "terminal"), device_bearer("MSK-1", "terminal")
    assert [press(client, first, n).status_code for n in range(3)] == [200] * 3
    refused = press(client, first, 3)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "too many requests" in refused.json()["detail"]
    assert not Press.objects.filter(external_id="p3").exists()  # nothing written
    assert press(client, second, 4).status_code == 200


def test_survey_pages_are_limited_per_address(client, chain):
    link = poster_link(Store.objects.get(code="MSK-1"))
    for _ in range(3):
        assert client.get(link, REMOTE_ADDR="198.51.100.7").status_code == 200
    refused = client.get(link, REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "Слишком много запросов" in refused.content.decode()  # the chain's language
    assert client.post(link, {"nps": "9"}, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert client.get(link, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_review_clicks_and_login_posts_are_limited(client, personas):
    for _ in range(3):
        assert client.get("/feedback/review/nonsense/").status_code == 404
    assert client.get("/feedback/review/nonsense/").status_code == 429
    for _ in range(3):
        client.post("/accounts/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.1.1.1")
    login = {"username": "admin", "password": "pw-admin"}
    assert client.post("/accounts/login/", login, REMOTE_ADDR="10.1.1.1").status_code == 429
    assert client.get("/accounts/login/", REMOTE_ADDR="10.1.1.1").status_code == 200  # the form
    assert client.post("/accounts/login/", login, REMOTE_ADDR="10.1.1.2").status_code == 302


def test_imports_are_limited_per_token(client, personas):
    headers = bearer(personas["admin"])
    url = "/api/v1/imports/traffic"
    for _ in range(3):
        assert client.post(url, "[]", content_type="application/json", **headers).status_code == 200
    assert client.post(url, "[]", content_type="application/json", **headers).status_code == 429
    other = bearer(personas["admin"])
    assert client.post(url, "[]", content_type="application/json", **other).status_code == 200
    # Reading reports is not a public door: not counted.
    assert client.get("/api/v1/stores", **headers).status_code == 200


def test_neither_the_ip_address_nor_the_token_is_stored(client, chain):
    headers = device_bearer("MSK-1", "terminal")
    press(client, headers, 1)
    client.get(poster_link(Store.objects.get(code="MSK-1")), REMOTE_ADDR="203.0.113.45")
    token = headers["HTTP_AUTHORIZATION"].split()[1]
    stored = json.dumps(list(RateCount.objects.values()))
    assert RateCount.objects.count() == 2
    assert "203.0.113.45" not in stored and token not in stored and "cxmd_" not in stored
    with connection.cursor() as cursor:  # nor anywhere else in the database
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            dump = repr(cursor.fetchall())
            assert "203.0.113.45" not in dump and token not in dump, table


def test_windows_are_fixed_and_finished_ones_are_forgotten(db):
    assert [hit("device", "a", 2, 60, now=120.0 + n) for n in range(3)] == [None, None, 58]
    assert hit("device", "a", 2, 60, now=180.0) is None  # a new window
    assert list(RateCount.objects.values_list("until", flat=True)) == [240]


@override_settings(CXM_RATE_LIMITS={})
def test_limits_can_be_lifted(client, chain):
    headers = device_bearer("MSK-1", "terminal")
    assert {press(client, headers, n).status_code for n in range(10)} == {200}
    assert not RateCount.objects.exists()


def test_the_setting_overrides_the_defaults_one_group_at_a_time():
    assert rate_limits("") == RATE_LIMIT_DEFAULTS
    assert rate_limits("off") == {}
    changed = rate_limits("device=600/10, survey=0")
    assert changed["device"] == (600, 10) and "survey" not in changed
    assert changed["login"] == RATE_LIMIT_DEFAULTS["login"]
    for wrong in ("devices=1/60", "device=many", "device=5/0"):
        with pytest.raises(ImproperlyConfigured):
            rate_limits(wrong)


def test_a_terminal_doing_honest_work_is_not_throttled():
    """A press every few seconds, with the queue sent every 5 s, fits the default."""
    requests, seconds = RATE_LIMIT_DEFAULTS["device"]
    presses_and_flushes = seconds / 2.5 + seconds / 5
    assert presses_and_flushes < requests / 2
