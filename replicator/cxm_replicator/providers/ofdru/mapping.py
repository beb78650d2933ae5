"""OFD.ru's receipts (PascalCase, the outlier among OFDs) → FNS receipt JSON.

`receipts-with-fpd-short` lists receipt headers (`CDateUtc` = OFD receive time in UTC,
`DocDateTime` = KKT wall time, `TotalSumm`, `FnNumber`, `DocNumber`, `DecimalFiscalSign`,
`OperationType` as a word: "Income", "Refund income", ...) with their `Items`
({Name, Price, Quantity, Total}); all money in kopecks."""

from datetime import datetime
from typing import Any

from cxm_replicator import normalize as n
from cxm_replicator.providers.base import MappingError

TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
_WORDS = {1: "Income", 2: "Refund income", 3: "Expense", 4: "Refund expense"}


def received_at(raw: Any) -> datetime:
    if not isinstance(raw, dict):
        raise MappingError(f"a receipt must be an object, got {raw!r:.60}")
    return n.as_utc(n.wall_time(raw.get("CDateUtc"), TIME_FORMATS, "CDateUtc"))


# FNS field → OFD.ru's name for it.
KEYS = {
    "operationType": "OperationType",
    "totalSum": "TotalSumm",
    "cashTotalSum": "CashSumm",
    "ecashTotalSum": "ECashSumm",
    "items": "Items",
    "operator": "Operator",
    "operatorInn": "Operator_INN",
    "fiscalDriveNumber": "FnNumber",
    "fiscalDocumentNumber": "DocNumber",
    "fiscalSign": "DecimalFiscalSign",
    "kktRegId": "KktRegNumber",
    "userInn": "UserInn",
    "retailPlace": "Calculation_Place",
    "retailPlaceAddress": "RetailPlaceAddress",
    "properties": "ExtraProperty",
}


def to_receipt(raw: dict) -> dict:
    return n.receipt(
        raw,
        code=n.document_code(raw.get("Tag")),
        when=n.wall_time(raw.get("DocDateTime"), TIME_FORMATS, "DocDateTime"),
        keys=KEYS,
        item_keys=("Name", "Price", "Quantity", "Total"),
        property_keys=("ExtraProperty_Name", "ExtraProperty_Value"),
    )


def from_receipt(receipt: dict, received: datetime, raw_id: str) -> dict:
    """The emulator's direction: an FNS receipt as OFD.ru lists it."""
    return {
        "Id": raw_id,
        "CDateUtc": received.strftime("%Y-%m-%dT%H:%M:%S"),
        "Tag": receipt.get("code", 3),
        "IsBso": receipt.get("code", 3) in (4, 41),
        "IsCorrection": receipt.get("code", 3) in (31, 41),
        "OperationType": _WORDS[receipt["operationType"]],
        "UserInn": "7841465198  ",
        "KktRegNumber": receipt["kktRegId"],
        "FnNumber": receipt["fiscalDriveNumber"],
        "DocNumber": receipt["fiscalDocumentNumber"],
        "DocDateTime": receipt["dateTime"],
        "TotalSumm": receipt["totalSum"],
        "CashSumm": receipt.get("cashTotalSum", 0),
        "ECashSumm": receipt.get("ecashTotalSum", 0),
        "Operator": receipt.get("operator", ""),
        "Operator_INN": receipt.get("operatorInn") or None,
        "DecimalFiscalSign": receipt["fiscalSign"],
        "Items": [
            {
                "Name": i["name"],
                "Price": i["price"],
                "Quantity": i["quantity"],
                "Total": i["sum"],
                "CalculationMethod": 4,
                "SubjectType": 1,
                "NDS_Rate": 1,
            }
            for i in receipt["items"]
        ],
        "ExtraProperty": [
            {"ExtraProperty_Name": p["key"], "ExtraProperty_Value": p["value"]}
            for p in receipt.get("properties", [])
        ],
    }
