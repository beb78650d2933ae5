"""Building blocks of every provider mapping: an OFD's values → the FNS receipt vocabulary
that CXM's import accepts (kopecks, stripped padded numbers, operation type 1..4, the
register's local time with the store's offset once CXM has told us the store's zone)."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from cxm_replicator.providers.base import MappingError

# Tag 1054 as providers spell it, lowercased with spaces, "_" and "-" removed.
_OPERATIONS = {
    "income": 1,
    "refundincome": 2,
    "incomereturn": 2,
    "expense": 3,
    "expenditure": 3,
    "refundexpense": 4,
    "expenditurereturn": 4,
}
_DOCUMENT_CODES = frozenset({3, 31, 4, 41})


def identifier(value: Any, field: str, *, required: bool = True) -> str:
    """ФН, РНМ, ИНН: registers pad them with spaces ("0007795807005569    ")."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        if value is None and not required:
            return ""
        raise MappingError(f"{field} must be a string or a number, got {value!r:.60}")
    text = str(value).strip()
    if required and not text:
        raise MappingError(f"{field} is empty")
    return text


def whole(value: Any, field: str) -> int:
    """A non-negative whole number (kopecks, document numbers) from an int or digit string."""
    if type(value) is int and value >= 0:
        return value
    if type(value) is float and value.is_integer() and value >= 0:
        return int(value)
    if type(value) is str and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise MappingError(f"{field} must be a whole non-negative number, got {value!r:.60}")


def optional_whole(value: Any, field: str) -> int:
    return 0 if value is None else whole(value, field)


def quantity(value: Any, field: str) -> int | str:
    """Quantity as a JSON number CXM accepts: ints stay ints, "1.000000" becomes "1.000"."""
    if type(value) is int and value > 0:
        return value
    try:
        number = Decimal(str(value).strip()) if type(value) in (str, float) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number <= 0:
        raise MappingError(f"{field} must be a positive number, got {value!r:.60}")
    return int(number) if number == number.to_integral_value() else str(number.normalize())


def operation_type(value: Any) -> int:
    if type(value) is int and 1 <= value <= 4:
        return value
    if type(value) is str:
        word = value.strip().lower().translate(str.maketrans("", "", " _-"))
        if word.isdigit() and 1 <= int(word) <= 4:
            return int(word)
        if word in _OPERATIONS:
            return _OPERATIONS[word]
    raise MappingError(f"operationType {value!r:.60} is not one of 1..4 or a known word")


def document_code(value: Any) -> int:
    code = whole(value, "document code") if value is not None else 3
    if code not in _DOCUMENT_CODES:
        raise MappingError(f"document code {code} is not a receipt (3, 31, 4 or 41)")
    return code


def text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MappingError(f"{field} must be a string, got {value!r:.60}")
    return value.strip()


def wall_time(value: Any, formats: tuple[str, ...], field: str) -> datetime:
    """A naive wall-clock time in one of the provider's documented formats."""
    if isinstance(value, str):
        for form in formats:
            try:
                return datetime.strptime(value.strip(), form)
            except ValueError:
                continue
    raise MappingError(f"{field} {value!r:.60} is not a date-time the OFD documents")


def as_utc(local: datetime, zone: ZoneInfo | None = None) -> datetime:
    """A provider's naive time in `zone` (UTC when None) as aware UTC."""
    return local.replace(tzinfo=zone or UTC).astimezone(UTC)


def items(lines: Any, build) -> list[dict]:
    """Map each item with `build(raw, where)`; a receipt without lines is no receipt."""
    if not isinstance(lines, list):
        raise MappingError(f"items must be a list, got {lines!r:.60}")
    return [build(raw, f"items[{n}]") for n, raw in enumerate(lines)]


def item(name: Any, price: Any, qty: Any, line_sum: Any, where: str) -> dict:
    label = text(name, f"{where}.name")
    if not label:
        raise MappingError(f"{where}.name is empty")
    return {
        "name": label,
        "price": whole(price, f"{where}.price"),
        "quantity": quantity(qty, f"{where}.quantity"),
        "sum": whole(line_sum, f"{where}.sum"),
    }


def finish(receipt: dict) -> dict:
    """Checks every receipt must pass whatever the provider, then drops empty fields so the
    outbox stays small. The sum check mirrors CXM's: a receipt that CXM would reject is
    rejected here, with the OFD's reference, where the admin can look it up."""
    if receipt.get("code") in (3, 31) and not receipt.get("items"):
        raise MappingError("a receipt without items")
    total = sum(line["sum"] for line in receipt.get("items", ()))
    if receipt.get("items") and total != receipt["totalSum"]:
        raise MappingError(f"totalSum {receipt['totalSum']} ≠ Σ items.sum {total} (kopecks)")
    return {key: value for key, value in receipt.items() if value not in ("", None, [])}


def localise(receipt: dict, zone: ZoneInfo | None) -> dict:
    """Give the KKT's naive wall time (tag 1012) the store's UTC offset at that moment.
    Without a zone (register not yet mapped in CXM) the time stays naive and CXM reads it
    in the store's zone once it knows the store."""
    when = receipt.get("dateTime")
    if zone is None or not isinstance(when, str) or len(when) != 19:
        return receipt
    local = datetime.fromisoformat(when).replace(tzinfo=zone)
    return {**receipt, "dateTime": local.isoformat()}


def properties(value: Any, name_key: str = "key", value_key: str = "value") -> list[dict]:
    """Additional user requisite 1084 as [{"key": 1085, "value": 1086}]; a seller id often
    travels here. Entries that are not name/value pairs are someone else's data: dropped."""
    if not isinstance(value, list):
        return []
    return [
        {"key": entry[name_key], "value": entry[value_key]}
        for entry in value
        if isinstance(entry, dict)
        and isinstance(entry.get(name_key), str)
        and isinstance(entry.get(value_key), str | int)
        and not isinstance(entry.get(value_key), bool)
    ]


# FNS receipt field → the provider's key for it. Платформа ОФД, Контур.ОФД and FNS exports
# use the FNS names; a provider with its own dialect (OFD.ru) passes its own map.
FNS_KEYS = {
    "operationType": "operationType",
    "totalSum": "totalSum",
    "cashTotalSum": "cashTotalSum",
    "ecashTotalSum": "ecashTotalSum",
    "items": "items",
    "operator": "operator",
    "operatorInn": "operatorInn",
    "fiscalDriveNumber": "fiscalDriveNumber",
    "fiscalDocumentNumber": "fiscalDocumentNumber",
    "fiscalSign": "fiscalSign",
    "kktRegId": "kktRegId",
    "userInn": "userInn",
    "retailPlace": "retailPlace",
    "retailPlaceAddress": "retailPlaceAddress",
    "properties": "properties",
}
FNS_ITEM_KEYS = ("name", "price", "quantity", "sum")
FNS_PROPERTY_KEYS = ("key", "value")


def receipt(
    raw: dict,
    *,
    code: int,
    when: datetime,
    keys: dict[str, str] = FNS_KEYS,
    item_keys: tuple[str, str, str, str] = FNS_ITEM_KEYS,
    property_keys: tuple[str, str] = FNS_PROPERTY_KEYS,
) -> dict:
    """The FNS receipt CXM imports, from a provider's document whose field names are given
    by `keys` (FNS field → provider key). `code` and `when` (the KKT's wall time) come
    from the provider's own way of saying them."""

    def get(field: str) -> Any:
        return raw.get(keys[field])

    def line(raw_item: Any, where: str) -> dict:
        if not isinstance(raw_item, dict):
            raise MappingError(f"{where} must be an object")
        return item(*(raw_item.get(k) for k in item_keys), where)

    return finish(
        {
            "code": code,
            "dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "operationType": operation_type(get("operationType")),
            "totalSum": whole(get("totalSum"), keys["totalSum"]),
            "cashTotalSum": optional_whole(get("cashTotalSum"), keys["cashTotalSum"]),
            "ecashTotalSum": optional_whole(get("ecashTotalSum"), keys["ecashTotalSum"]),
            "items": items(raw.get(keys["items"], []), line),
            "operator": text(get("operator"), keys["operator"]),
            "operatorInn": identifier(get("operatorInn"), keys["operatorInn"], required=False),
            "fiscalDriveNumber": identifier(get("fiscalDriveNumber"), keys["fiscalDriveNumber"]),
            "fiscalDocumentNumber": whole(
                get("fiscalDocumentNumber"), keys["fiscalDocumentNumber"]
            ),
            "fiscalSign": identifier(get("fiscalSign"), keys["fiscalSign"], required=False),
            "kktRegId": identifier(get("kktRegId"), keys["kktRegId"]),
            "userInn": identifier(get("userInn"), keys["userInn"], required=False),
            "retailPlace": text(get("retailPlace"), keys["retailPlace"]),
            "retailPlaceAddress": text(get("retailPlaceAddress"), keys["retailPlaceAddress"]),
            "properties": properties(get("properties"), *property_keys),
        }
    )
