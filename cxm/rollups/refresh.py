"""Keeping the rollups equal to the facts: the figures of each touched (store, day) are
recomputed from the receipts and visitor counts of that store-day, in set-based SQL that runs
on SQLite and PostgreSQL alike, inside the transaction that changed the facts.

Recomputing rather than adding deltas makes every change safe by construction: a new or late
receipt, a return, a corrected visitor count, a re-import (which inserts nothing new) or a
seller who is deleted — the store-day's rows are thrown away and summed again. A store-day is
a few hundred receipts, so this costs little next to writing them (bench/scale.py)."""

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice

from django.db import connection, transaction

from cxm.rollups.models import SellerDay, StoreDay, StoreHour
from cxm.sales.models import OperationType, Receipt
from cxm.traffic.models import VisitorCount

StoreDayKey = tuple[int, date]

# Keys per statement: at most four parameters each, twice in one statement — under
# SQLite's limit of 32,766.
CHUNK = 400

# Advisory-lock namespace (PostgreSQL): two transactions refreshing the same store take turns,
# so neither sums the store-day without the other's committed rows. SQLite writes one at a time.
_LOCK_NAMESPACE = 7_001_010

_SALE, _RETURN = OperationType.SALE.value, OperationType.SALE_RETURN.value
_MEASURES = (
    "sales",
    "returns",
    "receipts",
    "return_receipts",
    "units_sold",
    "units_returned",
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _receipt_measures() -> str:
    return f"""
        SUM(CASE WHEN operation_type = {_SALE} THEN total ELSE 0 END) AS sales,
        SUM(CASE WHEN operation_type = {_RETURN} THEN total ELSE 0 END) AS returns,
        SUM(CASE WHEN operation_type = {_SALE} THEN 1 ELSE 0 END) AS receipts,
        SUM(CASE WHEN operation_type = {_RETURN} THEN 1 ELSE 0 END) AS return_receipts,
        SUM(CASE WHEN operation_type = {_SALE} THEN units ELSE 0 END) AS units_sold,
        SUM(CASE WHEN operation_type = {_RETURN} THEN units ELSE 0 END) AS units_returned"""


def _statements(keys: str) -> list[tuple[str, int]]:
    """(SQL, how many times the key list's parameters appear in it), in the order to run.
    `keys` is the condition that selects the store-days' rows (_key_condition)."""
    measures = ", ".join(_MEASURES)
    sums = ", ".join(f"SUM({m})" for m in _MEASURES)
    hour, day, seller = _table(StoreHour), _table(StoreDay), _table(SellerDay)
    receipts, visitors = _table(Receipt), _table(VisitorCount)
    return [
        (f"DELETE FROM {hour} WHERE {keys}", 1),
        (
            f"""INSERT INTO {hour} (store_id, day, hour, {measures}, visitors, intervals)
            SELECT store_id, day, hour, {sums}, SUM(visitors), SUM(intervals) FROM (
                SELECT store_id, day, hour, {_receipt_measures()},
                    0 AS visitors, 0 AS intervals
                FROM {receipts} WHERE {keys} GROUP BY store_id, day, hour
                UNION ALL
                SELECT store_id, day, hour, 0, 0, 0, 0, 0, 0, SUM(visitors_in), COUNT(*)
                FROM {visitors} WHERE {keys} GROUP BY store_id, day, hour
            ) AS facts GROUP BY store_id, day, hour""",
            2,
        ),
        (f"DELETE FROM {day} WHERE {keys}", 1),
        (
            f"""INSERT INTO {day} (store_id, day, {measures}, visitors, intervals)
            SELECT store_id, day, {sums}, SUM(visitors), SUM(intervals) FROM {hour}
            WHERE {keys} GROUP BY store_id, day""",
            1,
        ),
        (f"DELETE FROM {seller} WHERE {keys}", 1),
        (
            f"""INSERT INTO {seller} (store_id, seller_id, day, {measures}, first_hour, last_hour)
            SELECT store_id, seller_id, day, {_receipt_measures()}, MIN(hour), MAX(hour)
            FROM {receipts} WHERE {keys} GROUP BY store_id, seller_id, day""",
            1,
        ),
    ]


def refresh_store_days(keys: Iterable[StoreDayKey]) -> int:
    """Recompute every rollup row of these (store id, local day) keys from the facts; returns
    how many keys. Runs in the caller's transaction (one of its own when there is none)."""
    unique = sorted(set(keys))
    if not unique:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_stores(cursor, sorted({store for store, _ in unique}))
        for chunk in _chunks(unique, CHUNK):
            condition, params = _key_condition(chunk)
            for sql, repeats in _statements(condition):
                cursor.execute(sql, params * repeats)
    return len(unique)


def _key_condition(keys: list[StoreDayKey]) -> tuple[str, list]:
    """The rows of exactly these store-days. The pair test alone would be exact, but
    PostgreSQL's planner cannot estimate it and reads the whole fact table; the store and day
    lists before it are what the (store, day) indexes serve, on SQLite as well."""
    stores = sorted({store for store, _ in keys})
    days = sorted({day for _, day in keys})
    condition = "store_id IN ({}) AND day IN ({}) AND (store_id, day) IN (VALUES {})".format(
        ", ".join(["%s"] * len(stores)),
        ", ".join(["%s"] * len(days)),
        ", ".join(["(%s, %s)"] * len(keys)),
    )
    return condition, [*stores, *days, *(value for key in keys for value in key)]


def _lock_stores(cursor, store_ids: list[int]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the transaction began IMMEDIATE and holds the only write lock
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s, id) FROM"
        " (SELECT unnest(%s::int[]) AS id ORDER BY 1) AS ordered",
        [_LOCK_NAMESPACE, store_ids],
    )
    cursor.fetchall()


def _chunks(items: list, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def store_days_of_facts(store_ids: Iterable[int] | None = None) -> Iterator[StoreDayKey]:
    """Every (store, day) that has a receipt or a visitor count (of these stores)."""
    seen: set[StoreDayKey] = set()
    for model in (Receipt, VisitorCount):
        rows = model.objects.all()
        if store_ids is not None:
            rows = rows.filter(store_id__in=list(store_ids))
        for key in rows.values_list("store_id", "day").distinct().order_by().iterator():
            if key not in seen:
                seen.add(key)
                yield key


def rebuild(store_ids: Iterable[int] | None = None) -> int:
    """Throw away and recompute the rollups of these stores (all when None), store by store;
    returns the store-days written. For a database filled before the rollups existed, or a
    check that they match."""
    stores = list(store_ids) if store_ids is not None else None
    with transaction.atomic():
        for model in (StoreHour, StoreDay, SellerDay):
            rows = model.objects.all()
            if stores is not None:
                rows = rows.filter(store_id__in=stores)
            rows.delete()
        return refresh_store_days(store_days_of_facts(stores))
