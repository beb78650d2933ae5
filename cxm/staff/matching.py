"""Sales-failure matching kept up to date per store-day.

A store-day is (re)matched when its fingerprint changes: the consultations and sale
receipts of that day and of the next (a consultation at 23:50 may end in a sale at 00:10,
and its window may close at the next day's first consultation). The matching itself is
the vectorised as-of join in cxm.metrics.consultations, over all stale store-days at once.
"""

from collections import defaultdict
from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from cxm.imports.bulk import update_rows
from cxm.metrics.consultations import match_consultations, match_consultations_by_store
from cxm.rollups.refresh import SERVICE, refresh_store_days
from cxm.sales.models import OperationType, Receipt
from cxm.staff.models import Consultation, MatchState


def sale_limit() -> timedelta:
    return timedelta(minutes=settings.CXM_CONSULTATION_SALE_MINUTES)


def refresh_matches(store_ids: list[int], first: date, last: date) -> int:
    """Match every store-day in [first, last] whose data changed since it was last matched;
    returns how many store-days were matched."""
    fingerprints = _fingerprints(store_ids, first, last)
    known = dict(
        ((s, d), fp)
        for s, d, fp in MatchState.objects.filter(
            store_id__in=store_ids, day__gte=first, day__lte=last
        ).values_list("store_id", "day", "fingerprint")
    )
    stale = {key for key, fp in fingerprints.items() if known.get(key) != fp}
    if not stale:
        return 0
    with transaction.atomic():
        _match(stale)
        refresh_store_days(stale, frozenset({SERVICE}))  # their outcomes in the rollup
        MatchState.objects.filter(
            store_id__in={s for s, _ in stale}, day__in={d for _, d in stale}
        ).delete()
        MatchState.objects.bulk_create(
            MatchState(store_id=s, day=d, fingerprint=fingerprints[(s, d)]) for s, d in stale
        )
    return len(stale)


def _fingerprints(store_ids: list[int], first: date, last: date) -> dict[tuple[int, date], str]:
    """Per store-day with consultations: counts and newest ids of its and the next day's
    consultations and sale receipts (imports only add rows, so these change with the data)."""
    window = {"store_id__in": store_ids, "day__gte": first, "day__lte": last + timedelta(days=1)}
    counted = defaultdict(lambda: "0:0")
    consultations = (
        Consultation.objects.filter(**window)
        .values("store_id", "day")
        .annotate(n=Count("pk"), newest=Max("pk"))
        .order_by()
    )
    for row in consultations:
        counted[("c", row["store_id"], row["day"])] = f"{row['n']}:{row['newest']}"
    receipts = (
        Receipt.objects.filter(operation_type=OperationType.SALE, **window)
        .values("store_id", "day")
        .annotate(n=Count("pk"), newest=Max("pk"))
        .order_by()
    )
    for row in receipts:
        counted[("r", row["store_id"], row["day"])] = f"{row['n']}:{row['newest']}"
    limit = settings.CXM_CONSULTATION_SALE_MINUTES
    # A recent day's open consultations turn failed as time passes: rematch it each minute.
    recent = timezone.localdate() - timedelta(days=1)
    minute = f"{timezone.now():%Y%m%d%H%M}"
    result = {}
    days_with_consultations = [(s, d) for k, s, d in counted if k == "c" and d <= last]
    for store_id, day in days_with_consultations:
        nxt = day + timedelta(days=1)
        parts = [counted[(k, store_id, d)] for k in ("c", "r") for d in (day, nxt)]
        result[(store_id, day)] = f"{limit}|" + "|".join(parts) + (minute if day >= recent else "")
    return result


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
    start, end = targets["started_at"].min(), targets["started_at"].max() + sale_limit()
    # Every consultation of these sellers in the span: each target's next start is known.
    consultations = pd.DataFrame.from_records(
        Consultation.objects.filter(
            seller_id__in=sellers, started_at__gte=start, started_at__lte=end
        ).values_list("pk", "seller_id", "store_id", "started_at"),
        columns=["id", "seller", "store", "started_at"],
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
    # Stores whose receipts in the span carry no seller at all are matched on the store.
    blind = ~consultations["store"].isin(set(attributed["store"])).to_numpy()
    if blind.any():
        by_store = match_consultations_by_store(consultations, sales[sales["seller"].isna()], limit)
        by_seller[blind] = by_store[blind]
    _save(by_seller[by_seller["id"].isin(set(targets["id"].tolist()))])


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
