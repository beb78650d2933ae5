"""Native FNS/OFD fiscal receipt JSON (ФФД 1.05/1.1/1.2) → one validated, normalised receipt.

Pure Python, no Django: the importer, the API scope check and the benchmark all call it, a
million times in a large import, so each field is checked by type first and parsed once,
without regular expressions or exception cascades on the happy path.

What "native" means here (see docs of the import contract and the OFD research notes):

* money is integer kopecks (``totalSum``, ``cashTotalSum``, ``ecashTotalSum``, item
  ``price`` and ``sum``); CSV files and some OFDs send them as digit strings;
* ``quantity`` is a decimal number, sometimes a string (``"1.000000"``);
* ``dateTime`` (tag 1012) is the register's local wall-clock time: an ISO 8601 string, or
  Unix seconds that encode that local wall time (decoded as if UTC, the way every OFD
  consumer does), so the result is naive unless the source carried an offset;
* ``operationType`` (tag 1054) is 1..4, or one of the providers' words for it.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


class ReceiptError(ValueError):
    """A receipt that cannot be accepted; `field` is the JSON path of the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building a million receipts' lines measurably slower; nothing mutates them anyway.
@dataclass(slots=True)
class ParsedItem:
    position: int  # 1-based line number within the receipt
    name: str
    price: int  # kopecks
    quantity: Decimal  # at most 3 decimals
    sum: int  # kopecks


@dataclass(slots=True)
class ParsedReceipt:
    fiscal_drive_number: str
    fiscal_document_number: int
    fiscal_sign: str
    kkt_reg_id: str
    operation_type: int  # 1 sale, 2 return of sale, 3 expense, 4 return of expense
    local_time: datetime  # naive local wall time, or aware when the source had an offset
    total: int
    cash: int
    ecash: int
    operator: str
    operator_inn: str
    retail_place: str
    retail_place_address: str
    store_code: str | None
    seller_code: str | None
    document_code: int  # 3 receipt, 31 correction receipt, 4 BSO, 41 BSO correction
    items: tuple[ParsedItem, ...]


# Wrapper keys of the FNS JSON and the document form code each one stands for.
_DOCUMENT_KEYS = {"receipt": 3, "receiptCorrection": 31, "bso": 4, "bsoCorrection": 41}
_DOCUMENT_CODES = {3: "receipt", 31: "correction receipt", 4: "BSO", 41: "BSO correction"}
_CODES_NEEDING_ITEMS = frozenset({3, 31})
# Keys under which OFD API responses list their documents (Контур.ОФД and 1-OFD
# "documents", Платформа ОФД "receipts").
_LIST_KEYS = ("documents", "receipts")

# Tag 1054 as the providers spell it, lowercased with spaces, "_" and "-" removed:
# OFD.ru ("Refund income"), Taxcom ("IncomeReturn", "Expenditure"), Yandex legacy
# ("income_return", "outcome"), ATOL ("sell_refund", "buy"), and Russian.
_OPERATION_WORDS = {
    "income": 1,
    "sell": 1,
    "sale": 1,
    "приход": 1,
    "refundincome": 2,
    "incomerefund": 2,
    "incomereturn": 2,
    "returnincome": 2,
    "sellrefund": 2,
    "salereturn": 2,
    "возвратприхода": 2,
    "expense": 3,
    "expenditure": 3,
    "outcome": 3,
    "buy": 3,
    "расход": 3,
    "refundexpense": 4,
    "expenserefund": 4,
    "expensereturn": 4,
    "expenditurereturn": 4,
    "outcomereturn": 4,
    "refundoutcome": 4,
    "buyrefund": 4,
    "возвратрасхода": 4,
}
_SEPARATORS = str.maketrans("", "", " _-")

# Additional user requisite 1084 (name 1085 / value 1086) names that carry a seller id.
_SELLER_PROPERTY_NAMES = frozenset({"seller", "продавец", "seller_code", "код продавца"})

# Tag 1020 and the other sums are VLN of at most 6 bytes in the ФФД: anything larger is
# garbage, and rejecting it here keeps it from overflowing a database column later.
_MAX_KOPECKS = 2**48 - 1
# ReceiptItem.quantity keeps 12 digits, 3 of them decimals.
_MAX_QUANTITY = Decimal("999999999.999")
_MILLI = Decimal("0.001")
_ONE = Decimal(1)
_SMALL_QUANTITIES = tuple(Decimal(n).quantize(_MILLI) for n in range(101))
_EPOCH = datetime(1970, 1, 1)
_MAX_EPOCH = 2**32 - 1  # tag 1012 is UnixTime in 4 bytes


def iter_receipt_dicts(obj: Any) -> Iterator[Any]:
    """Every receipt dict inside one decoded JSON value.

    Accepts a receipt itself, a list of them, ``{"receipt": {...}}`` (or ``bso``,
    ``receiptCorrection``, ``bsoCorrection``), ``{"document": {...}}``, the FNS "check"
    app export ``[{"_id": ..., "ticket": {"document": {"receipt": {...}}}}]`` and OFD API
    responses that list documents as ``{"documents": [...]}`` or ``{"receipts": [...]}``. A
    ``store`` key on any wrapper level is carried onto the receipt unless it names its own;
    the wrapper key also gives the document code when the receipt lacks one. Anything that
    is not recognisably a receipt is yielded unchanged so that `parse_receipt` rejects it
    with a message naming what it saw.
    """
    yield from _unwrap(obj, None, None)


def _unwrap(obj: Any, store: Any, code: int | None) -> Iterator[Any]:
    if isinstance(obj, list):
        for element in obj:
            yield from _unwrap(element, store, code)
        return
    if not isinstance(obj, dict):
        yield obj
        return
    # Keys whose presence says "this dict is a receipt itself, not a wrapper". Identity keys
    # such as fiscalDocumentNumber are not among them: 1-OFD wraps each receipt in a document
    # that repeats them next to its "ticket". Spelt out: a loop over them cost more.
    if "items" in obj or "dateTime" in obj or "totalSum" in obj:
        yield _with_context(obj, store, code)
        return
    store = obj.get("store", store)
    for key in ("ticket", "document"):
        inner = obj.get(key)
        if isinstance(inner, dict):
            yield from _unwrap(inner, store, code)
            return
    for key, key_code in _DOCUMENT_KEYS.items():
        inner = obj.get(key)
        if isinstance(inner, dict):
            yield _with_context(inner, store, key_code)
            return
    for key in _LIST_KEYS:
        inner = obj.get(key)
        if isinstance(inner, list):
            yield from _unwrap(inner, store, code)
            return
    yield obj


def _with_context(receipt: dict, store: Any, code: int | None) -> dict:
    """The receipt with the wrapper's store code and document code filled in when missing.
    Copies only when something is added, so a bare receipt passes through untouched."""
    extra = {}
    if store is not None and "store" not in receipt:
        extra["store"] = store
    if code is not None and not any(k in receipt for k in ("code", "receiptCode", "bsoCode")):
        extra["code"] = code
    return {**receipt, **extra} if extra else receipt


def parse_receipt(raw: dict) -> ParsedReceipt:
    """A validated receipt, or ReceiptError naming the field and the offending value."""
    if not isinstance(raw, dict):
        raise ReceiptError("receipt", f"a receipt must be a JSON object, got {_show(raw)}")
    if "items" not in raw and "dateTime" not in raw and "totalSum" not in raw:
        keys = ", ".join(sorted(map(str, raw))[:10]) or "none"
        raise ReceiptError(
            "receipt",
            "this is not a fiscal receipt: expected dateTime, operationType, totalSum and "
            f"items (or a document/receipt wrapper around them), found keys: {keys}",
        )
    code = _document_code(raw)
    items = _items(raw.get("items"), code)
    total = _money(_required(raw, "totalSum"), "totalSum")
    if items:
        items_sum = sum(item.sum for item in items)
        if items_sum != total:
            raise ReceiptError(
                "totalSum",
                f"totalSum {total} does not equal the sum of the items' sums {items_sum} "
                "(both in kopecks)",
            )
    return ParsedReceipt(
        fiscal_drive_number=_identifier(_required(raw, "fiscalDriveNumber"), "fiscalDriveNumber"),
        fiscal_document_number=_document_number(_required(raw, "fiscalDocumentNumber")),
        fiscal_sign=_optional_identifier(raw.get("fiscalSign"), "fiscalSign"),
        kkt_reg_id=_optional_identifier(raw.get("kktRegId"), "kktRegId"),
        operation_type=_operation_type(_required(raw, "operationType")),
        local_time=_date_time(_required(raw, "dateTime")),
        total=total,
        cash=_optional_money(raw.get("cashTotalSum"), "cashTotalSum"),
        ecash=_optional_money(_first(raw, "ecashTotalSum", "eCashTotalSum"), "ecashTotalSum"),
        operator=_text(raw.get("operator"), "operator"),
        operator_inn=_optional_identifier(raw.get("operatorInn"), "operatorInn"),
        retail_place=_text(raw.get("retailPlace"), "retailPlace"),
        retail_place_address=_text(
            _first(raw, "retailPlaceAddress", "retailAddress"), "retailPlaceAddress"
        ),
        store_code=_optional_identifier(raw.get("store"), "store") or None,
        seller_code=_seller_code(raw.get("properties")) or _seller_code(raw.get("propertiesUser")),
        document_code=code,
        items=items,
    )


# --- fields ----------------------------------------------------------------------------


def _required(raw: dict, key: str) -> Any:
    value = raw.get(key)
    if value is None:
        raise ReceiptError(key, f"{key} is missing")
    return value


def _first(raw: dict, key: str, alias: str) -> Any:
    value = raw.get(key)
    return raw.get(alias) if value is None else value


def _show(value: Any) -> str:
    """A value for an error message: its repr, cut short, with its JSON type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({_json_type(value)})"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _money(value: Any, field: str) -> int:
    """Whole non-negative kopecks from an int, an int-valued float or a digit string."""
    kind = type(value)  # exact type: bool is an int subclass and must not pass as money
    if kind is int:
        kopecks = value
    elif (kind is float and value.is_integer()) or (
        kind is str and value.isascii() and value.strip().isdigit()
    ):
        kopecks = int(value)
    else:
        raise ReceiptError(field, f"{field} must be a whole number of kopecks, got {_show(value)}")
    if kopecks < 0:
        raise ReceiptError(field, f"{field} must not be negative, got {value!r}")
    if kopecks > _MAX_KOPECKS:
        raise ReceiptError(field, f"{field} {value!r} is larger than any fiscal sum can be")
    return kopecks


def _optional_money(value: Any, field: str) -> int:
    return 0 if value is None else _money(value, field)


def _document_number(value: Any) -> int:
    kind = type(value)
    if kind is int:
        number = value
    elif kind is str and value.isascii() and value.strip().isdigit():
        number = int(value)
    else:
        raise ReceiptError(
            "fiscalDocumentNumber",
            f"fiscalDocumentNumber must be a whole number, got {_show(value)}",
        )
    if number < 1:
        raise ReceiptError(
            "fiscalDocumentNumber", f"fiscalDocumentNumber must be 1 or more, got {value!r}"
        )
    return number


def _identifier(value: Any, field: str) -> str:
    """A number-like identifier (ФН, ФП, РНМ, ИНН): a string, or an int sent as a number.
    Registers pad РНМ and INN with spaces, hence the strip."""
    text = _optional_identifier(value, field)
    if not text:
        raise ReceiptError(field, f"{field} is empty")
    return text


def _optional_identifier(value: Any, field: str) -> str:
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is int:
        return str(value)
    if value is None:
        return ""
    raise ReceiptError(field, f"{field} must be a string or a whole number, got {_show(value)}")


def _text(value: Any, field: str) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    raise ReceiptError(field, f"{field} must be a string, got {_show(value)}")


def _operation_type(value: Any) -> int:
    kind = type(value)
    if kind is int:
        operation = value
    elif kind is str:
        word = value.strip().lower()
        operation = int(word) if word.isascii() and word.isdigit() else None
        if operation is None:
            operation = _OPERATION_WORDS.get(word.translate(_SEPARATORS))
    else:
        operation = None
    if operation is None or not 1 <= operation <= 4:
        raise ReceiptError(
            "operationType",
            f"operationType {_show(value)} is not a known settlement type: expected 1 (sale), "
            "2 (return of sale), 3 (expense), 4 (return of expense) or a provider's name "
            "for one of them such as 'Income' or 'Refund income'",
        )
    return operation


def _date_time(value: Any) -> datetime:
    kind = type(value)
    if kind is str:
        text = value.strip()
        if text.isascii() and text.isdigit():
            return _from_epoch(int(text), value)
        if len(text) > 10:  # a bare date would put every receipt at midnight
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                pass  # fall through to the one error message below
    elif kind is int:
        return _from_epoch(value, value)
    raise ReceiptError(
        "dateTime",
        f"dateTime must be an ISO 8601 date-time such as '2024-09-17T18:01:00' or Unix "
        f"seconds, got {_show(value)}",
    )


def _from_epoch(seconds: int, original: Any) -> datetime:
    # The register's local wall time encoded as if it were UTC: decode without a zone.
    if not 0 <= seconds <= _MAX_EPOCH:
        raise ReceiptError("dateTime", f"dateTime {original!r} is out of the range of Unix time")
    return _EPOCH + timedelta(seconds=seconds)


def _document_code(raw: dict) -> int:
    value = raw.get("code")
    if value is None:
        value = raw.get("receiptCode")
        if value is None:
            value = raw.get("bsoCode", 3)  # a bare receipt without a code is a кассовый чек
    code = int(value) if type(value) is str and value.isascii() and value.isdigit() else value
    if type(code) is not int or code not in _DOCUMENT_CODES:
        raise ReceiptError(
            "code",
            f"document code {_show(value)} is not a receipt: expected 3 (receipt), "
            "31 (correction receipt), 4 (BSO) or 41 (BSO correction)",
        )
    return code


def _seller_code(properties: Any) -> str | None:
    """The seller id a POS writes into additional requisite 1084 (``properties``, named
    ``propertiesUser`` in older FNS JSON): FNS FFD 1.2 exports give one {"propertyName",
    "propertyValue"} object, other sources a list of those or of {"key", "value"}. Anything
    else there is someone else's data and is ignored."""
    if properties is None:
        return None
    entries = properties if isinstance(properties, list) else (properties,)
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name = entry.get("propertyName", entry.get("key"))
        if isinstance(name, str) and name.strip().lower() in _SELLER_PROPERTY_NAMES:
            value = entry.get("propertyValue", entry.get("value"))
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value).strip() or None
    return None


# --- items ------------------------------------------------------------------------------


def _items(value: Any, code: int) -> tuple[ParsedItem, ...]:
    if value is None:
        if code in _CODES_NEEDING_ITEMS:
            raise ReceiptError(
                "items", f"items is missing: a {_DOCUMENT_CODES[code]} lists its lines"
            )
        return ()
    if type(value) is not list:
        raise ReceiptError("items", f"items must be an array of lines, got {_show(value)}")
    if not value and code in _CODES_NEEDING_ITEMS:
        raise ReceiptError("items", f"items is empty: a {_DOCUMENT_CODES[code]} lists its lines")
    return tuple([_item(raw, index) for index, raw in enumerate(value)])


def _item(raw: Any, index: int) -> ParsedItem:
    # The usual line (whole kopecks, a small whole quantity) is checked inline; anything else
    # goes through the field readers, which also word the errors. Field paths are formatted
    # only for those: a million receipts' lines would otherwise format four strings each.
    if type(raw) is not dict:
        where = f"items[{index}]"
        raise ReceiptError(where, f"{where} must be an object, got {_show(raw)}")
    name = raw.get("name")
    if type(name) is not str or not name.strip():
        where = f"items[{index}].name"
        raise ReceiptError(where, f"{where} must be a non-empty string, got {_show(name)}")
    quantity = raw.get("quantity")
    if type(quantity) is int and 0 < quantity <= 100:
        quantity = _SMALL_QUANTITIES[quantity]
    else:
        quantity = _quantity(quantity, f"items[{index}].quantity")
    line_sum = raw.get("sum")
    if type(line_sum) is not int or not 0 <= line_sum <= _MAX_KOPECKS:
        if line_sum is None:
            raise ReceiptError(f"items[{index}].sum", f"items[{index}].sum is missing")
        line_sum = _money(line_sum, f"items[{index}].sum")
    price = raw.get("price")
    if price is None:
        # The unit price is optional in some exports; the line sum is what was paid.
        price = int((line_sum / quantity).quantize(_ONE, ROUND_HALF_UP))
    elif type(price) is not int or not 0 <= price <= _MAX_KOPECKS:
        price = _money(price, f"items[{index}].price")
    return ParsedItem(index + 1, name.strip(), price, quantity, line_sum)


def _quantity(value: Any, field: str) -> Decimal:
    """A positive quantity rounded to 3 decimals (grams of a weighed item). Registers send
    integers, floats (2.474) or strings ("1.000000")."""
    kind = type(value)
    if kind is int and 0 < value <= 100:
        return _SMALL_QUANTITIES[value]  # the usual 1, 2, 3: no Decimal arithmetic at all
    if kind is int or kind is float:
        quantity = Decimal(value)
    elif kind is str:
        try:
            quantity = Decimal(value.strip())
        except InvalidOperation:
            quantity = None
    else:
        quantity = None
    if value is None:
        raise ReceiptError(field, f"{field} is missing")
    if quantity is None or not quantity.is_finite():
        raise ReceiptError(field, f"{field} must be a number, got {_show(value)}")
    # Range first: quantizing an absurd value would overflow the decimal context.
    if not 0 < quantity <= _MAX_QUANTITY:
        problem = "must be greater than zero" if quantity <= 0 else "is too large"
        raise ReceiptError(field, f"{field} {problem}, got {value!r}")
    quantity = quantity.quantize(_MILLI, ROUND_HALF_UP)
    if not quantity:
        raise ReceiptError(field, f"{field} {value!r} rounds to zero at 3 decimals")
    return quantity
