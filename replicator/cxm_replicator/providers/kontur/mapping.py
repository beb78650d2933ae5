"""Контур.ОФД's documents (`Structures/ReceiptBSO.rst`) → FNS receipt JSON.

Each document is wrapped by its type: {"receipt": {...}}, {"receiptCorrection": {...}},
{"bso": ...}, {"bsoCorrection": ...}; other types (shift reports) are not receipts and are
skipped. Keys are FNS camelCase; `dateTime` is the KKT's wall time, `receiveDateTimeUtc`
the OFD's receive time in UTC. Kontur's `paymentMode`/`paymentSubject` are 0-based lists of
its own, not tags 1214/1212, so they are not passed on."""

from datetime import datetime
from typing import Any

from cxm_replicator import normalize as n
from cxm_replicator.providers.base import MappingError

RECEIPT_TYPES = {"receipt": 3, "receiptCorrection": 31, "bso": 4, "bsoCorrection": 41}
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")


def unwrap(document: Any) -> tuple[str, Any] | None:
    """(type, body) of a receipt-like document, None for other document types."""
    if not isinstance(document, dict) or len(document) != 1:
        raise MappingError(f"a document must be one {{type: body}} object, got {document!r:.60}")
    kind, body = next(iter(document.items()))
    return (kind, body) if kind in RECEIPT_TYPES else None


def received_at(body: Any) -> datetime:
    if not isinstance(body, dict):
        raise MappingError(f"a document body must be an object, got {body!r:.60}")
    return n.as_utc(n.wall_time(body.get("receiveDateTimeUtc"), TIME_FORMATS, "receiveDateTimeUtc"))


def to_receipt(kind: str, body: dict) -> dict:
    when = n.wall_time(body.get("dateTime"), TIME_FORMATS, "dateTime")
    return n.receipt(body, code=RECEIPT_TYPES[kind], when=when)


def from_receipt(receipt: dict, received: datetime, guid: str) -> dict:
    """The emulator's direction: an FNS receipt as Контур.ОФД lists it."""
    kind = {v: k for k, v in RECEIPT_TYPES.items()}[receipt.get("code", 3)]
    body = {k: v for k, v in receipt.items() if k != "code"}
    body.update(
        receiptCode=receipt.get("code", 3),
        receiveDateTimeUtc=received.strftime("%Y-%m-%dT%H:%M:%S"),
        kktRegId=receipt["kktRegId"] + " ",  # sic: the documentation's samples pad them
        fiscalSign=int(receipt["fiscalSign"]),
        id=guid,
        items=[
            {**i, "paymentMode": 3, "paymentSubject": 0, "ndsType": "nds20"}
            for i in receipt["items"]
        ],
    )
    return {kind: body}
