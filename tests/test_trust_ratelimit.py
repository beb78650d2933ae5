"""Rate limits of the public endpoints: past the limit a device or address gets 429 with
Retry-After and a clear message, and nothing is written; other devices and addresses go on;
neither the IP address nor the token is stored; the limits are configurable. Each process
counts in memory and writes to the shared table in batches: several processes (and their
threads) sharing one limit let through at most limit + processes × (limit // 10)."""

import json
import random
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cxm.feedback.models import Press
from cxm.feedback.survey import poster_link
from cxm.org.models import Store
from cxm.trust import throttle
from cxm.trust.models import RateCount
from cxm.trust.startup import RATE_LIMIT_DEFAULTS, rate_limits
from cxm.trust.throttle import WindowCounts, batch, hit
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


def flood(processes: list[WindowCounts], requests: int, limit: int, seed: int) -> list[bool]:
    """One client's requests, each to a process drawn at random, a millisecond apart: which
    were let through."""
    draw = random.Random(seed)
    key, until = "flooder", 60
    return [
        draw.choice(processes).hit(key, until, limit, now=n / 1000) is None for n in range(requests)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_processes_sharing_a_limit_let_through_at_most_a_tenth_more_each(db, seed):
    processes = [WindowCounts() for _ in range(3)]  # what each of three processes holds
    passed = flood(processes, 600, limit=100, seed=seed)
    assert 100 <= sum(passed) <= 100 + len(processes) * (batch(100) - 1)
    assert not any(passed[-300:])  # the flood gets 429
    # Every request let through is in the table or still in its process's memory; the table
    # also holds at most one refused request a process (the one whose write found it full).
    counted = RateCount.objects.get().hits + sum(sum(p.unwritten.values()) for p in processes)
    assert sum(passed) <= counted <= sum(passed) + len(processes)


def test_below_ten_the_limit_is_exact_across_processes(db):
    processes = [WindowCounts() for _ in range(3)]
    assert sum(flood(processes, 50, limit=9, seed=4)) == 9


def test_requests_are_written_in_batches_and_a_refusal_writes_nothing(db):
    process = WindowCounts()
    with CaptureQueriesContext(connection) as queries:
        passed = [process.hit("k", 60, 100, now=n / 1000) is None for n in range(150)]
    assert sum(passed) == 100
    # Within a second: one write each 11 requests, none for the refusals.
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 100 // batch(100)
    with CaptureQueriesContext(connection) as queries:
        assert process.hit("k", 60, 100, now=0.2) is not None
    assert not queries.captured_queries


def test_a_process_sees_the_others_counts_within_a_second(db):
    first, second = WindowCounts(), WindowCounts()
    assert all(first.hit("k", 60, 100, now=0.1 * n) is None for n in range(6))
    first.hit("k", 60, 100, now=1.5)  # a second on: the unwritten count goes to the table
    second.hit("k", 60, 100, now=1.6)
    assert second.read[("k", 60)] == 8


def test_threads_of_several_processes_share_the_limit(monkeypatch):
    """Real threads, a stand-in for the table (the upsert is tested above on the database)."""
    table: dict[tuple[str, int], int] = {}
    table_lock = threading.Lock()

    def add_counts(rows):
        with table_lock:
            for window, count in rows:
                table[window] = table.get(window, 0) + count
            return {window: table[window] for window, _ in rows}

    monkeypatch.setattr(throttle, "_add_counts", add_counts)
    processes = [WindowCounts() for _ in range(2)]
    passed: list[bool] = []

    def client(process: WindowCounts) -> None:
        for _ in range(200):
            passed.append(process.hit("k", 10**12, 300, now=1.0) is None)

    threads = [threading.Thread(target=client, args=(p,)) for p in processes for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 300 <= sum(passed) <= 300 + len(processes) * (batch(300) - 1)
    unwritten = sum(sum(p.unwritten.values()) for p in processes)
    assert sum(passed) <= table[("k", 10**12)] + unwritten <= sum(passed) + len(processes)
