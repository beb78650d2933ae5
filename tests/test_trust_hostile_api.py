"""Hostile bodies at the two write doors, /api/v1/imports/{kind} and
/api/v1/devices/events/{kind}: oversized, deeply nested and replayed requests get a clear 4xx
(or change nothing) and nothing is stored half-way."""

import json

import pytest

from cxm.api import bodies
from cxm.traffic.models import VisitorCount
from tests.factories import bearer, count, device_bearer

DOORS = ["imports", "devices"]
HOURS = [count(start=f"2026-03-02T{h:02d}:00:00+03:00") for h in range(10, 20)]


@pytest.fixture
def send(client, personas):
    def post(door: str, body, content_type: str = "application/json"):
        url, headers = (
            ("/api/v1/imports/traffic", bearer(personas["admin"]))
            if door == "imports"
            else ("/api/v1/devices/events/traffic", device_bearer("MSK-1", "counter"))
        )
        data = body if isinstance(body, bytes) else json.dumps(body)
        return client.post(url, data, content_type=content_type, **headers)

    return post


@pytest.mark.parametrize("door", DOORS)
def test_an_oversized_body_is_413_and_stores_nothing(send, door, monkeypatch):
    monkeypatch.setattr(bodies, "MAX_IMPORT_BYTES", 1000)
    response = send(door, HOURS)
    assert response.status_code == 413
    assert VisitorCount.objects.count() == 0


@pytest.mark.parametrize("door", DOORS)
def test_a_deeply_nested_body_is_400_and_stores_nothing(send, door):
    body = json.dumps([count(), {"extra": "[" * 1000}]).encode()
    nested = body[:-1] + b"," + b"[" * 20_000 + b"]" * 20_000 + b"]"
    response = send(door, nested)
    assert response.status_code == 400
    assert "nests deeper" in response.json()["detail"]
    assert VisitorCount.objects.count() == 0


@pytest.mark.parametrize("door", DOORS)
def test_a_deeply_nested_json_line_is_rejected_by_line_and_the_others_kept(send, door):
    lines = [json.dumps(HOURS[0]), "[" * 5000 + "]" * 5000, json.dumps(HOURS[1])]
    response = send(door, "\n".join(lines).encode(), content_type="application/x-ndjson")
    assert response.status_code == 422
    assert [r["position"] for r in response.json()["rejections"]] == ["line 2"]
    assert VisitorCount.objects.count() == 2


@pytest.mark.parametrize("door", DOORS)
def test_a_replayed_request_stores_each_record_once(send, door):
    first = send(door, HOURS)
    again = send(door, HOURS)
    assert first.status_code == again.status_code == 200
    assert VisitorCount.objects.count() == len(HOURS)


@pytest.mark.parametrize("door", DOORS)
def test_a_half_bad_body_is_cut_short_json_and_stores_nothing(send, door):
    response = send(door, json.dumps(HOURS).encode()[:-40])
    assert response.status_code == 400
    assert VisitorCount.objects.count() == 0
