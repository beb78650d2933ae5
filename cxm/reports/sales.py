"""Sales and traffic figures grouped by any key: the one query behind the KPI page, the
API, `cxm report kpi` and the simulator-truth tests. The sums come from the current fact
source (cxm.rollups.sources): the rollups, or the raw facts they are checked against."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cxm.metrics.kpi import SalesFigures
from cxm.metrics.periods import bucket_start
from cxm.org.models import Seller
from cxm.reports.filters import ReportFilter
from cxm.rollups import sources

# Two-level groupings, a unit by a calendar bucket: the analyses' points, one query for all.
PAIRS: dict[str, tuple[str, str]] = {
    "store-day": ("store", "day"),
    "store-week": ("store", "week"),
    "store-month": ("store", "month"),
    "seller-month": ("seller", "month"),
}
GROUPINGS = ("store", "region", "seller", "day", "week", "month", "hour", *PAIRS)

# The database field each grouping reads; week and month are bucketed from days afterwards.
GROUP_FIELD = {
    "store": "store__code",
    "region": "store__region__name",
    "seller": "seller__code",
    "day": "day",
    "week": "day",
    "month": "day",
    "hour": "hour",
}

ZERO = Decimal(0)


def sales_figures(flt: ReportFilter, by: str | None) -> dict[tuple, SalesFigures]:
    """Figures per group key (a tuple; `()` for the whole selection)."""
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; one of {', '.join(GROUPINGS)}")
    source = sources.current()
    return dict(flt.remembered(_key(source, by), lambda: _sales_figures(flt, by, source)))


def _key(source, by: str | None) -> tuple:
    return ("sales_figures", source.name, by)


def _sales_figures(flt: ReportFilter, by: str | None, source) -> dict[tuple, SalesFigures]:
    by_store = flt.memo.get(_key(source, "store")) if by is None else None
    if by_store:
        # The whole is the sum of its stores where they are summed already (a dashboard's
        # base period, read by store for the decomposition): no statement more.
        return {(): _sum(by_store.values())}
    store_ids = flt.store_ids()
    seller_id = flt.seller_id()
    fields, regroup = _read_by(flt, by)
    # Traffic belongs to the store, not to a seller: seller figures have no conversion.
    visitors = None
    if "seller" not in parts_of(by) and seller_id is None:
        rows, counted = _sales_and_traffic(flt, fields, source)
        visitors = _visitors(counted, regroup)
    else:
        rows = source.sales(store_ids, flt.period, seller_id, fields)
    money: dict[tuple, list] = defaultdict(lambda: [0, 0, ZERO])
    for row in rows:
        acc = money[regroup(row)]
        acc[0] += row["sales"] - row["returns"]
        acc[1] += row["receipts"]
        acc[2] += row["units_sold"] - row["units_returned"]
    keys = set(money) | set(visitors or ()) | _listed_keys(flt, by, seller_id)
    return {
        key: SalesFigures(
            revenue=money[key][0],
            receipts=money[key][1],
            units=money[key][2],
            traffic=None if visitors is None else visitors.get(key, 0),
        )
        for key in keys
    }


def _sum(figures: Iterable[SalesFigures]) -> SalesFigures:
    """The figures of several groups together (exact: counts and sums); no traffic if
    none of them has one (a seller's)."""
    revenue, receipts, units, traffic = 0, 0, ZERO, None
    for f in figures:
        revenue, receipts, units = revenue + f.revenue, receipts + f.receipts, units + f.units
        if f.traffic is not None:
            traffic = (traffic or 0) + f.traffic
    return SalesFigures(revenue=revenue, receipts=receipts, units=units, traffic=traffic)


def _read_by(flt: ReportFilter, by: str | None) -> tuple[list[str], Callable[[dict], tuple]]:
    """The fields a grouping's rows are read by, and each row's group key. The whole
    selection is summed from its days (exact: counts and sums), the rows the trend by day,
    week or month reads too: a dashboard's period total and trend share them. So is a
    one-store selection's only store (a store's page would read its period and its base
    again by store for the table and the seller decomposition's traffic)."""
    if by == "store" and len(flt.store_ids()) == 1:
        code = flt.store or flt.selected_stores()[0][1]
        return group_fields("day"), lambda row: (code,)
    return group_fields(by or "day"), regrouper(by)


def _sales_and_traffic(flt: ReportFilter, fields: list[str], source) -> tuple[list, list]:
    """The source's sales and traffic rows of every seller, by `fields`: read once a filter
    (a store's page wants its traffic by store for the seller decomposition and its figures by
    store for the table)."""

    def read() -> tuple[list, list]:
        rows, counted = source.sales_and_traffic(flt.store_ids(), flt.period, fields)
        return list(rows), list(counted)

    return flt.remembered(("sales_and_traffic", source.name, tuple(fields)), read)


def _listed_keys(flt: ReportFilter, by: str | None, seller_id: int | None) -> set[tuple]:
    """Groups shown even with nothing sold: a silent store or seller is news, not a gap."""
    if by is None:
        return {()}
    if by in ("store", "region"):
        column = 1 if by == "store" else 2
        return {(store[column],) for store in flt.selected_stores()}
    if by in ("seller", "seller-month"):
        if seller_id is None:
            codes = [code for code, (_, active) in sellers_of(flt).items() if active]
        else:
            codes = flt.looked_up(
                ("listed", "seller"),
                lambda: list(Seller.objects.filter(pk=seller_id).values_list("code", flat=True)),
            )
        if by == "seller":
            return {(code,) for code in codes}
        # A seller who sold nothing in a month is a point of that month too.
        months, month = [], bucket_start(flt.period.start, "month")
        while month <= flt.period.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return {(code, month) for code in codes for month in months}
    return set()


def sellers_of(flt: ReportFilter) -> dict[str, tuple[str, bool]]:
    """Every seller of the filter's stores: code → (their store's code, active), read once a
    page (the seller tables list the active ones, the decomposition gives each their store's
    traffic)."""
    sellers = Seller.objects.filter(store_id__in=flt.store_ids()).order_by("code")
    rows = sellers.values_list("code", "store__code", "active")
    return flt.looked_up(
        ("sellers",), lambda: {code: (store, active) for code, store, active in rows}
    )


def knows_sellers(flt: ReportFilter, sellers: Iterable[tuple[str, str, bool]]) -> None:
    """Every seller of the filter's stores as (code, store code, active), read by its caller
    with more (the filter bar's list): `sellers_of()` then sends no query of its own."""
    flt.lookups.setdefault(("sellers",), {code: (store, active) for code, store, active in sellers})


def traffic_by_store(flt: ReportFilter) -> dict[str, int]:
    """Visitors per store code over the period, whichever seller the filter names: a
    seller's traffic is their store's."""
    fields, regroup = _read_by(flt, "store")
    _, counted = _sales_and_traffic(flt, fields, sources.current())
    return {key[0]: visitors for key, visitors in _visitors(counted, regroup).items()}


def _visitors(rows, regroup) -> dict[tuple, int]:
    totals: dict[tuple, int] = defaultdict(int)
    for row in rows:
        totals[regroup(row)] += row["visitors"]
    return totals


def parts_of(by: str | None) -> tuple[str, ...]:
    """The one or two groupings a grouping is made of: `store-day` → (store, day)."""
    return () if by is None else PAIRS.get(by, (by,))


def group_fields(by: str | None) -> list[str]:
    """The database fields a grouping reads (days for weeks and months)."""
    return list(dict.fromkeys(GROUP_FIELD[part] for part in parts_of(by)))


def regrouper(by: str | None) -> Callable[[dict], tuple]:
    """A row's group key: one value per part of the grouping, weeks and months bucketed."""
    parts = [_part(part) for part in parts_of(by)]
    return lambda row: tuple(part(row) for part in parts)


def _part(by: str) -> Callable[[dict], Any]:
    field = GROUP_FIELD[by]
    if by in ("week", "month"):
        return lambda row: bucket_start(row[field], by)
    return lambda row: row[field]


def key_row(by: str | None, key: tuple) -> dict[str, Any]:
    """A group key as a row's fields: {"store": "MSK-1", "day": "2026-03-02"}."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in zip(parts_of(by), key, strict=True)
    }


def figures_row(key_name: str | None, key: tuple, figures: SalesFigures) -> dict[str, Any]:
    row = key_row(key_name, key)
    row.update(figures.as_dict())
    return row
