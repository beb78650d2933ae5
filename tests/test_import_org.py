"""Stores and sellers: upserts by code, registers and aliases, clear rejections."""

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Register, Seller, Store
from tests.conftest import SELLERS, STORES


def test_re_importing_master_data_is_harmless(chain):
    stores = run_import("stores", chain, read_payload(STORES))
    sellers = run_import("sellers", chain, read_payload(SELLERS))
    assert (stores.accepted, stores.updated, stores.duplicates) == (0, 0, 3)
    assert (sellers.accepted, sellers.updated, sellers.duplicates) == (0, 0, 4)


def test_a_changed_store_is_updated(chain):
    changed = dict(STORES[0], name="Москва, Тверская 2", registers=["0000000000000009"])
    result = run_import("stores", chain, read_payload([changed]))
    assert result.updated == 1
    store = Store.objects.get(code="MSK-1")
    assert store.name == "Москва, Тверская 2"
    assert set(store.registers.values_list("kkt_reg_id", flat=True)) == {
        "0000000000000001",
        "0000000000000009",
    }


def test_a_register_of_another_store_is_refused(chain):
    thief = dict(STORES[1], registers=["0000000000000001"])
    result = run_import("stores", chain, read_payload([thief]))
    assert result.rejected[0].field == "registers"
    assert Register.objects.get(kkt_reg_id="0000000000000001").store.code == "MSK-1"


def test_bad_store_fields_are_named(chain):
    bad = [
        {"code": "X1", "name": "x", "region": "Центр", "timezone": "Mars/Olympus"},
        {"code": "X2", "name": "x", "region": "Центр", "lat": 123},
        {"code": "X3", "region": "Центр"},
        {"code": "X4", "name": "x", "region": "Центр", "opening_hours": {"понедельник": []}},
    ]
    result = run_import("stores", chain, read_payload(bad))
    assert [r.field for r in result.rejected] == ["timezone", "lat", "name", "opening_hours"]
    assert not Store.objects.filter(code__startswith="X").exists()


def test_a_seller_of_an_unknown_store_is_rejected(chain):
    result = run_import(
        "sellers", chain, read_payload([{"code": "S9", "name": "Некто", "store": "NOPE"}])
    )
    assert result.rejected[0].field == "store"
    assert not Seller.objects.filter(code="S9").exists()


def test_an_alias_already_used_by_another_seller_is_refused(chain):
    clash = {
        "code": "S9",
        "name": "Новый",
        "store": "MSK-1",
        "aliases": ["Иванова Мария Сергеевна"],
    }
    result = run_import("sellers", chain, read_payload([clash]))
    assert result.rejected[0].field == "aliases"
