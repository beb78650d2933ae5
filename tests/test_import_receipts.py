"""Receipts in: native FNS JSON, wrappers, time zones, sellers, bad input, idempotency."""

import json
from datetime import UTC, datetime

import pytest

from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Store
from cxm.sales.models import Receipt, ReceiptItem
from tests.factories import receipt


def imported(chain, records, **kwargs):
    return run_import("receipts", chain, read_payload(records), **kwargs)


def test_it_imports_a_receipt_with_its_items_store_and_seller(chain):
    result = imported(chain, [receipt(1)])
    assert (result.accepted, result.duplicates, result.rejected) == (1, 0, [])
    saved = Receipt.objects.get()
    assert saved.store.code == "MSK-1"
    assert saved.seller.code == "MSK-1-S1"
    assert saved.total == 150000
    assert saved.units == 2
    assert [i.name for i in saved.items.order_by("position")] == [
        "Смартфон Samsung Galaxy A55 8/256GB",
        "Чехол-книжка для Samsung A55",
    ]


def test_it_reads_time_without_offset_as_the_stores_local_time(chain):
    imported(chain, [receipt(1, "0000000000000003", when="2026-03-02T08:46:00")])
    saved = Receipt.objects.get()
    assert saved.at == datetime(2026, 3, 2, 1, 46, tzinfo=UTC)  # Novosibirsk is UTC+7
    assert (saved.day.isoformat(), saved.hour) == ("2026-03-02", 8)


def test_a_late_evening_receipt_in_siberia_belongs_to_the_local_day(chain):
    imported(chain, [receipt(1, "0000000000000003", when="2026-03-02T23:30:00+07:00")])
    assert Receipt.objects.get().day.isoformat() == "2026-03-02"


def test_re_sending_the_same_receipts_changes_nothing(chain):
    imported(chain, [receipt(1), receipt(2)])
    again = imported(chain, [receipt(1), receipt(2), receipt(3)])
    assert (again.accepted, again.duplicates) == (1, 2)
    assert Receipt.objects.count() == 3
    assert ReceiptItem.objects.count() == 6


def test_a_duplicate_inside_one_file_is_counted_once(chain):
    result = imported(chain, [receipt(1), receipt(1)])
    assert (result.accepted, result.duplicates) == (1, 1)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.pop("fiscalDriveNumber"), "fiscalDriveNumber"),
        (lambda r: r.update(operationType=9), "operationType"),
        (lambda r: r["items"][0].update(quantity=-1), "items[0].quantity"),
        (lambda r: r.update(totalSum=1), "totalSum"),
        (lambda r: r.update(dateTime="вчера"), "dateTime"),
        (lambda r: r.update(kktRegId="7777777777777777"), "kktRegId"),
    ],
)
def test_a_bad_receipt_is_rejected_naming_its_field_and_the_good_ones_are_kept(
    chain, mutate, field
):
    bad = receipt(2)
    mutate(bad)
    result = imported(chain, [receipt(1), bad, receipt(3)])
    assert result.accepted == 2
    assert len(result.rejected) == 1
    rejection = result.rejected[0]
    assert rejection.position == "item 2"
    assert rejection.field.startswith(field)
    assert rejection.message
    assert sorted(Receipt.objects.values_list("fiscal_document_number", flat=True)) == [1, 3]


def test_an_unknown_store_code_is_rejected(chain):
    bad = receipt(1, register="")
    bad["store"] = "NOPE"
    result = imported(chain, [bad])
    assert result.rejected[0].field == "store"
    assert "NOPE" in result.rejected[0].message


def test_an_unmapped_register_goes_to_the_default_store(chain):
    msk2 = Store.objects.get(code="MSK-2")
    result = imported(chain, [receipt(1, register="5555555555555555")], default_store=msk2)
    assert result.accepted == 1
    assert Receipt.objects.get().store == msk2


def test_it_unwraps_the_fns_app_export(chain):
    export = [
        {"_id": "a", "ticket": {"document": {"receipt": receipt(1)}}},
        {"_id": "b", "ticket": {"document": {"receipt": receipt(2)}}},
    ]
    result = imported(chain, export)
    assert result.accepted == 2


def test_a_return_is_kept_as_a_return(chain):
    imported(chain, [receipt(1), receipt(2, operation=2, total=50000 + 50000)])
    assert sorted(Receipt.objects.values_list("operation_type", flat=True)) == [1, 2]


def test_items_get_categories_from_the_default_rules(chain):
    imported(chain, [receipt(1)])
    categories = list(
        ReceiptItem.objects.order_by("position").values_list("category__name", flat=True)
    )
    assert categories == ["Смартфоны", "Аксессуары для смартфонов"]


def test_a_seller_is_found_by_a_printed_name_with_latin_look_alikes(chain):
    # "С" and "а" below are Latin letters, as cash registers sometimes print them.
    imported(chain, [receipt(1, operator="Ивановa Мария Cергеевна")])
    assert Receipt.objects.get().seller.code == "MSK-1-S1"


def test_a_record_that_is_not_an_object_is_rejected(chain):
    result = imported(chain, [json.dumps(receipt(1)), receipt(2)])
    assert result.accepted == 1
    assert result.rejected[0].position == "item 1"


def test_ids_taken_up_front_never_reuse_a_deleted_receipts_id_and_lines_follow_them(chain):
    imported(chain, [receipt(1), receipt(2)])
    highest = Receipt.objects.order_by("-pk").first()
    gone = highest.pk
    highest.delete()
    imported(chain, [receipt(3), receipt(4)])
    fresh = Receipt.objects.filter(fiscal_document_number__in=[3, 4]).order_by("pk")
    assert all(r.pk > gone for r in fresh)
    for r in fresh:
        assert r.items.count() == 2
        assert sum(i.sum for i in r.items.all()) == r.total
