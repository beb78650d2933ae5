"""The figures of the dashboard page, assembled from cxm.reports only: the page renders this
dict and its JSON twin serialises it, so both always show the same numbers."""

from typing import Any

from cxm.dashboard.filters import DashboardQuery, scope_choices
from cxm.metrics.kpi import change
from cxm.reports.registry import build_report
from cxm.reports.sales import figures_row, sales_figures

CARD_METRICS = ("revenue", "traffic", "conversion", "average_ticket", "upt", "receipts")


def dashboard_data(query: DashboardQuery) -> dict[str, Any]:
    flt = query.filter
    choices = scope_choices(query)
    names = {s["code"]: s["name"] for s in choices["stores"] + choices["sellers"]}
    # Seller level: a store or a seller is chosen, or the (narrowed) scope is one store.
    one_seller = flt.seller_id() is not None
    by_seller = bool(flt.store or one_seller or len(choices["stores"]) == 1)
    breakdown = "seller" if by_seller else "store"
    # Broken down first: the period's and the base's totals are then their stores' sums.
    decomposition = build_report("decomposition", flt, by=breakdown, base=query.base)
    # A seller's traffic is their store's, which only the by-seller decomposition applies.
    totals = decomposition if one_seller else build_report("decomposition", flt, base=query.base)
    kpi = build_report("kpi", flt)
    total = next(iter(totals["rows"]), None)
    return {
        "page": "dashboard",
        "filter": {
            **query.params,
            "from": kpi["from"],
            "to": kpi["to"],
            "base_from": decomposition["base_from"],
            "base_to": decomposition["base_to"],
        },
        "choices": choices,
        "cards": _cards(kpi),
        "kpi": {key: kpi[key] for key in ("total", "previous", "last_year")},
        "decomposition": {
            "total": total,
            "by": breakdown,
            "rows": _named(query, breakdown, decomposition["rows"], names, sort=False),
        },
        "trend": {"grain": query.grain, "rows": _rows(query, query.grain)},
        "heatmap": _heatmap(query),
        "stores": _named(query, "store", _rows(query, "store"), names),
        "sellers": _named(query, "seller", _rows(query, "seller"), names) if by_seller else None,
    }


def _cards(kpi: dict[str, Any]) -> list[dict[str, Any]]:
    total, previous, last_year = kpi["total"], kpi["previous"], kpi["last_year"]
    return [
        {
            "metric": metric,
            "value": total[metric],
            "previous": previous[metric],
            "last_year": last_year[metric],
            "vs_previous": change(total[metric], previous[metric]),
            "vs_last_year": change(total[metric], last_year[metric]),
            "target": kpi["targets"].get(metric),
            "vs_target": change(total[metric], kpi["targets"].get(metric)),
        }
        for metric in CARD_METRICS
    ]


def _rows(query: DashboardQuery, by: str) -> list[dict[str, Any]]:
    figures = sales_figures(query.filter, by)
    rows = [figures_row(by, key, value) for key, value in figures.items()]
    # Days as ISO strings sort by date; receipts of no known seller go last.
    return sorted(rows, key=lambda row: (row[by] is None, str(row[by])))


def _named(
    query: DashboardQuery,
    by: str,
    rows: list[dict[str, Any]],
    names: dict[str, str],
    *,
    sort: bool = True,
) -> list[dict[str, Any]]:
    """Rows with the store's or seller's name and the link that drills down to it."""
    drill = query.links("store", seller=None) if by == "store" else query.links("seller")
    named = []
    for row in rows:
        code = row[by]
        link = drill(code) if code else None
        named.append({**row, "name": names.get(code, code or ""), "drill": link})
    return _sorted(named, query.sort) if sort else named


def _sorted(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Rows in the table's order; rows without the value (a seller's conversion) go last."""
    key = sort.lstrip("-")
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    present.sort(key=lambda row: row[key], reverse=sort.startswith("-"))
    return present + missing


def _heatmap(query: DashboardQuery) -> dict[str, Any] | None:
    # conversion_heatmap counts every receipt of the stores, whoever sold it: for a single
    # seller it would show the store's figures, so it is left out there.
    if query.filter.seller_id() is not None:
        return None
    return {"rows": build_report("heatmap", query.filter)["rows"]}
