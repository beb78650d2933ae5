"""Visitor-counter import: one row per store and interval; a re-sent interval with new
counts replaces the old ones (counters correct themselves), an identical one is a duplicate.
Rows go down the database's bulk path (cxm.imports.bulk) as plain tuples: building a model
instance per interval cost more than writing it. The rollups' visitor figures are summed
after the import, by the worker's tick or their first reader (cxm.rollups.visitors): the
import notes which store-days it wrote."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import reduce
from operator import or_
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q

from cxm.imports import fields
from cxm.imports.bulk import insert_rows, update_rows
from cxm.imports.records import (
    SHORT_ROWS_BATCH,
    ImportResult,
    Record,
    RecordError,
    write_in_batches,
)
from cxm.org.models import Chain, Store
from cxm.rollups.visitors import note_counted_days
from cxm.traffic.models import VisitorCount

COUNTS = ("minutes", "visitors_in", "visitors_out")


class _Interval(NamedTuple):
    """One VisitorCount row, in the order of its FIELDS."""

    store_id: int
    start: datetime  # UTC
    minutes: int
    visitors_in: int
    visitors_out: int
    day: date  # the store's local day
    hour: int


FIELDS = _Interval._fields


def import_traffic(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    stores = {s.code: s for s in Store.objects.filter(chain=chain)}

    def check(batch: list[Record], result: ImportResult) -> dict[tuple[int, datetime], _Interval]:
        rows: dict[tuple[int, datetime], _Interval] = {}
        for record in batch:
            try:
                row = _row(record.data, stores, default_store)
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
                continue
            key = (row.store_id, row.start)
            if key in rows:
                # Re-sent within one batch: the later counts win, like a re-send across batches.
                if rows[key][2:5] == row[2:5]:
                    result.duplicates += 1
                else:
                    result.updated += 1
            rows[key] = row
        return rows

    return write_in_batches("traffic", records, SHORT_ROWS_BATCH, check, _write)


def _row(data: dict, stores: dict[str, Store], default_store: Store | None) -> _Interval:
    code = data.get("store")
    store = stores.get(str(code)) if code else default_store
    if store is None:
        raise RecordError("store", f"unknown store {code!r}" if code else "is required")
    tz = store.tz
    start = fields.moment(data, "start", tz)
    local = start.astimezone(tz)
    visitors_in = fields.integer(data, "visitors_in", minimum=0)
    return _Interval(
        store.pk,
        start.astimezone(UTC),
        fields.integer(data, "minutes", minimum=1),
        visitors_in,
        fields.integer(data, "visitors_out", minimum=0, default=visitors_in),
        local.date(),
        local.hour,
    )


def _write(rows: dict[tuple[int, datetime], _Interval], result: ImportResult) -> None:
    existing = _stored(rows)
    new, changed, written = [], [], set()
    for key, row in rows.items():
        old = existing.get(key)
        if old is None:
            new.append(row)
        elif old[1:] != row[2:5]:
            changed.append((old[0], *row[2:5]))
        else:
            result.duplicates += 1
            continue
        written.add((row.store_id, row.day))
    with transaction.atomic():
        insert_rows(VisitorCount, FIELDS, new)
        update_rows(VisitorCount, COUNTS, changed)
        note_counted_days(written)
    result.accepted += len(new)
    result.updated += len(changed)


def _stored(rows: dict[tuple[int, datetime], _Interval]) -> dict[tuple[int, datetime], tuple]:
    """(store, start) → (id, *counts) of the batch's intervals already stored: one index range
    per store over the batch's span, rather than an IN list of every start."""
    spans: dict[int, tuple[datetime, datetime]] = {}
    for store_id, start in rows:
        low, high = spans.get(store_id, (start, start))
        spans[store_id] = (min(low, start), max(high, start))
    if not spans:
        return {}
    found = VisitorCount.objects.filter(
        reduce(or_, (Q(store_id=s, start__range=span) for s, span in spans.items()))
    ).values_list("store_id", "start", "pk", *COUNTS)
    return {(s, start): tuple(rest) for s, start, *rest in found if (s, start) in rows}
