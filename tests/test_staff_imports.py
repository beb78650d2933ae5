"""The `consultations` import kind through every door: `cxm import`, the API, a device's
push and the seller's own button — bad records rejected by position and field, double
presses merged, re-sending harmless, scope enforced."""

import json

import pytest
from django.core.management import call_command
from django.test import override_settings

from cxm.staff.models import Consultation
from tests.factories import bearer, device_bearer


def _press(cid, at="2026-03-02T10:00:00+03:00", seller="MSK-1-S1", store="MSK-1", **extra):
    return {"id": cid, "store": store, "seller": seller, "started_at": at, **extra}


def _post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_bad_presses_are_rejected_by_field_and_the_good_ones_kept(client, personas):
    body = [
        _press("ok"),
        _press("who", seller="NOBODY"),
        _press("where", store="NOWHERE"),
        _press("when", at="2099-01-01T10:00:00+03:00"),
        _press("garbled", at="yesterday"),
        _press("backwards", ended_at="2026-03-02T09:00:00+03:00"),
        {"store": "MSK-1", "seller": "MSK-1-S1", "started_at": "2026-03-02T12:00:00+03:00"},
    ]
    response = _post(client, "/api/v1/imports/consultations", body, bearer(personas["admin"]))
    assert response.status_code == 422
    answer = response.json()
    assert answer["accepted"] == 1
    assert [(r["position"], r["field"]) for r in answer["rejections"]] == [
        ("item 2", "seller"),
        ("item 3", "store"),
        ("item 4", "started_at"),
        ("item 5", "started_at"),
        ("item 6", "ended_at"),
        ("item 7", "id"),
    ]
    assert "unknown seller 'NOBODY'" in answer["rejections"][0]["message"]
    assert "in the future" in answer["rejections"][2]["message"]
    assert list(Consultation.objects.values_list("code", flat=True)) == ["ok"]


def test_resending_is_harmless_and_a_double_press_is_one_consultation(client, personas):
    headers = bearer(personas["admin"])
    body = [
        _press("a", "2026-03-02T10:00:00+03:00"),
        _press("a-again", "2026-03-02T10:00:04+03:00"),  # a double press, 4 s later
        _press("b", "2026-03-02T10:00:30+03:00"),
        _press("other", "2026-03-02T10:00:02+03:00", seller="MSK-1-S2"),
    ]
    first = _post(client, "/api/v1/imports/consultations", body, headers).json()
    assert (first["accepted"], first["duplicates"]) == (3, 1)
    second = _post(client, "/api/v1/imports/consultations", body, headers).json()
    assert (second["accepted"], second["duplicates"]) == (0, 4)
    # A press arriving late, just before a stored one, is a double press as well.
    late = _post(
        client,
        "/api/v1/imports/consultations",
        [_press("late", "2026-03-02T10:00:27+03:00")],
        headers,
    ).json()
    assert (late["accepted"], late["duplicates"]) == (0, 1)
    assert Consultation.objects.count() == 3


@override_settings(CXM_CONSULTATION_REPEAT_SECONDS=60)
def test_the_double_press_interval_is_a_setting(client, personas):
    body = [_press("a", "2026-03-02T10:00:00+03:00"), _press("b", "2026-03-02T10:00:30+03:00")]
    answer = _post(client, "/api/v1/imports/consultations", body, bearer(personas["admin"])).json()
    assert (answer["accepted"], answer["duplicates"]) == (1, 1)


def test_a_device_pushes_its_stores_presses_and_no_other_stores(client, chain):
    headers = device_bearer("MSK-1", "button")
    press = {"id": "d1", "seller": "MSK-1-S1", "started_at": "2026-03-02T10:00:00+03:00"}
    response = _post(client, "/api/v1/devices/events/consultations", [press], headers)
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert Consultation.objects.get(code="d1").store.code == "MSK-1"
    foreign = _post(
        client, "/api/v1/devices/events/consultations", [_press("d2", store="MSK-2")], headers
    )
    assert foreign.status_code == 403
    unknown = client.post(
        "/api/v1/devices/events/consultations",
        json.dumps([press]),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer cxmd_not-a-device",
    )
    assert unknown.status_code == 401
    checklists = _post(client, "/api/v1/devices/events/checklists", [], headers)
    assert checklists.status_code == 422  # not a device event kind
    assert Consultation.objects.count() == 1


def test_a_store_manager_imports_their_stores_consultations_only(client, personas):
    headers = bearer(personas["manager"])  # manager of MSK-2
    ok = _post(client, "/api/v1/imports/consultations", [_press("m", store="MSK-2")], headers)
    assert ok.status_code == 200
    refused = _post(client, "/api/v1/imports/consultations", [_press("x")], headers)
    assert refused.status_code == 403
    seller = _post(
        client, "/api/v1/imports/consultations", [_press("s")], bearer(personas["seller"])
    )
    assert seller.status_code == 403


def test_a_seller_presses_their_own_button_with_the_original_times(client, personas):
    headers = bearer(personas["seller"])
    # Queued offline, sent later: the times are those of the presses; store and seller
    # are the caller's whatever the body says.
    body = [
        {"id": "btn-1", "started_at": "2026-03-02T10:00:00+03:00"},
        {"id": "btn-2", "started_at": "2026-03-02T10:20:00+03:00", "seller": "MSK-2-S1"},
    ]
    response = _post(client, "/api/v1/staff/my-consultations", body, headers)
    assert response.status_code == 200 and response.json()["accepted"] == 2
    assert set(Consultation.objects.values_list("seller__code", "store__code")) == {
        ("MSK-1-S1", "MSK-1")
    }
    again = _post(client, "/api/v1/staff/my-consultations", body, headers).json()
    assert again["duplicates"] == 2
    manager = _post(client, "/api/v1/staff/my-consultations", body, bearer(personas["manager"]))
    assert manager.status_code == 403
    assert (
        client.post(
            "/api/v1/staff/my-consultations", "[]", content_type="application/json"
        ).status_code
        == 401
    )


def test_a_consultation_sent_again_with_its_end_gets_it(client, personas):
    headers = bearer(personas["seller"])
    start = {"id": "btn-9", "started_at": "2026-03-02T10:00:00+03:00"}
    assert _post(client, "/api/v1/staff/my-consultations", [start], headers).status_code == 200
    end = {**start, "ended_at": "2026-03-02T10:14:00+03:00"}
    answer = _post(client, "/api/v1/staff/my-consultations", [end], headers).json()
    assert (answer["accepted"], answer["updated"], answer["today"]) == (0, 1, 0)
    assert Consultation.objects.get().ended_at.isoformat() == "2026-03-02T07:14:00+00:00"
    # The end is not changed afterwards, nor taken for another start time.
    later = {**end, "ended_at": "2026-03-02T11:00:00+03:00"}
    assert (
        _post(client, "/api/v1/staff/my-consultations", [later], headers).json()["duplicates"] == 1
    )


def test_cxm_import_reads_consultations_from_a_file(chain, tmp_path, capsys):
    path = tmp_path / "consultations.csv"
    path.write_text(
        "id,store,seller,started_at,ended_at\n"
        "f1,MSK-1,MSK-1-S1,2026-03-02T10:00:00+03:00,2026-03-02T10:12:00+03:00\n"
        "f2,MSK-1,NOBODY,2026-03-02T11:00:00+03:00,\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exited:
        call_command("import", "consultations", str(path))
    assert exited.value.code == 1
    out = capsys.readouterr()
    assert "row 3, seller: unknown seller 'NOBODY'" in out.out + out.err
    assert Consultation.objects.get(code="f1").ended_at is not None
