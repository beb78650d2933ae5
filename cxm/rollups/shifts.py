"""Sellers' shift traffic: the store's visitors of the hours from a seller's first to last
receipt or consultation of each day (shift plans are not imported) — the seller ranking's
traffic and the analyses' coverage.

Summed here, in one statement, from wherever the hours lie (`sum_shift_visitors`: the raw
facts, or the sales and service rollups), and kept per seller-day in ShiftDay. A
seller-day's figure depends on the day's receipts (versions.SALES), consultations
(versions.CONSULTATIONS) and visitor counts as summed (versions.TRAFFIC); like the
customer-voice rollups, the store-days whose versions moved since their rows were summed
(ShiftState) are summed again by their next reader or the worker's tick, so a write costs
its writer nothing more. A deleted seller's rows go with the seller; their store-days are
summed again (the deletion moves their versions on)."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import F, QuerySet

from cxm.org.models import Store
from cxm.rollups import versions
from cxm.rollups.models import SellerDay, ServiceDay, ShiftDay, ShiftState, StoreHour
from cxm.rollups.refresh import CHUNK, StoreDayKey, chunks, lock_stores, replace_store_days
from cxm.rollups.visitors import settle_visitor_counts

HOURS = 24  # local hours of a day, 0–23
Row = dict[str, Any]

_SHIFT_DAY_FIELDS = ("store_id", "day", "seller_id")


def sum_shift_visitors(
    spans: Sequence[tuple[QuerySet, str, str]],
    hours: QuerySet,
    visitors: str,
    seller_id: int | None,
    fields: Sequence[str],
) -> list[Row]:
    """Σ over seller-days of the visitors of each seller-day's span of hours, per group of
    `fields`, in one statement. `spans` are the rows that give a seller's hours (rows with a
    seller, first-hour and last-hour columns), `hours` the hour table (visitors in its column
    `visitors`). A chain's month is tens of thousands of seller-days and store-hours, so they
    are summed where they lie: each seller-day's earliest and latest hour over all span rows,
    joined by store-day to that day's visitors laid out one column an hour (an equality join;
    joining every hour inside each span made ten rows of each and sorted them)."""
    keys = {f"k{n}": F(field) for n, field in enumerate(fields)}
    where = {"at_store": F("store_id"), "on_day": F("day")}
    parts, params = [], []
    try:
        for rows, first, last in spans:
            if seller_id is not None:
                rows = rows.filter(seller_id=seller_id)
            hours_of = rows.values(
                **keys, **where, of_seller=F("seller_id"), from_hour=F(first), to_hour=F(last)
            )
            sql, part_params = hours_of.order_by().query.sql_with_params()
            parts.append(sql)
            params += part_params
        seen = hours.values(**where, at_hour=F("hour"), seen=F(visitors)).order_by()
        hour_sql, hour_params = seen.query.sql_with_params()
    except EmptyResultSet:  # no store in the scope: no statement to send
        return []
    k = "".join(f"{key}, " for key in keys)
    by_hour = ", ".join(
        f"SUM(CASE WHEN at_hour = {h} THEN seen ELSE 0 END) AS h{h}" for h in range(HOURS)
    )
    in_span = " + ".join(
        f"CASE WHEN s.from_hour <= {h} AND s.to_hour >= {h} THEN v.h{h} ELSE 0 END"
        for h in range(HOURS)
    )
    # SQLite takes no parentheses around the members of a UNION.
    sql = (
        f"SELECT {''.join(f's.{key}, ' for key in keys)}SUM({in_span}) FROM ("
        f" SELECT {k}at_store, on_day, of_seller,"
        " MIN(from_hour) AS from_hour, MAX(to_hour) AS to_hour"
        f" FROM ({' UNION ALL '.join(parts)}) AS u GROUP BY {k}at_store, on_day, of_seller"
        f") AS s JOIN (SELECT at_store, on_day, {by_hour} FROM ({hour_sql}) AS h"
        " GROUP BY at_store, on_day) AS v ON v.at_store = s.at_store AND v.on_day = s.on_day"
    )
    if keys:
        sql += " GROUP BY " + ", ".join(f"s.{key}" for key in keys)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *hour_params])
        found = cursor.fetchall()
    return [_shift_row(fields, row) for row in found]


def _shift_row(fields: Sequence[str], row: tuple) -> Row:
    """A statement's row as the report's: days as dates, the sum as a whole number (SQLite
    gives text outside the ORM, PostgreSQL a numeric for a sum of big integers)."""
    named = {
        field: versions.as_date(value) if field == "day" else value
        for field, value in zip(fields, row[:-1], strict=True)
    }
    return {**named, "visitors": int(row[-1] or 0)}


def refresh_shift_days(
    store_ids: Iterable[int] | None = None, first: date = date.min, last: date = date.max
) -> int:
    """Sum again the ShiftDay rows of the store-days of these stores (all when None) in
    [first, last] whose fact versions moved on; returns how many store-days were summed. In a
    transaction of its own, under the stores' locks (two readers do not sum a day twice)."""
    stores = list(Store.objects.values_list("pk", flat=True)) if store_ids is None else store_ids
    settle_visitor_counts(stores, first, last)  # the store-hours it sums from
    stale = _stale(stores, first, last)
    if not stale:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        lock_stores(cursor, sorted({store for store, _ in stale}))
        stale = _stale(stores, first, last)  # again, under the locks
        for chunk in chunks(sorted(stale), CHUNK):
            replace_store_days(cursor, ShiftDay, chunk, _shift_rows(chunk))
            states = [(store, day, stale[(store, day)]) for store, day in chunk]
            replace_store_days(cursor, ShiftState, chunk, states)
    return len(stale)


def _shift_rows(keys: list[StoreDayKey]) -> list[tuple]:
    """ShiftDay's rows of these store-days, from the sales and service rollups (which their
    writers keep equal to the facts)."""
    window = {"store_id__in": {s for s, _ in keys}, "day__in": {d for _, d in keys}}
    spans = [
        (SellerDay.objects.filter(**window, seller__isnull=False), "first_hour", "last_hour"),
        (
            ServiceDay.objects.filter(**window, consultations__gt=0),
            "first_consultation_hour",
            "last_consultation_hour",
        ),
    ]
    rows = sum_shift_visitors(
        spans, StoreHour.objects.filter(**window), "visitors", None, _SHIFT_DAY_FIELDS
    )
    wanted = set(keys)
    return [
        (row["store_id"], row["seller_id"], row["day"], row["visitors"])
        for row in rows
        if (row["store_id"], row["day"]) in wanted
    ]


def forget_shift_days(store_ids: Iterable[int] | None = None) -> None:
    """Mark every store-day of these stores (all when None) for summing again."""
    states = ShiftState.objects.all()
    if store_ids is not None:
        states = states.filter(store_id__in=list(store_ids))
    states.delete()


def _stale(store_ids: list[int], first: date, last: date) -> dict[StoreDayKey, str]:
    """Store-days with receipts or consultations whose versions, or whose summed visitor
    counts, moved since their shift rows were summed, with their fingerprint now."""
    kinds = [versions.SALES, versions.CONSULTATIONS]
    return versions.stale_store_days(
        ShiftState,
        store_ids,
        first,
        last,
        having=kinds,
        around=[(0, kind) for kind in (*kinds, versions.TRAFFIC)],
        salt="shift",
    )
