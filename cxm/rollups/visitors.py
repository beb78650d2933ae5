"""The visitor columns of the sales rollups, kept off the traffic import's path: the import
writes the counts and notes their store-days in a backlog (VisitorBacklog); the worker's tick
sums what the backlog holds, and every reader of visitor figures first sums the backlog's
store-days it is about to read — so a figure is never read stale, and the import writes one
row a store-day instead of a store-hour row a counter interval (docs/scaling.md §Ingest).

Summing a store-day recomputes its store-hours' and store-day's visitors and intervals and
its store-month's heat-map cells from its counts, so a re-sent or corrected interval is
summed like a new one. The backlog's rows are written and removed under the store's lock
(refresh.lock_stores), which the import holds until it commits: a sum either sees an
import's counts or finds the import's backlog row after it."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import connection, transaction

from cxm.rollups import versions
from cxm.rollups.models import StoreDay, StoreHour, VisitorBacklog
from cxm.rollups.refresh import (
    CHUNK,
    RECEIPT_MEASURES,
    StoreDayKey,
    chunks,
    key_condition,
    lock_stores,
    quoted_table,
    refresh_store_months,
)
from cxm.traffic.models import VisitorCount

# Store-days summed a transaction by the tick: a year's backfill does not hold its stores'
# locks for minutes.
_DRAINED_AT_ONCE = 2000


def note_counted_days(keys: Iterable[StoreDayKey]) -> None:
    """In the importer's transaction, after its counts are written: these store-days' visitor
    figures are to be summed. Takes their stores' locks until the importer commits."""
    unique = sorted(set(keys))
    if not unique:
        return
    table = quoted_table(VisitorBacklog)
    with connection.cursor() as cursor:
        lock_stores(cursor, sorted({store for store, _ in unique}))
        for chunk in chunks(unique, CHUNK):
            cursor.execute(
                f"INSERT INTO {table} (store_id, day) VALUES "
                + ", ".join(["(%s, %s)"] * len(chunk))
                + " ON CONFLICT (store_id, day) DO NOTHING",
                [value for key in chunk for value in key],
            )


def settle_visitor_counts(store_ids: list[int], first: date, last: date) -> int:
    """Sum the backlog's store-days of these stores in [first, last] before their visitor
    figures are read; returns how many. One indexed look-up when, as usual, there are none —
    within `backlog_read_once`, one for all the reads of the same stores."""
    waiting = _waiting.get()
    if waiting is None:
        return sum_visitor_counts(_backlog(store_ids).filter(day__gte=first, day__lte=last))
    stores = set(store_ids)
    known = next((keys for read, keys in waiting.items() if stores <= read), None)
    if known is None:
        known = waiting[frozenset(stores)] = set(_backlog(store_ids))
    due = {(store, day) for store, day in known if store in stores and first <= day <= last}
    known -= due
    return sum_visitor_counts(due)


@contextmanager
def backlog_read_once() -> Iterator[None]:
    """Within it (a request), the backlog of a set of stores is read once, all days: a page
    reads its period, the period before and whole months of the heat map."""
    token = _waiting.set({})
    try:
        yield
    finally:
        _waiting.reset(token)


# Within backlog_read_once: the stores whose backlog was read → their store-days not summed.
_waiting: ContextVar[dict[frozenset[int], set[StoreDayKey]] | None] = ContextVar(
    "cxm_visitor_backlog", default=None
)


def _backlog(store_ids: list[int]):
    return VisitorBacklog.objects.filter(store_id__any=store_ids).values_list("store_id", "day")


class BacklogReadOnceMiddleware:
    """Every request reads each store set's backlog once (backlog_read_once)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with backlog_read_once():
            return self.get_response(request)


def drain_backlog() -> int:
    """Sum every store-day the backlog holds (the worker's tick, the demo's preparation);
    returns how many."""
    summed = 0
    while waiting := list(
        VisitorBacklog.objects.order_by("store_id", "day").values_list("store_id", "day")[
            :_DRAINED_AT_ONCE
        ]
    ):
        summed += sum_visitor_counts(waiting)
    return summed


def sum_visitor_counts(keys: Iterable[StoreDayKey]) -> int:
    """Recompute these store-days' visitor figures from their counts, count the change in
    their traffic version (what is derived from the store-hours, the sellers' shift traffic,
    is summed again) and take them off the backlog; returns how many store-days."""
    unique = sorted(set(keys))
    if not unique:
        return 0
    hour, day = quoted_table(StoreHour), quoted_table(StoreDay)
    counts, backlog = quoted_table(VisitorCount), quoted_table(VisitorBacklog)
    measures = ", ".join(RECEIPT_MEASURES)
    zeros = ", ".join("0" for _ in RECEIPT_MEASURES)  # the receipts of a row a counter made
    taken = "visitors = excluded.visitors, intervals = excluded.intervals"
    with transaction.atomic(), connection.cursor() as cursor:
        lock_stores(cursor, sorted({store for store, _ in unique}))
        for chunk in chunks(unique, CHUNK):
            condition, params = key_condition(chunk)
            cursor.execute(
                f"""INSERT INTO {hour} (store_id, day, hour, {measures}, visitors, intervals)
                SELECT store_id, day, hour, {zeros}, SUM(visitors_in), COUNT(*)
                FROM {counts} WHERE {condition} GROUP BY store_id, day, hour
                ON CONFLICT (store_id, day, hour) DO UPDATE SET {taken}""",
                params,
            )
            cursor.execute(
                f"""INSERT INTO {day} (store_id, day, {measures}, visitors, intervals)
                SELECT store_id, day, {zeros}, SUM(visitors), SUM(intervals)
                FROM {hour} WHERE {condition} GROUP BY store_id, day
                ON CONFLICT (store_id, day) DO UPDATE SET {taken}""",
                params,
            )
            cursor.execute(f"DELETE FROM {backlog} WHERE {condition}", params)
        refresh_store_months(cursor, unique)
        versions.mark_written(unique, [versions.TRAFFIC])
    return len(unique)
