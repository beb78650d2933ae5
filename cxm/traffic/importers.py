"""Visitor-counter import: one row per store and interval; a re-sent interval with new
counts replaces the old ones (counters correct themselves), an identical one is a duplicate."""

from collections.abc import Iterable
from datetime import UTC

from django.db import transaction

from cxm.imports import fields
from cxm.imports.records import ImportResult, Record, RecordError, run_in_batches
from cxm.org.models import Chain, Store
from cxm.rollups.refresh import refresh_store_days
from cxm.traffic.models import VisitorCount


def import_traffic(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    stores = {s.code: s for s in Store.objects.filter(chain=chain)}

    def handle(batch: list[Record], result: ImportResult) -> None:
        rows: dict[tuple[int, object], VisitorCount] = {}
        for record in batch:
            try:
                row = _row(record.data, stores, default_store)
            except RecordError as exc:
                result.reject(record.position, exc.field, exc.message)
                continue
            key = (row.store_id, row.start)
            if key in rows:
                # Re-sent within one batch: the later counts win, like a re-send across batches.
                if _counts(rows[key]) == _counts(row):
                    result.duplicates += 1
                else:
                    result.updated += 1
            rows[key] = row
        _write(rows, result)

    return run_in_batches("traffic", records, 5000, handle)


def _row(data: dict, stores: dict[str, Store], default_store: Store | None) -> VisitorCount:
    code = data.get("store")
    store = stores.get(str(code)) if code else default_store
    if store is None:
        raise RecordError("store", f"unknown store {code!r}" if code else "is required")
    start = fields.moment(data, "start", store.tz)
    local = start.astimezone(store.tz)
    visitors_in = fields.integer(data, "visitors_in", minimum=0)
    return VisitorCount(
        store_id=store.pk,
        start=start.astimezone(UTC),
        minutes=fields.integer(data, "minutes", minimum=1),
        visitors_in=visitors_in,
        visitors_out=fields.integer(data, "visitors_out", minimum=0, default=visitors_in),
        day=local.date(),
        hour=local.hour,
    )


def _counts(row: VisitorCount) -> tuple[int, int, int]:
    return (row.minutes, row.visitors_in, row.visitors_out)


def _write(rows: dict[tuple[int, object], VisitorCount], result: ImportResult) -> None:
    existing = {
        (v.store_id, v.start): v
        for v in VisitorCount.objects.filter(
            store_id__in={k[0] for k in rows}, start__in={k[1] for k in rows}
        )
    }
    new, changed = [], []
    for key, row in rows.items():
        old = existing.get(key)
        if old is None:
            new.append(row)
        elif _counts(old) != _counts(row):
            row.pk = old.pk
            changed.append(row)
        else:
            result.duplicates += 1
    with transaction.atomic():
        VisitorCount.objects.bulk_create(new)
        VisitorCount.objects.bulk_update(changed, ["minutes", "visitors_in", "visitors_out"])
        refresh_store_days({(row.store_id, row.day) for row in new + changed})
    result.accepted += len(new)
    result.updated += len(changed)
