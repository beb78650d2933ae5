"""POST /api/v1/imports/{kind}: the import contract over HTTP — happy paths, bad input,
idempotency, body limits and who may send what."""

import json

import pytest

from cxm.api import bodies
from cxm.org.models import Seller, Store
from cxm.sales.models import Receipt
from cxm.traffic.models import VisitorCount
from tests.factories import bearer, count, receipt


@pytest.fixture
def post(client, personas):
    """POST an import as a persona (the chain admin unless told)."""

    def send(kind, body, *, as_="admin", content_type="application/json", query=""):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post(
            f"/api/v1/imports/{kind}{query}",
            data,
            content_type=content_type,
            **bearer(personas[as_]),
        )

    return send


def test_receipts_are_imported_from_a_json_array(post):
    response = post("receipts", [receipt(1), receipt(2, "0000000000000003")])
    assert response.status_code == 200
    assert response.json() == {
        "kind": "receipts",
        "accepted": 2,
        "duplicates": 0,
        "updated": 0,
        "rejected": 0,
        "rejections": [],
    }
    assert sorted(Receipt.objects.values_list("store__code", flat=True)) == ["MSK-1", "NSK-1"]


def test_a_single_object_is_one_record(post):
    response = post("traffic", count())
    assert (response.status_code, response.json()["accepted"]) == (200, 1)


def test_json_lines_are_read_line_by_line(post):
    body = "\n".join(json.dumps(c) for c in [count(), count(start="2026-03-02T11:00:00+03:00")])
    response = post("traffic", body, content_type="application/x-ndjson")
    assert (response.status_code, response.json()["accepted"]) == (200, 2)


def test_a_bad_json_line_is_rejected_by_line_and_the_others_kept(post):
    body = json.dumps(count()) + "\n{not json\n"
    response = post("traffic", body, content_type="application/x-ndjson")
    assert response.status_code == 422
    assert response.json()["rejections"][0]["position"] == "line 2"
    assert VisitorCount.objects.count() == 1


def test_re_sending_the_same_batch_changes_nothing(post):
    first = post("receipts", [receipt(1), receipt(2)])
    again = post("receipts", [receipt(1), receipt(2)])
    assert first.json()["accepted"] == 2
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 2)
    assert Receipt.objects.count() == 2


def test_a_duplicate_inside_one_call_is_counted_as_a_duplicate(post):
    response = post("receipts", [receipt(1), receipt(1)])
    assert (response.json()["accepted"], response.json()["duplicates"]) == (1, 1)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.pop("fiscalDriveNumber"), "fiscalDriveNumber"),
        (lambda r: r.pop("dateTime"), "dateTime"),
        (lambda r: r.update(operationType=9), "operationType"),
        (lambda r: r["items"][0].update(quantity=-1), "items[0].quantity"),
    ],
)
def test_a_bad_receipt_is_rejected_naming_its_field_and_the_good_ones_are_kept(post, mutate, field):
    bad = receipt(2)
    mutate(bad)
    response = post("receipts", [receipt(1), bad, receipt(3)])
    assert response.status_code == 422
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    (rejection,) = body["rejections"]
    assert rejection["position"] == "item 2"
    assert rejection["field"].startswith(field)
    assert rejection["message"]
    assert Receipt.objects.count() == 2


def test_an_unknown_store_is_rejected_naming_the_store_field(post):
    response = post("traffic", [count(store="NOPE")])
    assert response.status_code == 422
    (rejection,) = response.json()["rejections"]
    assert rejection["field"] == "store"
    assert "NOPE" in rejection["message"]


def test_missing_fields_are_rejected_by_name(post):
    response = post("stores", [{"code": "EKB-1"}])
    assert response.status_code == 422
    assert response.json()["rejections"][0]["field"] == "name"


def test_store_and_seller_master_data_are_upserted(post):
    response = post("stores", [{"code": "EKB-1", "name": "Екатеринбург", "region": "Урал"}])
    assert response.json()["accepted"] == 1
    response = post("sellers", [{"code": "EKB-1-S1", "name": "Орлов Пётр", "store": "EKB-1"}])
    assert response.json()["accepted"] == 1
    assert Seller.objects.get(code="EKB-1-S1").store.code == "EKB-1"


def test_the_store_parameter_takes_receipts_of_an_unmapped_register(post):
    response = post("receipts", [receipt(1, "5555555555555555")], query="?store=MSK-2")
    assert response.status_code == 200
    assert Receipt.objects.get().store.code == "MSK-2"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('[{"store": "MSK-1",', "application/json", 400),
        ("", "application/json", 400),
        ("[1, 2] 3", "application/json", 400),
        ("[]", "text/plain", 415),
        ("store=MSK-1", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_cannot_be_read_is_refused_whole(post, body, content_type, status):
    response = post("traffic", body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["detail"]
    assert VisitorCount.objects.count() == 0


def test_a_valid_batch_cut_short_writes_nothing(post):
    body = json.dumps([count(), count(start="2026-03-02T11:00:00+03:00")])[:-5]
    assert post("traffic", body).status_code == 400
    assert VisitorCount.objects.count() == 0


def test_an_unknown_kind_is_422_naming_the_kind(post):
    response = post("bananas", [])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "kind"]


def test_a_body_over_the_limit_is_413(post, monkeypatch):
    monkeypatch.setattr(bodies, "MAX_IMPORT_BYTES", 1000)
    response = post("traffic", [count(start=f"2026-03-02T{h:02d}:00:00+03:00") for h in range(24)])
    assert response.status_code == 413
    assert "MB" in response.json()["detail"]
    assert VisitorCount.objects.count() == 0


def test_a_body_larger_than_djangos_form_limit_streams_through(post):
    # Django refuses request.body over 2.5 MB; imports must not read it that way.
    records = [
        count(start=f"2026-{m:02d}-{d:02d}T{h:02d}:00:00+03:00", store=s)
        for m in (1, 2)
        for d in range(1, 29)
        for h in range(8, 22)
        for s in ("MSK-1", "MSK-2")
    ]
    body = json.dumps(records * 16)
    assert len(body) > 2.5 * 1024 * 1024
    response = post("traffic", body)
    assert response.status_code == 200
    assert response.json()["accepted"] == len(records)
    assert response.json()["duplicates"] == len(records) * 15


# --- who may send what ---


@pytest.mark.parametrize("persona", ["analyst", "seller", "manager", "regional"])
@pytest.mark.parametrize("kind", ["stores", "sellers"])
def test_only_a_chain_admin_imports_master_data(post, persona, kind):
    record = {"code": "X-1", "name": "X", "region": "Центр", "store": "MSK-2"}
    response = post(kind, [record], as_=persona)
    assert response.status_code == 403
    assert not Store.objects.filter(code="X-1").exists()


@pytest.mark.parametrize("persona", ["analyst", "seller"])
def test_analysts_and_sellers_send_no_facts(post, persona):
    assert post("traffic", [count()], as_=persona).status_code == 403


def test_a_store_manager_sends_receipts_and_traffic_of_their_store(post):
    assert post("receipts", [receipt(1, "0000000000000002")], as_="manager").status_code == 200
    assert post("traffic", [count(store="MSK-2")], as_="manager").status_code == 200


def test_one_record_for_another_store_refuses_the_managers_whole_call(post):
    # MSK-1's register: the manager of MSK-2 must not write there, even by register.
    response = post(
        "receipts",
        [receipt(1, "0000000000000002"), receipt(2, "0000000000000001")],
        as_="manager",
    )
    assert response.status_code == 403
    assert "item 2" in response.json()["detail"]
    assert "MSK-1" not in response.json()["detail"]  # the register map is not revealed
    assert Receipt.objects.count() == 0


def test_a_manager_cannot_send_traffic_of_another_store(post):
    response = post("traffic", [count(store="MSK-2"), count(store="NSK-1")], as_="manager")
    assert response.status_code == 403
    assert VisitorCount.objects.count() == 0


def test_a_regional_manager_sends_only_their_regions_stores(post):
    assert post("traffic", [count(store="NSK-1")], as_="regional").status_code == 200
    assert post("traffic", [count(store="MSK-1")], as_="regional").status_code == 403


def test_a_default_store_outside_the_managers_scope_is_403(post):
    response = post(
        "receipts", [receipt(1, "5555555555555555")], as_="manager", query="?store=MSK-1"
    )
    assert response.status_code == 403
    assert Receipt.objects.count() == 0


def test_an_outsider_cannot_write_into_another_chains_stores(post):
    response = post("receipts", [receipt(1, "0000000000000001")], as_="outsider")
    assert response.status_code == 422
    assert response.json()["rejections"][0]["field"] == "kktRegId"
    assert "MSK" not in response.content.decode()
    response = post("traffic", [count(store="MSK-1")], as_="outsider")
    assert response.json()["rejections"][0]["field"] == "store"
    assert Receipt.objects.count() == VisitorCount.objects.count() == 0


def test_an_outsider_learns_nothing_from_another_chains_register(post):
    record = {"code": "OTH-2", "name": "X", "region": "Запад", "registers": ["0000000000000001"]}
    response = post("stores", [record], as_="outsider")
    assert response.status_code == 422
    assert response.json()["rejections"][0]["field"] == "registers"
    assert "MSK" not in response.content.decode()
