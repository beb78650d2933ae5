"""The query layer under the sales reports: where receipt and visitor figures are summed from.

Every report asks a `FactSource` for rows grouped by report fields (`store__code`, `day`,
`hour`, … — cxm.reports.sales.GROUP_FIELD) and gets the same rows from each source:

* `ROLLUPS` (the default) reads the rollup tables that cxm.rollups.refresh keeps;
* `RAW_FACTS` sums the receipts and visitor counts themselves — the reference the rollups are
  checked against (tests/test_rollups*.py) and the baseline of bench/scale.py;
* cxm.rollups.clickhouse sums the same facts in ClickHouse (the design beyond one machine).

`reading(source)` switches the source for the code inside it, e.g. a whole dashboard."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from cxm.metrics.periods import Period
from cxm.rollups.models import SellerDay, StoreDay, StoreHour
from cxm.sales.models import OperationType, Receipt
from cxm.traffic.models import VisitorCount

ZERO = Decimal(0)
SELLER_FIELDS = ("seller__code", "seller_id")
Row = dict[str, Any]


class FactSource(Protocol):
    name: str

    def sales(
        self, store_ids: list[int], period: Period, seller_id: int | None, fields: Sequence[str]
    ) -> Iterable[Row]:
        """Rows of `fields` with `sales` and `returns` (kopecks), `receipts` (sale receipts),
        `units_sold` and `units_returned`."""
        ...

    def traffic(self, store_ids: list[int], period: Period, fields: Sequence[str]) -> Iterable[Row]:
        """Rows of `fields` with `visitors` (Σ visitors in)."""
        ...

    def sales_and_traffic(
        self, store_ids: list[int], period: Period, fields: Sequence[str]
    ) -> tuple[Iterable[Row], Iterable[Row]]:
        """`sales(…)` of every seller and `traffic(…)` together (one read where they are
        kept side by side)."""
        ...

    def seller_hours(
        self, store_ids: list[int], period: Period, seller_id: int | None, field: str
    ) -> Iterable[Row]:
        """Per `field`, store_id and day of receipts that name a seller: the `first` and
        `last` local hour of a receipt."""
        ...


def _window(store_ids: list[int], period: Period) -> dict[str, Any]:
    return {"store_id__in": store_ids, "day__gte": period.start, "day__lte": period.end}


def _summed(rows: QuerySet, fields: Sequence[str], **sums: Any) -> Iterable[Row]:
    """One row per group of `fields`; no fields, one row for the lot (`values()` without
    fields would group by every column, i.e. not at all)."""
    if not fields:
        return [rows.aggregate(**sums)]
    return rows.values(*fields).annotate(**sums).order_by()


class RawFacts:
    """Sums the receipts and visitor counts: every figure reads every fact of the period."""

    name = "raw facts"
    _SALE = Q(operation_type=OperationType.SALE)
    _RETURN = Q(operation_type=OperationType.SALE_RETURN)

    def sales(self, store_ids, period, seller_id, fields) -> Iterable[Row]:
        receipts = Receipt.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            receipts = receipts.filter(seller_id=seller_id)
        return _summed(
            receipts,
            fields,
            sales=Coalesce(Sum("total", filter=self._SALE), 0),
            returns=Coalesce(Sum("total", filter=self._RETURN), 0),
            receipts=Count("pk", filter=self._SALE),
            units_sold=Coalesce(Sum("units", filter=self._SALE), ZERO),
            units_returned=Coalesce(Sum("units", filter=self._RETURN), ZERO),
        )

    def traffic(self, store_ids, period, fields) -> Iterable[Row]:
        rows = VisitorCount.objects.filter(**_window(store_ids, period))
        return _summed(rows, fields, visitors=Coalesce(Sum("visitors_in"), 0))

    def sales_and_traffic(self, store_ids, period, fields):
        return self.sales(store_ids, period, None, fields), self.traffic(store_ids, period, fields)

    def seller_hours(self, store_ids, period, seller_id, field) -> QuerySet:
        receipts = Receipt.objects.filter(**_window(store_ids, period), seller__isnull=False)
        if seller_id is not None:
            receipts = receipts.filter(seller_id=seller_id)
        return (
            receipts.values(field, "store_id", "day")
            .annotate(first=Min("hour"), last=Max("hour"))
            .order_by()
        )


class Rollups:
    """Reads the rollup tables: a chain's month is a few thousand store-day rows, whatever the
    number of receipts. Seller figures by hour have no rollup (no page shows them): those
    few come from the facts."""

    name = "rollups"

    def sales(self, store_ids, period, seller_id, fields) -> Iterable[Row]:
        by_seller = seller_id is not None or any(f in SELLER_FIELDS for f in fields)
        if "hour" in fields:
            if by_seller:
                return RAW_FACTS.sales(store_ids, period, seller_id, fields)
            table = StoreHour
        else:
            table = SellerDay if by_seller else StoreDay
        rows = table.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        return _summed(rows, fields, **self._SALES)

    _SALES = {
        "sales": Coalesce(Sum("sales"), 0),
        "returns": Coalesce(Sum("returns"), 0),
        "receipts": Coalesce(Sum("receipts"), 0),
        "units_sold": Coalesce(Sum("units_sold"), ZERO),
        "units_returned": Coalesce(Sum("units_returned"), ZERO),
    }

    def sales_and_traffic(self, store_ids, period, fields):
        """One read: money and visitors lie in the same store rows."""
        table = StoreHour if "hour" in fields else StoreDay
        rows = list(
            _summed(
                table.objects.filter(**_window(store_ids, period)),
                fields,
                **self._SALES,
                visitors=Coalesce(Sum("visitors"), 0),
                intervals=Coalesce(Sum("intervals"), 0),
            )
        )
        # Traffic only where a counter reported, as traffic() answers.
        counted = [row for row in rows if row["intervals"] > 0 or not fields]
        return rows, counted

    def traffic(self, store_ids, period, fields) -> Iterable[Row]:
        table = StoreHour if "hour" in fields else StoreDay
        # Only where a counter reported, like the facts: no counter is no figure, not zero.
        # (Keep in step with sales_and_traffic.)
        rows = table.objects.filter(**_window(store_ids, period), intervals__gt=0)
        return _summed(rows, fields, visitors=Coalesce(Sum("visitors"), 0))

    def seller_hours(self, store_ids, period, seller_id, field) -> QuerySet:
        rows = SellerDay.objects.filter(**_window(store_ids, period), seller__isnull=False)
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        return (
            rows.values(field, "store_id", "day")
            .annotate(first=Min("first_hour"), last=Max("last_hour"))
            .order_by()
        )


RAW_FACTS = RawFacts()
ROLLUPS = Rollups()
_active: ContextVar[FactSource] = ContextVar("cxm_fact_source", default=ROLLUPS)


def current() -> FactSource:
    """The source the reports read now."""
    return _active.get()


@contextmanager
def reading(source: FactSource) -> Iterator[FactSource]:
    """Reports inside this block read `source`."""
    token = _active.set(source)
    try:
        yield source
    finally:
        _active.reset(token)
