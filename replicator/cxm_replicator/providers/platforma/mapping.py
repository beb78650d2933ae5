"""Платформа ОФД's receipt object (endpoint "Чеки") → FNS receipt JSON.

Its keys are the FNS ones except `receiptDate` (tag 1012, "YYYY.MM.DD hh:mm:ss.sss", the
KKT's wall time) and `rqDate` (OFD receive time in Moscow time, inferred from the PDF's
documentLink epoch), items' VAT rate `nds_1199`, and `receiptCode`/`bsoCode`."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cxm_replicator import normalize as n
from cxm_replicator.providers.base import MappingError

MOSCOW = ZoneInfo("Europe/Moscow")
TIME_FORMATS = ("%Y.%m.%d %H:%M:%S.%f", "%Y.%m.%d %H:%M:%S")


def received_at(raw: Any) -> datetime:
    if not isinstance(raw, dict):
        raise MappingError(f"a document must be an object, got {raw!r:.60}")
    return n.as_utc(n.wall_time(raw.get("rqDate"), TIME_FORMATS, "rqDate"), MOSCOW)


def to_receipt(raw: dict) -> dict:
    code = n.document_code(raw.get("receiptCode", raw.get("bsoCode")))
    when = n.wall_time(raw.get("receiptDate"), TIME_FORMATS, "receiptDate")
    return n.finish(
        {
            "code": code,
            "dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "operationType": n.operation_type(raw.get("operationType")),
            "totalSum": n.whole(raw.get("totalSum"), "totalSum"),
            "cashTotalSum": n.optional_whole(raw.get("cashTotalSum"), "cashTotalSum"),
            "ecashTotalSum": n.optional_whole(raw.get("ecashTotalSum"), "ecashTotalSum"),
            "items": n.items(raw.get("items", []), _item),
            "operator": n.text(raw.get("operator"), "operator"),
            "operatorInn": n.identifier(raw.get("operatorInn"), "operatorInn", required=False),
            "fiscalDriveNumber": n.identifier(raw.get("fiscalDriveNumber"), "fiscalDriveNumber"),
            "fiscalDocumentNumber": n.whole(raw.get("fiscalDocumentNumber"), "fiscalDocumentNumber"),
            "fiscalSign": n.identifier(raw.get("fiscalSign"), "fiscalSign", required=False),
            "kktRegId": n.identifier(raw.get("kktRegId"), "kktRegId"),
            "userInn": n.identifier(raw.get("userInn"), "userInn", required=False),
            "retailPlace": n.text(raw.get("retailPlace"), "retailPlace"),
            "retailPlaceAddress": n.text(raw.get("retailPlaceAddress"), "retailPlaceAddress"),
            "properties": n.properties(raw.get("properties")),
        }
    )


def _item(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict):
        raise MappingError(f"{where} must be an object")
    return n.item(raw.get("name"), raw.get("price"), raw.get("quantity"), raw.get("sum"), where)


def from_receipt(receipt: dict, received: datetime, rq_id: int) -> dict:
    """The emulator's direction: an FNS receipt as Платформа ОФД lists it."""
    when = datetime.fromisoformat(receipt["dateTime"])
    out = {k: v for k, v in receipt.items() if k not in ("code", "dateTime")}
    out.update(
        rqId=rq_id,
        rqDate=received.astimezone(MOSCOW).strftime("%Y.%m.%d %H:%M:%S.000"),
        receiptDate=when.strftime("%Y.%m.%d %H:%M:%S.000"),
        receiptCode=receipt.get("code", 3),
        kktRegId=receipt["kktRegId"].ljust(20),  # the РНМ comes right-padded to 20
        items=[{**item, "nds_1199": 1, "paymentType": 4, "productType": 1} for item in receipt["items"]],
    )
    return out
