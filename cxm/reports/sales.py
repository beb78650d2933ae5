"""Sales and traffic figures grouped by any key: the one query behind the KPI page, the
API, `cxm report kpi` and the simulator-truth tests."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from cxm.metrics.kpi import SalesFigures
from cxm.metrics.periods import bucket_start
from cxm.reports.filters import ReportFilter
from cxm.sales.models import OperationType, Receipt
from cxm.traffic.models import VisitorCount

GROUPINGS = ("store", "region", "seller", "day", "week", "month", "hour")

# Database fields each grouping needs; week and month are bucketed from days afterwards.
_RECEIPT_FIELDS = {
    "store": {"store": F("store__code")},
    "region": {"region": F("store__region__name")},
    "seller": {"seller": F("seller__code")},
    "day": {"day": F("day")},
    "week": {"day": F("day")},
    "month": {"day": F("day")},
    "hour": {"hour": F("hour")},
}
_TRAFFIC_FIELDS = {k: v for k, v in _RECEIPT_FIELDS.items() if k != "seller"}

_SALE = Q(operation_type=OperationType.SALE)
_RETURN = Q(operation_type=OperationType.SALE_RETURN)
ZERO = Decimal(0)


def _receipt_aggregates() -> dict[str, Any]:
    return {
        "sales": Coalesce(Sum("total", filter=_SALE), 0),
        "returns": Coalesce(Sum("total", filter=_RETURN), 0),
        "receipts": Count("pk", filter=_SALE),
        "units_sold": Coalesce(Sum("units", filter=_SALE), ZERO),
        "units_returned": Coalesce(Sum("units", filter=_RETURN), ZERO),
    }


def sales_figures(flt: ReportFilter, by: str | None) -> dict[tuple, SalesFigures]:
    """Figures per group key (a tuple; `()` for the whole selection)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUPINGS)}")
    store_ids = flt.store_ids()
    seller_id = flt.seller_id()
    fields = _RECEIPT_FIELDS.get(by, {})
    receipts = Receipt.objects.filter(
        store_id__in=store_ids, day__gte=flt.period.start, day__lte=flt.period.end
    )
    if seller_id is not None:
        receipts = receipts.filter(seller_id=seller_id)
    rows = receipts.values(**fields).annotate(**_receipt_aggregates()).order_by()
    regroup = _regrouper(by)
    money: dict[tuple, list] = defaultdict(lambda: [0, 0, ZERO])
    for row in rows:
        acc = money[regroup(row)]
        acc[0] += row["sales"] - row["returns"]
        acc[1] += row["receipts"]
        acc[2] += row["units_sold"] - row["units_returned"]
    # Traffic belongs to the store, not to a seller: seller figures have no conversion.
    visitors = None
    if by != "seller" and seller_id is None:
        visitors = _traffic(store_ids, flt, by, regroup)
    keys = set(money) | set(visitors or ())
    if by is None:
        keys.add(())
    return {
        key: SalesFigures(
            revenue=money[key][0],
            receipts=money[key][1],
            units=money[key][2],
            traffic=None if visitors is None else visitors.get(key, 0),
        )
        for key in keys
    }


def _traffic(store_ids, flt: ReportFilter, by: str | None, regroup) -> dict[tuple, int]:
    counts = (
        VisitorCount.objects.filter(
            store_id__in=store_ids, day__gte=flt.period.start, day__lte=flt.period.end
        )
        .values(**_TRAFFIC_FIELDS.get(by, {}))
        .annotate(visitors=Sum("visitors_in"))
        .order_by()
    )
    totals: dict[tuple, int] = defaultdict(int)
    for row in counts:
        totals[regroup(row)] += row["visitors"] or 0
    return totals


def _regrouper(by: str | None) -> Callable[[dict], tuple]:
    if by is None:
        return lambda row: ()
    if by in ("week", "month"):
        return lambda row: (bucket_start(row["day"], by),)
    return lambda row: (row[by],)


def figures_row(key_name: str | None, key: tuple, figures: SalesFigures) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if key_name is not None:
        value = key[0]
        row[key_name] = value.isoformat() if isinstance(value, date) else value
    row.update(figures.as_dict())
    return row
