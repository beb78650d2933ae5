"""Sales-failure matching kept up to date per store-day.

A store-day is (re)matched when its fingerprint changes: the versions (cxm.rollups.versions)
of the sales and consultations of that day and of the next (a consultation at 23:50 may end
in a sale at 00:10, and its window may close at the next day's first consultation). The
matching itself is the vectorised as-of join in cxm.metrics.consultations, over all stale
store-days at once.

The imports do not match (a consultation import writes the facts, their service rollup row
and their version): refresh_matches runs as the data arrives in the worker's tick (the
customer-voice upkeep matches the recent stale days first) and before every read of outcomes
(failure lists, ranking, analysis, NPS conversions, the failure-spike rule), so a reader is
right whether or not the worker has run.
"""

from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cxm.imports.bulk import update_rows
from cxm.metrics.consultations import match_consultations, match_consultations_by_store
from cxm.reports.filters import ReportFilter
from cxm.rollups import versions
from cxm.rollups.refresh import SERVICE, refresh_store_days
from cxm.rollups.versions import stale_store_days
from cxm.sales.models import OperationType, Receipt
from cxm.staff.models import Consultation, MatchState


def sale_limit() -> timedelta:
    return timedelta(minutes=settings.CXM_CONSULTATION_SALE_MINUTES)


def refresh_matches(store_ids: list[int], first: date, last: date) -> int:
    """Match every store-day in [first, last] whose data changed since it was last matched;
    returns how many store-days were matched."""
    fingerprints = _stale(store_ids, first, last)
    if not fingerprints:
        return 0
    stale = set(fingerprints)
    with transaction.atomic():
        _match(stale)
        # Their outcomes in the rollup; no fact was written, so no version moves.
        refresh_store_days(stale, frozenset({SERVICE}), written=())
        MatchState.objects.filter(
            store_id__in={s for s, _ in stale}, day__in={d for _, d in stale}
        ).delete()
        MatchState.objects.bulk_create(
            MatchState(store_id=s, day=d, fingerprint=fingerprints[(s, d)]) for s, d in stale
        )
    return len(stale)


def matched(flt: ReportFilter) -> None:
    """The filter's stale store-days matched before its outcomes are read: once a filter
    (a page reads the ranking, the failures and the typical errors)."""
    flt.remembered(
        ("matched",), lambda: refresh_matches(flt.store_ids(), flt.period.start, flt.period.end)
    )


def _stale(store_ids: list[int], first: date, last: date) -> dict[tuple[int, date], str]:
    """The store-days with consultations whose fingerprint — the sale limit and the versions
    of its and the next day's sales and consultations — is not the one they were last
    matched with. A recent day's open consultations turn failed as
    time passes: its fingerprint holds the minute, so it is matched again each minute."""
    return stale_store_days(
        MatchState,
        store_ids,
        first,
        last,
        having=[versions.CONSULTATIONS],
        around=[
            (offset, kind) for offset in (0, 1) for kind in (versions.SALES, versions.CONSULTATIONS)
        ],
        salt=str(settings.CXM_CONSULTATION_SALE_MINUTES),
        fresh_until=(timezone.localdate() - timedelta(days=1), f"{timezone.now():%Y%m%d%H%M}"),
    )


def _match(stale: set[tuple[int, date]]) -> None:
    days = [d for _, d in stale]
    targets = pd.DataFrame.from_records(
        Consultation.objects.filter(
            store_id__in={s for s, _ in stale}, day__gte=min(days), day__lte=max(days)
        ).values_list("pk", "store_id", "day", "seller_id", "started_at"),
        columns=["id", "store", "day", "seller", "started_at"],
    )
    targets = targets[[key in stale for key in zip(targets["store"], targets["day"], strict=True)]]
    if targets.empty:
        return
    sellers = set(targets["seller"].tolist())
    # From a window before the first target: the consultations that may claim the same
    # receipts first (matched on the store); to a window after the last: each target's next
    # start is known.
    start = targets["started_at"].min() - sale_limit()
    end = targets["started_at"].max() + sale_limit()
    consultations = pd.DataFrame.from_records(
        Consultation.objects.filter(
            seller_id__in=sellers, started_at__gte=start, started_at__lte=end
        ).values_list("pk", "seller_id", "store_id", "day", "started_at"),
        columns=["id", "seller", "store", "day", "started_at"],
    )
    sales = pd.DataFrame.from_records(
        Receipt.objects.filter(
            Q(seller_id__in=sellers) | Q(seller__isnull=True, store_id__in=set(targets["store"])),
            operation_type=OperationType.SALE,
            at__gte=start,
            at__lte=end,
        ).values_list("pk", "seller_id", "store_id", "at"),
        columns=["id", "seller", "store", "at"],
    ).astype({"id": "int64", "seller": "Int64", "store": "int64"})
    limit = pd.Timedelta(sale_limit())
    attributed = sales[sales["seller"].notna()]
    by_seller = match_consultations(consultations, attributed.astype({"seller": "int64"}), limit)
    # A store whose sale receipts of the consultation's day and the next (the days its sale
    # may fall on) carry no seller at all is matched on the store. Judged per store-day, not
    # over the span read: a day matched alone and matched with the whole year come out alike.
    keys = list(zip(consultations["store"], consultations["day"], strict=True))
    around = {(store, day + timedelta(days=n)) for store, day in keys for n in (0, 1)}
    named = _days_with_sellers(around)
    blind = pd.Series(
        [(s, d) not in named and (s, d + timedelta(days=1)) not in named for s, d in keys],
        dtype=bool,
    )
    if blind.any():
        by_store = match_consultations_by_store(consultations, sales[sales["seller"].isna()], limit)
        by_seller = by_store.where(blind, by_seller, axis=0)
    _save(by_seller[by_seller["id"].isin(set(targets["id"].tolist()))])


def _days_with_sellers(keys: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Which of these (store, day) have a sale receipt that names its seller."""
    if not keys:
        return set()
    receipts = Receipt.objects.filter(
        store_id__in={s for s, _ in keys},
        day__in={d for _, d in keys},
        seller__isnull=False,
        operation_type=OperationType.SALE,
    )
    found = receipts.values_list("store_id", "day").distinct().order_by()
    return set(found) & keys


def _save(matched: pd.DataFrame) -> None:
    # A consultation whose window is still open is neither converted nor failed yet.
    still_open = ~matched["converted"] & (matched["deadline"] > pd.Timestamp(timezone.now()))
    update_rows(
        Consultation,
        ["converted", "receipt"],
        (
            (int(pk), None if wait else bool(ok), None if pd.isna(rec) else int(rec))
            for pk, ok, rec, wait in zip(
                matched["id"], matched["converted"], matched["receipt"], still_open, strict=True
            )
        ),
    )
