"""The native FNS/OFD receipt JSON (ФФД 1.05/1.1/1.2) parser.

Receipt shapes and field vocabulary follow /work/shared/research/ofd-apis-and-ffd.md
(§1, §2, §3) and docs/import-contract.md. The Khabarovsk receipt below reuses the
requisites of the real receipt quoted there (QR `t=20240917T1801&s=1285.21
&fn=7281440500751551&i=30526&fp=1168453787&n=1`, dateTime "2024-09-17T18:01:00"); its lines
are made up so that they add up to the printed total of 1 285.21 ₽.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cxm.sales.ffd import ParsedItem, ReceiptError, iter_receipt_dicts, parse_receipt


def khabarovsk_receipt() -> dict:
    """An FFD 1.2 receipt as the FNS "Проверка чеков" app exports it."""
    return {
        "code": 3,
        "fiscalDocumentFormatVer": 4,
        "user": 'ООО "АГРОТОРГ"',
        "userInn": "7825706086  ",  # padded to 12, as legal entities' INNs are
        "kktRegId": "0007795807005569    ",  # padded to 20
        "fiscalDriveNumber": "7281440500751551",
        "fiscalDocumentNumber": 30526,
        "fiscalSign": 1168453787,
        "dateTime": "2024-09-17T18:01:00",
        "shiftNumber": 212,
        "requestNumber": 87,
        "operationType": 1,
        "appliedTaxationType": 1,
        "operator": "Блинкова Римма Cергеевна, Продавец-каccир",  # Latin C and c inside
        "operatorInn": "272390317090",
        "retailPlace": "37S0 26151-Пятерочка",
        "retailPlaceAddress": "680000, Хабаровский край, г. Хабаровск, ул. Ленина, д. 1",
        "items": [
            {
                "name": "Молоко ПРОСТОКВАШИНО 3,2% 930мл",
                "price": 8999,
                "quantity": 2,
                "sum": 17998,
                "nds": 2,
                "ndsSum": 1636,
                "paymentType": 4,
                "productType": 1,
                "itemsQuantityMeasure": 0,
            },
            {
                "name": "Бананы весовые",
                "price": 14999,
                "quantity": 2.474,  # kilograms: 14 999 × 2.474 = 37 107.5 → 37 108
                "sum": 37108,
                "nds": 2,
                "ndsSum": 3373,
                "paymentType": 4,
                "productType": 1,
                "itemsQuantityMeasure": 11,
            },
            {
                "name": "  Кофе JACOBS Monarch раств. 240г  ",
                "price": 73415,
                "quantity": 1,
                "sum": 73415,
                "nds": 1,
                "ndsSum": 12236,
                "paymentType": 4,
                "productType": 33,
                "productCodeData": {"gtin": "04607001771555", "productIdType": 5},
            },
        ],
        "totalSum": 128521,
        "cashTotalSum": 0,
        "ecashTotalSum": 128521,
        "prepaidSum": 0,
        "creditSum": 0,
        "provisionSum": 0,
        "nds18": 12236,
        "nds10": 5009,
        "fnsUrl": "www.nalog.gov.ru",
        "messageFiscalSign": 9297427051484218000,
        "redefine_mask": 0,
        "region": "27",
        "numberKkt": "00106704040217",
        "metadata": {
            "id": 5096743461,
            "ofdId": "ofd22",
            "receiveDate": "2024-09-17T11:01:24Z",
            "subtype": "receipt",
        },
        "rawData": "AwCmAREEEAA3MjgxNDQwNTAwNzUxNTUx",
    }


def with_fields(**changes) -> dict:
    receipt = khabarovsk_receipt()
    for key, value in changes.items():
        if value is ...:
            receipt.pop(key)
        else:
            receipt[key] = value
    return receipt


def one_line(**item_fields) -> dict:
    """A one-line receipt whose only item has these fields (and matching totals)."""
    item = {"name": "Товар", "price": 10000, "quantity": 1, "sum": 10000} | item_fields
    item = {key: value for key, value in item.items() if value is not ...}
    total = item["sum"] if isinstance(item.get("sum"), int) else 10000
    return with_fields(items=[item], totalSum=total, ecashTotalSum=total)


def error_of(raw) -> ReceiptError:
    with pytest.raises(ReceiptError) as caught:
        parse_receipt(raw)
    return caught.value


# --- a whole real-shaped receipt ---------------------------------------------------------


def test_a_real_shaped_ffd_12_receipt_is_read_field_by_field():
    parsed = parse_receipt(khabarovsk_receipt())
    assert parsed.fiscal_drive_number == "7281440500751551"
    assert parsed.fiscal_document_number == 30526
    assert parsed.fiscal_sign == "1168453787"
    assert parsed.kkt_reg_id == "0007795807005569"  # padding stripped
    assert parsed.operation_type == 1
    assert parsed.local_time == datetime(2024, 9, 17, 18, 1)
    assert parsed.local_time.tzinfo is None  # Khabarovsk wall time, zone from the store
    assert parsed.total == 128521
    assert parsed.cash == 0
    assert parsed.ecash == 128521
    assert parsed.operator == "Блинкова Римма Cергеевна, Продавец-каccир"
    assert parsed.operator_inn == "272390317090"
    assert parsed.retail_place == "37S0 26151-Пятерочка"
    assert parsed.retail_place_address.startswith("680000, Хабаровский край")
    assert parsed.store_code is None
    assert parsed.seller_code is None
    assert parsed.document_code == 3
    assert parsed.items == (
        ParsedItem(1, "Молоко ПРОСТОКВАШИНО 3,2% 930мл", 8999, Decimal("2.000"), 17998),
        ParsedItem(2, "Бананы весовые", 14999, Decimal("2.474"), 37108),
        ParsedItem(3, "Кофе JACOBS Monarch раств. 240г", 73415, Decimal("1.000"), 73415),
    )


def test_the_total_in_kopecks_matches_the_roubles_of_the_qr_code():
    # QR s=1285.21 ₽ is the same amount as totalSum 128521 kopecks
    assert parse_receipt(khabarovsk_receipt()).total == 128_521


def test_the_receipt_passed_in_is_not_modified():
    raw = khabarovsk_receipt()
    before = copy.deepcopy(raw)
    parse_receipt(raw)
    assert raw == before


def test_unknown_keys_are_ignored():
    raw = khabarovsk_receipt() | {"someNewTag2200": {"x": [1, 2]}, "internetSign": 1}
    raw["items"][0]["someItemTag"] = "whatever"
    assert parse_receipt(raw) == parse_receipt(khabarovsk_receipt())


def test_an_ffd_105_receipt_with_unix_time_and_retail_address():
    # OFD → FNS JSON of FFD 1.05 (yandex/ofd schema, SBIS API): 1012 as Unix seconds,
    # receiptCode instead of code, string quantity as Taxcom prints it, retailAddress (the
    # yandex binary library's name for 1009), ФН as a number.
    raw = {
        "receiptCode": 3,
        "fiscalDocumentFormatVer": 2,
        "fiscalDriveNumber": 9999078900004792,
        "fiscalDocumentNumber": "1203",
        "fiscalSign": "3393623696",
        "kktRegId": "0000000000000003",
        "dateTime": 1_000_000_000,  # 2001-09-09 01:46:40 as wall time
        "operationType": 2,
        "operator": "КАССИР N 1",
        "retailAddress": "Новосибирск, Красный пр., 1",
        "items": [{"name": "Чехол", "price": 1400, "quantity": "1.000000", "sum": 1400}],
        "totalSum": 1400,
        "cashTotalSum": "1400",
    }
    parsed = parse_receipt(raw)
    assert parsed.fiscal_drive_number == "9999078900004792"
    assert parsed.fiscal_document_number == 1203
    assert parsed.local_time == datetime(2001, 9, 9, 1, 46, 40)
    assert parsed.operation_type == 2
    assert parsed.retail_place_address == "Новосибирск, Красный пр., 1"
    assert parsed.cash == 1400
    assert parsed.ecash == 0  # absent means nothing paid that way
    assert parsed.items[0].quantity == Decimal("1.000")
    assert parsed.document_code == 3


# --- wrappers ----------------------------------------------------------------------------


def parsed_from(obj) -> list:
    return [parse_receipt(raw) for raw in iter_receipt_dicts(obj)]


def test_a_bare_receipt_is_yielded_as_it_is():
    raw = khabarovsk_receipt()
    assert list(iter_receipt_dicts(raw)) == [raw]
    assert next(iter(iter_receipt_dicts(raw))) is raw  # no copy when nothing is added


def test_a_list_of_receipts():
    first, second = khabarovsk_receipt(), with_fields(fiscalDocumentNumber=30527)
    numbers = [r.fiscal_document_number for r in parsed_from([first, second])]
    assert numbers == [30526, 30527]


def test_the_document_receipt_wrapper():
    (parsed,) = parsed_from({"document": {"receipt": khabarovsk_receipt()}})
    assert parsed == parse_receipt(khabarovsk_receipt())


def test_the_fns_check_app_export():
    # the "Проверка чеков" app's export: a list of {_id, createdAt, ticket: {document: …}}
    export = [
        {
            "_id": "66e9452c3a1b2c0012345678",
            "createdAt": "2024-09-17T08:02:11+00:00",
            "ticket": {"document": {"receipt": khabarovsk_receipt()}},
        },
        {
            "_id": "66e9452c3a1b2c0012345679",
            "createdAt": "2024-09-17T08:05:40+00:00",
            "ticket": {"document": {"receipt": with_fields(fiscalDocumentNumber=30530)}},
        },
    ]
    assert [r.fiscal_document_number for r in parsed_from(export)] == [30526, 30530]


def test_the_fns_mobile_api_ticket_answer():
    # irkkt-mobile answer: operation/query summaries beside ticket.document.receipt
    answer = {
        "id": "66e9452c3a1b2c0012345678",
        "kind": "kkt",
        "status": 2,
        "operation": {"date": "2024-09-17T18:01", "type": 1, "sum": 128521},
        "query": {"fiscalDocumentNumber": 30526, "fiscalDriveId": "7281440500751551"},
        "ticket": {"document": {"receipt": khabarovsk_receipt()}},
    }
    (parsed,) = parsed_from(answer)
    assert parsed.total == 128521


def test_the_sbis_document_list():
    # СБИС ОФД …/docs: an array of {"receipt": …} and other documents in FNS JSON
    docs = [{"receipt": with_fields(dateTime=1_726_596_060)}]
    (parsed,) = parsed_from(docs)
    assert parsed.local_time == datetime(2024, 9, 17, 18, 1)


def test_the_kontur_documents_by_period_answer():
    # Контур.ОФД documents/by-period: {"documents": [{"receipt": …}, …], "paging": …}
    receipt = with_fields(code=...)
    receipt["receiptCode"] = 3
    answer = {"documents": [{"receipt": receipt}], "paging": {"nextOffset": "abc"}}
    (parsed,) = parsed_from(answer)
    assert parsed.fiscal_document_number == 30526


def test_a_first_ofd_document_with_its_ticket():
    # 1-OFD /documents: each document repeats the requisites next to its "ticket"
    answer = {
        "documents": [
            {
                "transactionType": "TICKET",
                "transactionDate": "2024-09-17T18:01:00",
                "kkmRegId": "0007795807005569",
                "fiscalDriveNumber": "7281440500751551",
                "fiscalDocumentNumber": 30526,
                "ticket": khabarovsk_receipt(),
            }
        ]
    }
    (parsed,) = parsed_from(answer)
    assert parsed.total == 128521


def test_the_platforma_receipts_answer():
    # Платформа ОФД lists receipts under "receipts"
    answer = {"receipts_found": 1, "receipts_count": 1, "receipts": [khabarovsk_receipt()]}
    assert len(parsed_from(answer)) == 1


def test_the_wrapper_key_gives_the_document_code():
    correction = with_fields(code=...)
    correction["correctionType"] = 0
    assert parsed_from({"receiptCorrection": correction})[0].document_code == 31
    bso = with_fields(code=..., items=...)
    bso["totalSum"] = 50000
    (parsed,) = parsed_from({"document": {"bso": bso}})
    assert parsed.document_code == 4
    assert parsed.items == ()  # a БСО need not list lines
    assert parsed_from({"bsoCorrection": bso})[0].document_code == 41


def test_a_code_in_the_receipt_wins_over_the_wrapper_key():
    assert parsed_from({"receiptCorrection": with_fields(code=3)})[0].document_code == 3


def test_a_store_on_a_wrapper_is_carried_onto_the_receipt():
    wrapped = {"store": "NSK-1", "document": {"receipt": khabarovsk_receipt()}}
    assert parsed_from(wrapped)[0].store_code == "NSK-1"
    export = [{"_id": "x", "store": "MSK-2", "ticket": {"document": {"receipt": with_fields()}}}]
    assert parsed_from(export)[0].store_code == "MSK-2"


def test_the_receipts_own_store_wins_over_the_wrappers():
    wrapped = {"store": "NSK-1", "receipt": with_fields(store="MSK-1")}
    assert parsed_from(wrapped)[0].store_code == "MSK-1"


def test_something_that_is_no_receipt_is_passed_on_to_be_rejected():
    stray = {"openShift": {"shiftNumber": 5}}
    assert list(iter_receipt_dicts(stray)) == [stray]
    error = error_of(stray)
    assert error.field == "receipt"
    assert "openShift" in error.message
    assert list(iter_receipt_dicts("text")) == ["text"]
    assert error_of("text").field == "receipt"
    assert error_of([1, 2]).field == "receipt"


def test_iter_receipt_dicts_is_lazy_over_a_large_export():
    # 20 000 receipts in the app-export shape, as one decoded JSON file
    text = json.dumps(
        [
            {
                "_id": str(n),
                "ticket": {"document": {"receipt": with_fields(fiscalDocumentNumber=n)}},
            }
            for n in range(1, 20_001)
        ]
    )
    receipts = iter_receipt_dicts(json.loads(text))
    first = next(receipts)
    assert first["fiscalDocumentNumber"] == 1
    total = sum(parse_receipt(raw).total for raw in receipts) + parse_receipt(first).total
    assert total == 20_000 * 128_521


# --- operation type (tag 1054) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "operation"),
    [
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
        ("2", 2),
        ("Income", 1),  # OFD.ru
        ("Refund income", 2),
        ("Expense", 3),
        ("Refund expense", 4),
        ("IncomeReturn", 2),  # Taxcom
        ("Expenditure", 3),
        ("ExpenditureReturn", 4),
        ("income_return", 2),  # Yandex legacy
        ("outcome", 3),
        ("outcome_return", 4),
        ("sell_refund", 2),  # ATOL
        ("buy", 3),
        ("Приход", 1),
        ("Возврат прихода", 2),
        ("Расход", 3),
        ("Возврат расхода", 4),
    ],
)
def test_operation_type_numbers_and_provider_words(value, operation):
    assert parse_receipt(with_fields(operationType=value)).operation_type == operation


@pytest.mark.parametrize("value", [0, 5, "5", "refund", 1.0, True, [1], "", "возврат"])
def test_an_unknown_operation_type_is_refused(value):
    error = error_of(with_fields(operationType=value))
    assert error.field == "operationType"
    assert "return of sale" in error.message


def test_a_missing_operation_type_is_refused():
    assert error_of(with_fields(operationType=...)).field == "operationType"


# --- dateTime (tag 1012) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-09-17T18:01:00", datetime(2024, 9, 17, 18, 1)),
        ("2024-09-17T18:01", datetime(2024, 9, 17, 18, 1)),
        ("2024-09-17 18:01:00", datetime(2024, 9, 17, 18, 1)),
        ("2022-07-06T08:08:00.000", datetime(2022, 7, 6, 8, 8)),
        (" 2024-12-23T08:46:00 ", datetime(2024, 12, 23, 8, 46)),
        (0, datetime(1970, 1, 1)),
        (86_400, datetime(1970, 1, 2)),
        (1_000_000_000, datetime(2001, 9, 9, 1, 46, 40)),
        ("1000000000", datetime(2001, 9, 9, 1, 46, 40)),  # from a CSV cell
        (2**32 - 1, datetime(2106, 2, 7, 6, 28, 15)),  # the largest 4-byte UnixTime
    ],
)
def test_a_time_without_offset_is_naive_local_wall_time(value, expected):
    parsed = parse_receipt(with_fields(dateTime=value))
    assert parsed.local_time == expected
    assert parsed.local_time.tzinfo is None


def test_unix_seconds_are_the_wall_time_encoded_as_if_utc():
    # 2024-09-17 18:01:00 counted as UTC: 19 983 days since 1970-01-01 plus 18:01.
    days = (datetime(2024, 9, 17) - datetime(1970, 1, 1)).days
    assert days == 19_983
    seconds = days * 86_400 + 18 * 3_600 + 60
    parsed = parse_receipt(with_fields(dateTime=seconds))
    assert parsed.local_time == datetime(2024, 9, 17, 18, 1)


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        ("2024-09-17T18:01:00+10:00", timedelta(hours=10)),
        ("2024-12-23T08:46:00+07:00", timedelta(hours=7)),
        ("2024-09-17T08:01:00Z", timedelta(0)),
        ("2024-09-17T05:01:00-03:00", timedelta(hours=-3)),
    ],
)
def test_a_time_with_an_offset_is_taken_as_given(value, offset):
    parsed = parse_receipt(with_fields(dateTime=value))
    assert parsed.local_time.utcoffset() == offset
    # all of these but the Novosibirsk one are the same instant
    if offset != timedelta(hours=7):
        assert parsed.local_time == datetime(2024, 9, 17, 8, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "2024-13-45T00:00:00",
        "2024-09-17",  # a bare date would put every receipt at midnight
        "17.09.2024 18:01",
        "2022.07.06 08:08:00.000",
        "",
        -1,
        2**32,
        1_726_596_060.0,
        True,
        {"$date": 1},
    ],
)
def test_a_bad_date_time_is_refused(value):
    error = error_of(with_fields(dateTime=value))
    assert error.field == "dateTime"


def test_a_missing_date_time_is_refused():
    error = error_of(with_fields(dateTime=...))
    assert (error.field, error.message) == ("dateTime", "dateTime is missing")


# --- quantities, prices and sums ---------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (2, "2.000"),
        (250, "250.000"),
        (2.5, "2.500"),
        (0.333, "0.333"),
        ("2.5", "2.500"),
        ("0.333", "0.333"),
        ("1.000000", "1.000"),
        (" 3 ", "3.000"),
        ("0.0005", "0.001"),  # half-up at the third decimal
        ("2.4745", "2.475"),
        ("2.4744", "2.474"),
        ("1e1", "10.000"),
    ],
)
def test_quantities_are_decimals_with_three_places(quantity, expected):
    (item,) = parse_receipt(one_line(quantity=quantity)).items
    assert item.quantity == Decimal(expected)
    assert item.quantity.as_tuple().exponent == -3


def test_the_line_sum_is_what_was_paid_not_price_times_quantity():
    # 10% discount on two cartons: price 89.99 ₽ × 2 = 179.98 ₽, paid 161.98 ₽
    (item,) = parse_receipt(one_line(price=8999, quantity=2, sum=16198)).items
    assert (item.price, item.sum) == (8999, 16198)


def test_a_missing_unit_price_is_worked_out_from_the_sum():
    # 37 108 kopecks for 2.474 kg: 14 999.19… → 14 999 kopecks a kilogram
    (item,) = parse_receipt(one_line(price=..., quantity=2.474, sum=37108)).items
    assert item.price == 14999


def test_money_may_arrive_as_digit_strings_or_whole_floats():
    raw = one_line(price="10000", sum=10000.0)
    raw["totalSum"] = "10000"
    raw["ecashTotalSum"] = "10000"
    parsed = parse_receipt(raw)
    assert (parsed.total, parsed.ecash, parsed.items[0].price, parsed.items[0].sum) == (
        10000,
        10000,
        10000,
        10000,
    )
    assert all(type(v) is int for v in (parsed.total, parsed.items[0].price))


def test_a_free_line_is_allowed():
    (item,) = parse_receipt(one_line(price=0, sum=0)).items
    assert (item.price, item.sum) == (0, 0)


def test_eCashTotalSum_is_read_as_ecashTotalSum():
    raw = with_fields(ecashTotalSum=...)
    raw["eCashTotalSum"] = 128521
    assert parse_receipt(raw).ecash == 128521


# --- cashier and additional requisite 1084 -----------------------------------------------


def test_operator_and_operator_inn_are_stripped_text():
    parsed = parse_receipt(with_fields(operator="  Иванова Мария  ", operatorInn=772012345678))
    assert (parsed.operator, parsed.operator_inn) == ("Иванова Мария", "772012345678")


def test_operator_may_be_absent():
    parsed = parse_receipt(with_fields(operator=..., operatorInn=...))
    assert (parsed.operator, parsed.operator_inn) == ("", "")


@pytest.mark.parametrize(
    "properties",
    [
        {"propertyName": "продавец", "propertyValue": "MSK-1-S1"},  # FNS FFD 1.2 export
        {"propertyName": "Код продавца", "propertyValue": " MSK-1-S1 "},
        [{"key": "loyalty", "value": "123"}, {"key": "seller", "value": "MSK-1-S1"}],  # Kontur
        [{"propertyName": "SELLER_CODE", "propertyValue": "MSK-1-S1"}],
    ],
)
def test_a_seller_code_in_requisite_1084(properties):
    assert parse_receipt(with_fields(properties=properties)).seller_code == "MSK-1-S1"


def test_a_seller_code_in_the_older_properties_user_name():
    raw = with_fields(propertiesUser={"propertyName": "продавец", "propertyValue": "S7"})
    assert parse_receipt(raw).seller_code == "S7"


def test_a_numeric_seller_code_becomes_text():
    raw = with_fields(properties={"propertyName": "seller", "propertyValue": 42})
    assert parse_receipt(raw).seller_code == "42"


@pytest.mark.parametrize(
    "properties",
    [
        {"propertyName": "номер заказа", "propertyValue": "A-1"},
        [{"key": "loyalty", "value": "123"}],
        {"propertyName": "seller", "propertyValue": ""},
        {"propertyName": "seller", "propertyValue": True},
        "seller=MSK-1-S1",
        [None, 5],
    ],
)
def test_other_requisite_1084_content_is_no_seller(properties):
    assert parse_receipt(with_fields(properties=properties)).seller_code is None


# --- refusals name the field -------------------------------------------------------------


def bad_item(index: int, **fields) -> dict:
    raw = khabarovsk_receipt()
    for key, value in fields.items():
        if value is ...:
            raw["items"][index].pop(key)
        else:
            raw["items"][index][key] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (with_fields(fiscalDocumentNumber=...), "fiscalDocumentNumber"),
        (with_fields(fiscalDocumentNumber="12a"), "fiscalDocumentNumber"),
        (with_fields(fiscalDocumentNumber=0), "fiscalDocumentNumber"),
        (with_fields(fiscalDocumentNumber=12.0), "fiscalDocumentNumber"),
        (with_fields(fiscalDriveNumber=...), "fiscalDriveNumber"),
        (with_fields(fiscalDriveNumber="   "), "fiscalDriveNumber"),
        (with_fields(fiscalDriveNumber=7.2e15), "fiscalDriveNumber"),
        (with_fields(fiscalSign=[1]), "fiscalSign"),
        (with_fields(kktRegId={"a": 1}), "kktRegId"),
        (with_fields(totalSum=...), "totalSum"),
        (with_fields(totalSum=-128521), "totalSum"),
        (with_fields(totalSum="1285.21"), "totalSum"),
        (with_fields(totalSum=1285.21), "totalSum"),
        (with_fields(totalSum=True), "totalSum"),
        (with_fields(totalSum=2**48), "totalSum"),
        (with_fields(totalSum=128520), "totalSum"),  # one kopeck short of the lines
        (with_fields(totalSum=128522), "totalSum"),
        (with_fields(cashTotalSum=-1), "cashTotalSum"),
        (with_fields(ecashTotalSum="card"), "ecashTotalSum"),
        (with_fields(operator=123), "operator"),
        (with_fields(operatorInn=12.5), "operatorInn"),
        (with_fields(retailPlace=["x"]), "retailPlace"),
        (with_fields(store=1.5), "store"),
        (with_fields(code=5), "code"),
        (with_fields(code="receipt"), "code"),
        (with_fields(items=...), "items"),
        (with_fields(items="Молоко"), "items"),
        (with_fields(items={"0": {}}), "items"),
        (with_fields(items=[]), "items"),
        (bad_item(2, price="12,50"), "items[2].price"),
        (bad_item(2, price="abc"), "items[2].price"),
        (bad_item(2, price=-1), "items[2].price"),
        (bad_item(2, price=734.15), "items[2].price"),
        (bad_item(1, sum=...), "items[1].sum"),
        (bad_item(1, sum=None), "items[1].sum"),
        (bad_item(1, sum=-37108), "items[1].sum"),
        (bad_item(0, name=...), "items[0].name"),
        (bad_item(0, name="   "), "items[0].name"),
        (bad_item(0, name=5), "items[0].name"),
        (bad_item(0, quantity=...), "items[0].quantity"),
        (bad_item(0, quantity=0), "items[0].quantity"),
        (bad_item(0, quantity=-1), "items[0].quantity"),
        (bad_item(0, quantity="2,5"), "items[0].quantity"),
        (bad_item(0, quantity="abc"), "items[0].quantity"),
        (bad_item(0, quantity="NaN"), "items[0].quantity"),
        (bad_item(0, quantity="Infinity"), "items[0].quantity"),
        (bad_item(0, quantity=True), "items[0].quantity"),
        (bad_item(0, quantity="0.0004"), "items[0].quantity"),  # rounds to zero
        (bad_item(0, quantity=1e12), "items[0].quantity"),
    ],
)
def test_a_bad_field_is_refused_by_its_path(raw, field):
    error = error_of(raw)
    assert error.field == field
    assert str(error) == f"{field}: {error.message}"
    assert error.message


def test_an_item_that_is_not_an_object_is_named_by_its_index():
    raw = khabarovsk_receipt()
    raw["items"].append("Пакет")
    error = error_of(raw)
    assert error.field == "items[3]"
    assert "'Пакет'" in error.message


def test_the_message_shows_the_offending_value():
    error = error_of(bad_item(2, price="12,50"))
    assert "'12,50'" in error.message
    assert "string" in error.message


def test_the_total_mismatch_message_gives_both_amounts():
    error = error_of(with_fields(totalSum=128520))
    assert "128520" in error.message
    assert "128521" in error.message


def test_a_receipt_error_is_a_value_error():
    assert isinstance(error_of(with_fields(totalSum=-1)), ValueError)
