"""FNS receipt JSON as exported by OFD cabinets and the FNS app → the receipt CXM takes.

The vocabulary is already the FNS one; what varies is the wrapping and a few types:
`dateTime` as ISO text or Unix seconds (the KKT's wall time encoded as if UTC),
numbers as strings in CSV, padded identifiers, `code` vs `receiptCode`."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from cxm_replicator import normalize as n
from cxm_replicator.providers.base import MappingError

_WRAPPERS = {"receipt": 3, "receiptCorrection": 31, "bso": 4, "bsoCorrection": 41}
_MARKERS = ("items", "dateTime", "totalSum")


def receipts_in(value: Any) -> Iterator[Any]:
    """Every receipt-like object inside an export, however it is wrapped."""
    if isinstance(value, list):
        for element in value:
            yield from receipts_in(element)
    elif isinstance(value, dict) and not any(m in value for m in _MARKERS):
        for key in ("ticket", "document"):
            if isinstance(value.get(key), dict):
                yield from receipts_in(value[key])
                return
        for key, code in _WRAPPERS.items():
            if isinstance(value.get(key), dict):
                yield {"code": code, **value[key]}
                return
        for key in ("documents", "receipts"):
            if isinstance(value.get(key), list):
                yield from receipts_in(value[key])
                return
        yield value  # not a receipt: to_receipt says why
    else:
        yield value


def to_receipt(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise MappingError(f"a receipt must be an object, got {raw!r:.60}")
    code = n.document_code(raw.get("code", raw.get("receiptCode", raw.get("bsoCode"))))
    return n.receipt(raw, code=code, when=_when(raw.get("dateTime")))


def _when(value: Any) -> datetime:
    if type(value) is int or (isinstance(value, str) and value.strip().isdigit()):
        seconds = int(value)
        if not 0 <= seconds < 2**32:
            raise MappingError(f"dateTime {value!r} is out of the range of Unix time")
        # The register's wall time encoded as if it were UTC: decoded without a zone.
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    return n.wall_time(value, ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"), "dateTime")
