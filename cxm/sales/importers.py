"""Receipt import: native FNS/OFD receipt JSON in, one row per fiscal document out.

A receipt's identity is (fiscal drive, fiscal document number): re-sending is harmless.
Each batch is written in one transaction down the database's own bulk path (cxm.imports.bulk),
so a 1 GB file streams through in bounded memory (see bench/import_receipts.py); the same
transaction adds the batch's receipts to the rollups the dashboards read (cxm.rollups).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from cxm.imports.bulk import insert_rows, reserve_ids
from cxm.imports.records import ImportResult, Record, write_in_batches
from cxm.org.models import Chain, Store
from cxm.org.services import SellerDirectory, StoreDirectory
from cxm.rollups.refresh import NewReceipt, add_to_sales_rollups
from cxm.sales.ffd import ParsedReceipt, ReceiptError, iter_receipt_dicts, parse_receipt
from cxm.sales.models import Receipt, ReceiptItem
from cxm.sales.services import CategoryAssigner


@dataclass(slots=True)
class _Accepted:
    position: str
    parsed: ParsedReceipt
    store: Store
    seller_id: int | None
    at: datetime
    local: datetime
    units: Decimal


def import_receipts(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    stores = StoreDirectory(chain)
    sellers = SellerDirectory(chain)
    categories = CategoryAssigner(chain)

    def check(batch: list[Record], result: ImportResult) -> list[_Accepted]:
        accepted = []
        for position, raw in _receipts_of(batch):
            try:
                accepted.append(_resolve(position, raw, stores, sellers, default_store))
            except ReceiptError as exc:
                result.reject(position, exc.field, exc.message)
        return accepted

    def write(accepted: list[_Accepted], result: ImportResult) -> None:
        _write(accepted, categories, result)

    return write_in_batches("receipts", records, settings.CXM_IMPORT_BATCH, check, write)


def _receipts_of(batch: list[Record]) -> Iterator[tuple[str, dict]]:
    """One record may be an export wrapping several receipts."""
    for record in batch:
        for number, raw in enumerate(iter_receipt_dicts(record.data), start=1):
            yield (record.position if number == 1 else f"{record.position} receipt {number}"), raw


def _resolve(
    position: str,
    raw: dict,
    stores: StoreDirectory,
    sellers: SellerDirectory,
    default_store: Store | None,
) -> _Accepted:
    parsed = parse_receipt(raw)
    store = stores.find(parsed.kkt_reg_id, parsed.store_code) or default_store
    if store is None:
        if parsed.store_code:
            raise ReceiptError("store", f"unknown store {parsed.store_code!r}")
        raise ReceiptError(
            "kktRegId",
            f"register {parsed.kkt_reg_id or '(none)'} is not mapped to a store and the "
            "receipt names no store: map the register or pass --store",
        )
    tz = store.tz
    local = parsed.local_time
    at = local if local.tzinfo else local.replace(tzinfo=tz)
    local = at.astimezone(tz)
    seller_id = sellers.find(parsed.seller_code, parsed.operator_inn, parsed.operator)
    units = sum((i.quantity for i in parsed.items), Decimal(0))
    return _Accepted(position, parsed, store, seller_id, at.astimezone(UTC), local, units)


def _write(accepted: list[_Accepted], categories: CategoryAssigner, result: ImportResult) -> None:
    fresh = _drop_duplicates(accepted, result)
    if not fresh:
        return
    with transaction.atomic():
        ids = reserve_ids(Receipt, len(fresh))
        insert_rows(
            Receipt, RECEIPT_FIELDS, [_receipt_row(i, a) for i, a in zip(ids, fresh, strict=True)]
        )
        insert_rows(
            ReceiptItem,
            ITEM_FIELDS,
            [
                (
                    receipt_id,
                    item.position,
                    item.name,
                    item.price,
                    item.quantity,
                    item.sum,
                    categories.category_id(item.name),
                )
                for receipt_id, a in zip(ids, fresh, strict=True)
                for item in a.parsed.items
            ],
        )
        add_to_sales_rollups(
            NewReceipt(
                a.store.pk,
                a.seller_id,
                a.local.date(),
                a.local.hour,
                a.parsed.operation_type,
                a.parsed.total,
                a.units,
            )
            for a in fresh
        )
    result.accepted += len(fresh)


def _drop_duplicates(accepted: list[_Accepted], result: ImportResult) -> list[_Accepted]:
    existing = _stored_identities(
        {(a.parsed.fiscal_drive_number, a.parsed.fiscal_document_number) for a in accepted}
    )
    fresh = []
    for a in accepted:
        key = (a.parsed.fiscal_drive_number, a.parsed.fiscal_document_number)
        if key in existing:
            result.duplicates += 1
        else:
            existing.add(key)
            fresh.append(a)
    return fresh


# A fiscal drive numbers its documents 1, 2, 3…: a batch holds runs of consecutive numbers,
# each found by one range read of the identity's unique index. A gap wider than this starts
# a new run, so a range never reads more than this many stored receipts per batch receipt.
_RUN_GAP = 64
_RUNS_PER_QUERY = 300  # 900 parameters: far below SQLite's limit on one statement


def _stored_identities(keys: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The (fiscal drive, document number) pairs among `keys` already stored. Raw SQL: the
    ORM's IN lists of a whole batch took longer to compile than the database to answer."""
    runs = []
    for drive, numbers in _numbers_by_drive(keys).items():
        numbers.sort()
        first = previous = numbers[0]
        for number in numbers[1:]:
            if number - previous > _RUN_GAP:
                runs.append((drive, first, previous))
                first = number
            previous = number
        runs.append((drive, first, previous))
    found = set()
    table = connection.ops.quote_name(Receipt._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(runs), _RUNS_PER_QUERY):
            chunk = runs[start : start + _RUNS_PER_QUERY]
            ranges = " OR ".join(
                ["(fiscal_drive_number = %s AND fiscal_document_number BETWEEN %s AND %s)"]
                * len(chunk)
            )
            cursor.execute(
                f"SELECT fiscal_drive_number, fiscal_document_number FROM {table} WHERE {ranges}",
                [value for run in chunk for value in run],
            )
            found.update(row for row in cursor.fetchall() if row in keys)
    return found


def _numbers_by_drive(keys: set[tuple[str, int]]) -> dict[str, list[int]]:
    by_drive: dict[str, list[int]] = {}
    for drive, number in keys:
        by_drive.setdefault(drive, []).append(number)
    return by_drive


RECEIPT_FIELDS = (
    "id",
    "store",
    "seller",
    "fiscal_drive_number",
    "fiscal_document_number",
    "fiscal_sign",
    "kkt_reg_id",
    "document_code",
    "operation_type",
    "at",
    "day",
    "hour",
    "total",
    "cash",
    "ecash",
    "units",
    "operator",
    "operator_inn",
)
ITEM_FIELDS = ("receipt", "position", "name", "price", "quantity", "sum", "category")


def _receipt_row(receipt_id: int, a: _Accepted) -> tuple:
    p = a.parsed
    return (
        receipt_id,
        a.store.pk,
        a.seller_id,
        p.fiscal_drive_number,
        p.fiscal_document_number,
        p.fiscal_sign,
        p.kkt_reg_id,
        p.document_code,
        p.operation_type,
        a.at,
        a.local.date(),
        a.local.hour,
        p.total,
        p.cash,
        p.ecash,
        a.units,
        p.operator[:200],
        p.operator_inn,
    )
