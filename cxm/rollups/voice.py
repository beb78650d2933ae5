"""Keeping the customer-voice rollups — segments (SegmentDay), survey factors (FactorDay) and
press reasons (ReasonDay) — equal to the facts. A store-day's factor rows depend on its survey
answers, its reason rows on its terminal presses; its segment rows
depend on its receipts and their lines, the day's terminal presses, the answers tied to its
receipts and the consultations matched to them — whose matching reads the consultations and
receipts of the day before, the day and the day after. Every write of these facts moves its
store-day's versions on (cxm.rollups.versions) in the writer's transaction, and costs the
writer nothing more. Just before the segments are read, the store-days whose versions — of
the day and its neighbours — moved since their rows were summed (SegmentState) are summed
again from the facts, like every rollup; an answer's store-day also makes its receipt's
summed again (an answer may come days after its receipt, an answer is never taken back).
Late receipts, returns (no sale: in no segment), re-imports (no version moves) and deleted
sellers (the segments have no seller; a seller's factor and reason rows go with the seller,
and their answers' and presses' store-days are summed again, their versions moved) keep the
rows right."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import astuple
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet

from cxm.feedback.composition import receipt_frame, segment_sums
from cxm.feedback.models import Press, SurveyResponse
from cxm.metrics.satisfaction import FactorSums, factor_sums
from cxm.org.models import Store
from cxm.rollups import versions
from cxm.rollups.models import FactorDay, ReasonDay, SegmentDay, SegmentState
from cxm.rollups.refresh import CHUNK, StoreDayKey, chunks, lock_stores, replace_store_days
from cxm.staff.matching import refresh_matches

_SELLER_DAY = ("store_id", "seller_id", "day")


def refresh_voice_days(store_ids: Iterable[int] | None = None, first: date = date.min) -> int:
    """Sum again the segment and factor rows of the store-days of these stores (all when
    None), from the day before `first` on (a consultation's sale may be the next day's),
    whose fact versions moved on; returns how many store-days were summed. In a transaction
    of its own, under the stores' locks (two readers do not sum the same store-day twice)."""
    stores = list(Store.objects.values_list("pk", flat=True)) if store_ids is None else store_ids
    since = first - timedelta(days=1) if first > date.min else first
    if not _stale(stores, since):
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        stale = _stale(stores, since)
        lock_stores(cursor, sorted({store for store, _ in stale}))
        stale = _stale(stores, since)  # again, under the locks
        # The conversions are the matching's: matched first, as of the versions recorded.
        days = [day for _, day in stale]
        refresh_matches(sorted({s for s, _ in stale}), min(days) - timedelta(days=1), max(days))
        keys = sorted(set(stale) | _tied_receipt_days(list(stale)))
        for chunk in chunks(keys, CHUNK):
            frame = receipt_frame(_window(chunk), set(chunk))
            rows = segment_sums(frame, ("store", "day")).itertuples(index=False, name=None)
            replace_store_days(cursor, SegmentDay, chunk, rows)
        for chunk in chunks(sorted(stale), CHUNK):
            replace_store_days(cursor, FactorDay, chunk, _factor_rows(chunk))
            replace_store_days(cursor, ReasonDay, chunk, _reason_rows(chunk))
            states = [(store, day, stale[(store, day)]) for store, day in chunk]
            replace_store_days(cursor, SegmentState, chunk, states)
    return len(keys)


def _window(keys: list[StoreDayKey]) -> dict:
    """Filters that select these store-days' facts, and some more (the exact pairs follow)."""
    return {"store_id__in": {s for s, _ in keys}, "day__in": {d for _, d in keys}}


def _factor_rows(keys: list[StoreDayKey]) -> list[tuple]:
    """FactorDay's rows of these store-days, from their answers."""
    wanted = set(keys)
    answers = factor_sums_of(SurveyResponse.objects.filter(**_window(keys)), _SELLER_DAY)
    return [
        (*key, code, *astuple(sums))
        for key, by_factor in answers.items()
        if (key[0], key[2]) in wanted
        for code, sums in by_factor.items()
    ]


def _reason_rows(keys: list[StoreDayKey]) -> list[tuple]:
    """ReasonDay's rows of these store-days, from their presses."""
    wanted = set(keys)
    counted = reasons_of(Press.objects.filter(**_window(keys)), _SELLER_DAY)
    return [
        (store, seller, day, reason, presses)
        for (store, seller, day, reason), presses in counted.items()
        if (store, day) in wanted
    ]


def reasons_of(presses: QuerySet, by: Sequence[str] = ()) -> dict[tuple, int]:
    """Counted presses (repeats apart) per reason given, per key of the `by` fields and the
    reason: what the NPS page shows and its rollup keeps."""
    counted = presses.filter(repeat=False).exclude(reason="").order_by()
    rows = counted.values_list(*by, "reason").annotate(n=Count("pk"))
    return {tuple(key): n for *key, n in rows}


def factor_sums_of(answers: QuerySet, by: Sequence[str] = ()) -> dict[tuple, dict[str, FactorSums]]:
    """Each factor's sums over these survey answers (declines and answers without factor
    questions have none), per key of the `by` fields (`()` for all of them)."""
    rows = answers.filter(declined=False).exclude(answers={}).order_by()
    grouped: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for *key, factors, recommend in rows.values_list(*by, "answers", "nps"):
        scores, recommends = grouped[tuple(key)]
        scores.append(factors)
        recommends.append(recommend)
    return {key: factor_sums(*lists) for key, lists in grouped.items()}


def forget_voice_days(store_ids: Iterable[int] | None = None) -> None:
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
    """Store-days with receipts or feedback (a day of answers only has no receipt) whose
    versions moved since their segment rows were summed, with their fingerprint now."""
    return versions.stale_store_days(
        SegmentState,
        store_ids,
        since,
        date.max,
        having=[versions.SALES, versions.FEEDBACK],
        around=_AROUND,
        salt=str(settings.CXM_CONSULTATION_SALE_MINUTES),
    )


def _tied_receipt_days(keys: list[StoreDayKey]) -> set[StoreDayKey]:
    """The store-days of the receipts that these store-days' answers are tied to."""
    wanted = set(keys)
    tied: set[StoreDayKey] = set()
    for chunk in chunks(keys, CHUNK):
        rows = SurveyResponse.objects.filter(
            store_id__in={s for s, _ in chunk}, day__in={d for _, d in chunk}, receipt__isnull=False
        ).values_list("store_id", "day", "receipt__store_id", "receipt__day")
        tied.update((rs, rd) for s, d, rs, rd in rows.order_by() if (s, d) in wanted)
    return tied
