"""Keeping the segment rollup (SegmentDay) equal to the facts. A store-day's segment rows
depend on its receipts and their lines, the day's terminal presses, the answers tied to its
receipts and the consultations matched to them — whose matching reads the consultations and
receipts of the day before, the day and the day after. Every write of these facts moves its
store-day's versions on (cxm.rollups.versions) in the writer's transaction, and costs the
writer nothing more. Just before the segments are read, the store-days whose versions — of
the day and its neighbours — moved since their rows were summed (SegmentState) are summed
again from the facts, like every rollup; an answer's store-day also makes its receipt's
summed again (an answer may come days after its receipt, an answer is never taken back).
Late receipts, returns (no sale: in no segment), re-imports (no version moves) and deleted
sellers (the segments have no seller) keep the rows right."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction

from cxm.feedback.composition import receipt_frame, segment_sums
from cxm.feedback.models import SurveyResponse
from cxm.imports.bulk import insert_rows
from cxm.org.models import Store
from cxm.rollups import versions
from cxm.rollups.models import SegmentDay, SegmentState
from cxm.rollups.refresh import CHUNK, StoreDayKey, _chunks, _key_condition, _lock_stores

_ROW_FIELDS = [
    f.name for f in SegmentDay._meta.concrete_fields if not f.primary_key and f.name != "store"
]
_FIELDS = ["store_id", *_ROW_FIELDS]


def refresh_segments(store_ids: Iterable[int] | None = None, first: date = date.min) -> int:
    """Sum again the segment rows of the store-days of these stores (all when None), from the
    day before `first` on (a consultation's sale may be the next day's), whose fact versions
    moved on; returns how many store-days were summed. In a transaction of its own, under
    the stores' locks (two readers do not sum the same store-day twice)."""
    stores = list(Store.objects.values_list("pk", flat=True)) if store_ids is None else store_ids
    since = first - timedelta(days=1) if first > date.min else first
    if not _stale(stores, since):
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        stale = _stale(stores, since)
        _lock_stores(cursor, sorted({store for store, _ in stale}))
        stale = _stale(stores, since)  # again, under the locks
        keys = sorted(set(stale) | _tied_receipt_days(list(stale)))
        table = connection.ops.quote_name(SegmentDay._meta.db_table)
        for chunk in _chunks(keys, CHUNK):
            condition, params = _key_condition(chunk)
            cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
            window = {"store_id__in": {s for s, _ in chunk}, "day__in": {d for _, d in chunk}}
            sums = segment_sums(receipt_frame(window, set(chunk)), ("store", "day"))
            insert_rows(SegmentDay, _FIELDS, sums.itertuples(index=False, name=None))
        state = connection.ops.quote_name(SegmentState._meta.db_table)
        for chunk in _chunks(sorted(stale), CHUNK):
            condition, params = _key_condition(chunk)
            cursor.execute(f"DELETE FROM {state} WHERE {condition}", params)
            states = [(store, day, stale[(store, day)]) for store, day in chunk]
            insert_rows(SegmentState, ["store_id", "day", "fingerprint"], states)
    return len(keys)


def forget_segments(store_ids: Iterable[int] | None = None) -> None:
    """Mark every store-day of these stores (all when None) for summing again."""
    states = SegmentState.objects.all()
    if store_ids is not None:
        states = states.filter(store_id__in=list(store_ids))
    states.delete()


# The versions a store-day's segment rows are summed from, by day offset: its receipts and
# presses, and the consultations and receipts the matching of its sales reads.
_AROUND = [
    (0, versions.FEEDBACK),
    *((offset, kind) for offset in (-1, 0, 1) for kind in (versions.SALES, versions.CONSULTATIONS)),
]


def _stale(store_ids: list[int], since: date) -> dict[StoreDayKey, str]:
    """Store-days with receipts or feedback whose versions moved since their segment rows were
    summed, with their fingerprint now."""
    stale = {}
    for having in (versions.SALES, versions.FEEDBACK):  # a day of answers only has no receipt
        stale.update(
            versions.stale_store_days(
                SegmentState,
                store_ids,
                since,
                date.max,
                having=having,
                around=_AROUND,
                salt=str(settings.CXM_CONSULTATION_SALE_MINUTES),
            )
        )
    return stale


def _tied_receipt_days(keys: list[StoreDayKey]) -> set[StoreDayKey]:
    """The store-days of the receipts that these store-days' answers are tied to."""
    wanted = set(keys)
    tied: set[StoreDayKey] = set()
    for chunk in _chunks(keys, CHUNK):
        rows = SurveyResponse.objects.filter(
            store_id__in={s for s, _ in chunk}, day__in={d for _, d in chunk}, receipt__isnull=False
        ).values_list("store_id", "day", "receipt__store_id", "receipt__day")
        tied.update((rs, rd) for s, d, rs, rd in rows.order_by() if (s, d) in wanted)
    return tied
