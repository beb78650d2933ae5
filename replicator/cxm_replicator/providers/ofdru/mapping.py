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


def to_receipt(raw: dict) -> dict:
    when = n.wall_time(raw.get("DocDateTime"), TIME_FORMATS, "DocDateTime")
    return n.finish(
        {
            "code": n.document_code(raw.get("Tag")),
            "dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "operationType": n.operation_type(raw.get("OperationType")),
            "totalSum": n.whole(raw.get("TotalSumm"), "TotalSumm"),
            "cashTotalSum": n.optional_whole(raw.get("CashSumm"), "CashSumm"),
            "ecashTotalSum": n.optional_whole(raw.get("ECashSumm"), "ECashSumm"),
            "items": n.items(raw.get("Items", []), _item),
            "operator": n.text(raw.get("Operator"), "Operator"),
            "operatorInn": n.identifier(raw.get("Operator_INN"), "Operator_INN", required=False),
            "fiscalDriveNumber": n.identifier(raw.get("FnNumber"), "FnNumber"),
            "fiscalDocumentNumber": n.whole(raw.get("DocNumber"), "DocNumber"),
            "fiscalSign": n.identifier(raw.get("DecimalFiscalSign"), "DecimalFiscalSign", required=False),
            "kktRegId": n.identifier(raw.get("KktRegNumber"), "KktRegNumber"),
            "userInn": n.identifier(raw.get("UserInn"), "UserInn", required=False),
            "properties": n.properties(
                raw.get("ExtraProperty"), "ExtraProperty_Name", "ExtraProperty_Value"
            ),
        }
    )


def _item(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict):
        raise MappingError(f"{where} must be an object")
    return n.item(raw.get("Name"), raw.get("Price"), raw.get("Quantity"), raw.get("Total"), where)


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
            {"Name": i["name"], "Price": i["price"], "Quantity": i["quantity"], "Total": i["sum"],
             "CalculationMethod": 4, "SubjectType": 1, "NDS_Rate": 1}
            for i in receipt["items"]
        ],
        "ExtraProperty": [
            {"ExtraProperty_Name": p["key"], "ExtraProperty_Value": p["value"]}
            for p in receipt.get("properties", [])
        ],
    }
