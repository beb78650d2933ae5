"""Device tokens: a terminal, button or counter writes its own store's events and nothing else."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cxm.devices.models import DeviceToken
from cxm.org.models import hash_token
from cxm.traffic.models import VisitorCount
from tests.factories import bearer, count, device_bearer


def push(client, kind: str, body, headers):
    return client.post(
        f"/api/v1/devices/events/{kind}", body, content_type="application/json", **headers
    )


def test_a_device_writes_its_own_stores_events_and_records_without_a_store_are_its_own(
    client, chain
):
    headers = device_bearer("MSK-2", "counter")
    response = push(
        client, "traffic", [count(store="MSK-2"), count(store="MSK-2", start=None)], headers
    )
    # The second record names no start: rejected with its position, the first kept.
    assert response.status_code == 422
    assert response.json()["accepted"] == 1
    unnamed = count(start="2026-03-02T12:00:00+03:00")
    del unnamed["store"]
    assert push(client, "traffic", [unnamed], headers).status_code == 200
    assert sorted(VisitorCount.objects.values_list("store__code", flat=True)) == [
        "MSK-2",
        "MSK-2",
    ]
    assert DeviceToken.objects.get().last_used_at is not None


def test_a_device_cannot_write_for_another_store(client, chain):
    response = push(
        client, "traffic", [count(store="MSK-2"), count(store="MSK-1")], device_bearer("MSK-2")
    )
    assert response.status_code == 403
    assert "nothing was imported" in response.json()["detail"]
    assert VisitorCount.objects.count() == 0


def test_a_device_may_push_events_only_never_master_data(client, chain):
    response = push(client, "stores", [{"code": "X"}], device_bearer("MSK-2"))
    assert response.status_code == 422  # not a device event kind: the path is refused
    assert client.get("/api/v1/stores", **device_bearer("MSK-2")).status_code == 401
    assert (
        client.post(
            "/api/v1/imports/traffic",
            [count()],
            content_type="application/json",
            **device_bearer("MSK-1"),
        ).status_code
        == 401
    )


def test_a_user_token_is_not_a_device_token(client, personas):
    assert push(client, "traffic", [count()], bearer(personas["admin"])).status_code == 401


def test_a_revoked_device_is_locked_out(client, personas):
    headers = device_bearer("MSK-2")
    assert push(client, "traffic", [], headers).status_code == 200  # an empty call: a heartbeat
    client.force_login(personas["manager"])
    prefix = DeviceToken.objects.get().prefix
    assert client.delete(f"/api/v1/devices/tokens/{prefix}").status_code == 200
    assert push(client, "traffic", [], headers).status_code == 401


def test_a_manager_issues_a_device_token_for_their_store_only(client, personas):
    client.force_login(personas["manager"])
    created = client.post(
        "/api/v1/devices/tokens",
        {"store": "MSK-2", "name": "терминал у кассы", "kind": "terminal"},
        content_type="application/json",
    )
    assert created.status_code == 201
    token = DeviceToken.objects.get()
    assert token.key_hash == hash_token(created.json()["token"])
    assert created.json()["store"] == "MSK-2"
    other = client.post(
        "/api/v1/devices/tokens",
        {"store": "MSK-1", "name": "x"},
        content_type="application/json",
    )
    assert other.status_code == 403
    listing = client.get("/api/v1/devices/tokens").json()
    assert [t["prefix"] for t in listing] == [token.prefix]
    assert "token" not in listing[0]


@pytest.mark.parametrize("persona", ["seller", "analyst"])
def test_sellers_and_analysts_do_not_manage_devices(client, personas, persona):
    device_bearer("MSK-1")
    client.force_login(personas[persona])
    assert client.get("/api/v1/devices/tokens").status_code == 403


def test_other_chains_devices_are_invisible(client, personas):
    device_bearer("MSK-1")
    client.force_login(personas["outsider"])
    assert client.get("/api/v1/devices/tokens").json() == []


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("device", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_command_line_creates_lists_and_revokes_device_tokens(client, chain):
    raw, note = run("create", "NSK-1", "counter at the door", "--kind", "counter")
    assert raw.startswith("cxmd_") and "cannot be shown again" in note
    listing, _ = run("list")
    assert "NSK-1" in listing and raw not in listing and "live" in listing
    run("revoke", "cxmd_" + DeviceToken.objects.get().prefix)  # a prefix may start with "-"
    assert "revoked" in run("list", "--store", "NSK-1")[0]
    assert push(client, "traffic", [], {"HTTP_AUTHORIZATION": f"Bearer {raw}"}).status_code == 401


def test_rotating_a_device_token_gives_the_device_a_new_one(client, chain):
    old, _ = run("create", "NSK-1", "counter at the door", "--kind", "counter")
    new, note = run("rotate", "cxmd_" + DeviceToken.objects.get().prefix)
    assert new != old and "cannot be shown again" in note
    assert push(client, "traffic", [], {"HTTP_AUTHORIZATION": f"Bearer {old}"}).status_code == 401
    assert push(client, "traffic", [], {"HTTP_AUTHORIZATION": f"Bearer {new}"}).status_code == 200
    fresh = DeviceToken.objects.get(revoked_at__isnull=True)
    assert (fresh.store.code, fresh.name, fresh.kind) == ("NSK-1", "counter at the door", "counter")


@pytest.mark.parametrize(
    "args",
    [("create", "NOPE", "x"), ("create", "NSK-1", " "), ("revoke", "zzzzzzzz"), ("rotate", "x")],
)
def test_bad_device_commands_fail_with_a_message(chain, args):
    with pytest.raises(CommandError):
        run(*args)
