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
    return n.receipt(raw, code=code, when=when)


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
        items=[
            {**item, "nds_1199": 1, "paymentType": 4, "productType": 1} for item in receipt["items"]
        ],
    )
    return out
