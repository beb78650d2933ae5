""" "Where is the money" (Где деньги?): revenue = traffic × conversion × average ticket, with
the previous period, the same period last year, and the change split into three effects."""

from typing import Any

import numpy as np

from cxm.metrics.decomposition import (
    EFFECT_COLUMNS,
    INPUT_COLUMNS,
    decompose_revenue_arrays,
    split_ticket_effects,
)
from cxm.metrics.kpi import SalesFigures, ratio
from cxm.metrics.periods import Period, previous_period, same_period_last_year
from cxm.reports.filters import ReportFilter
from cxm.reports.sales import figures_row, sales_figures, sellers_of, traffic_by_store
from cxm.rollups import sources
from cxm.staff.kpi import kpi_choice


def _period_dict(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _total(flt: ReportFilter) -> SalesFigures:
    return sales_figures(flt, None)[()]


def kpi_report(flt: ReportFilter, by: str | None = None) -> dict[str, Any]:
    figures = sales_figures(flt, by)
    total = figures[()] if by is None else _total(flt)
    previous = previous_period(flt.period)
    last_year = same_period_last_year(flt.period)
    previous_total = _total(flt.shifted(previous))
    rows = [figures_row(by, key, figures[key]) for key in sorted(figures, key=_sort_key)]
    return {
        "report": "kpi",
        **_period_dict(flt.period),
        "by": by,
        "rows": rows,
        "total": total.as_dict(),
        "previous": {**_period_dict(previous), **previous_total.as_dict()},
        "last_year": {**_period_dict(last_year), **_total(flt.shifted(last_year)).as_dict()},
        "decomposition": _decomposition_dict(total, previous_total),
        # The chain's targets (set by its admin), for the figures that have one.
        "targets": kpi_choice(flt.scope.chain_id).targets,
    }


def _sort_key(key: tuple) -> tuple:
    # Unattributed receipts (seller None) sort last.
    return tuple((value is None, value if value is not None else "") for value in key)


def _decomposition_dict(current: SalesFigures, base: SalesFigures) -> dict[str, float] | None:
    return _decomposition_dicts([(current, base)])[0]


def _decomposition_dicts(
    pairs: list[tuple[SalesFigures, SalesFigures]],
) -> list[dict[str, Any] | None]:
    """The decomposition of each (current, base) pair, all in one vectorised pass (a chain
    page decomposes every store); None where either period has no traffic figure."""
    kept = [n for n, (c, b) in enumerate(pairs) if c.traffic is not None and b.traffic is not None]
    out: list[dict[str, Any] | None] = [None] * len(pairs)
    if not kept:
        return out
    columns = {
        "revenue": [pairs[n][0].revenue for n in kept],
        "receipts": [pairs[n][0].receipts for n in kept],
        "traffic": [pairs[n][0].traffic for n in kept],
        "base_revenue": [pairs[n][1].revenue for n in kept],
        "base_receipts": [pairs[n][1].receipts for n in kept],
        "base_traffic": [pairs[n][1].traffic for n in kept],
    }
    arrays = {name: np.array(values, dtype=float) for name, values in columns.items()}
    *effects, undefined = decompose_revenue_arrays(*(arrays[name] for name in INPUT_COLUMNS))
    units = [np.array([float(pairs[n][i].units) for n in kept]) for i in (0, 1)]
    upt, price = split_ticket_effects(
        arrays["revenue"], arrays["receipts"], units[0],
        arrays["base_revenue"], arrays["base_receipts"], units[1],
    )  # fmt: skip
    # Plain lists: looking a column up per row costs more than the decomposition (200 stores).
    effect = {
        "undefined_factor": undefined,
        **{name: values.tolist() for name, values in zip(EFFECT_COLUMNS, effects, strict=True)},
    }
    for row, n in enumerate(kept):
        undefined = effect["undefined_factor"][row]
        # Within the ticket: UPT × average price (only where LMDI split the change).
        split = undefined is None and not np.isnan(upt[row])
        out[n] = {
            "revenue": float(arrays["revenue"][row]) / 100,
            "base_revenue": float(arrays["base_revenue"][row]) / 100,
            "traffic_effect": float(effect["traffic_effect"][row]) / 100,
            "conversion_effect": float(effect["conversion_effect"][row]) / 100,
            "ticket_effect": float(effect["ticket_effect"][row]) / 100,
            "upt_effect": float(upt[row]) / 100 if split else None,
            "price_effect": float(price[row]) / 100 if split else None,
            # Set where a factor is zero in one period and LMDI cannot split the change.
            "undefined_factor": undefined,
            # What the split was computed from, in both periods.
            **_inputs(*pairs[n]),
        }
    return out


def _inputs(current: SalesFigures, base: SalesFigures) -> dict[str, Any]:
    return {
        "traffic": current.traffic,
        "receipts": current.receipts,
        "units": current.units,
        "base_traffic": base.traffic,
        "base_receipts": base.receipts,
        "base_units": base.units,
    }


def decomposition_report(
    flt: ReportFilter, base: Period | None = None, by: str | None = None
) -> dict[str, Any]:
    """Revenue change against a base period split exactly into traffic, conversion and
    ticket effects (LMDI). A seller's traffic is their store's: their conversion is the
    share of the store's visitors who bought from them."""
    if by not in (None, "store", "seller"):
        raise ValueError("decomposition is by store or by seller")
    base = base or previous_period(flt.period)
    base_flt = flt.shifted(base)
    current, before = sales_figures(flt, by), sales_figures(base_flt, by)
    if by == "seller":
        current = _with_store_traffic(flt, current)
        before = _with_store_traffic(base_flt, before)
    empty = SalesFigures(revenue=0, receipts=0, units=0, traffic=0)
    keys = sorted(set(current) | set(before), key=_sort_key)
    pairs = [(current.get(key, empty), before.get(key, empty)) for key in keys]
    rows = [
        {by: key[0], **decomposed} if by else decomposed
        for key, decomposed in zip(keys, _decomposition_dicts(pairs), strict=True)
        if decomposed is not None
    ]
    return {
        "report": "decomposition",
        **_period_dict(flt.period),
        "base_from": base.start.isoformat(),
        "base_to": base.end.isoformat(),
        "by": by,
        "rows": rows,
    }


def _with_store_traffic(flt: ReportFilter, by_seller: dict) -> dict:
    store_traffic = traffic_by_store(flt)
    sellers = sellers_of(flt)
    return {
        key: SalesFigures(
            f.revenue, f.receipts, f.units, store_traffic.get(sellers.get(key[0], (None,))[0])
        )
        for key, f in by_seller.items()
        if key[0] is not None
    }


def conversion_heatmap(flt: ReportFilter) -> dict[str, Any]:
    """Conversion by weekday (0 = Monday) × local hour, over the period."""
    cells = sorted(
        (
            row
            for row in sources.current().weekday_hours(flt.store_ids(), flt.period)
            if row["receipts"] or row["counted"]
        ),
        key=lambda row: (row["weekday"], row["hour"]),
    )
    cells = [
        {
            "weekday": row["weekday"],
            "hour": row["hour"],
            "receipts": row["receipts"],
            "traffic": row["visitors"],
            "conversion": ratio(row["receipts"], row["visitors"]),
        }
        for row in cells
    ]
    return {"report": "heatmap", **_period_dict(flt.period), "rows": cells}
