"""The analytics pages' figures, built from the reports only (the JSON twin of each page is
this dict): correlations with their scatter data, drivers, factors, the revenue waterfall,
the revenue-source table, the KPI map. `export_of` gives each page's report with the data it
was computed from, for the page's XLSX file."""

from typing import Any

import numpy as np
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from cxm.analytics.reports import (
    FACTOR_SOURCES,
    PRESETS,
    correlation_report,
    driver_report,
    factor_report,
    factor_templates,
)
from cxm.analytics.series import DEFAULT_GRAIN, GRAINS, SERIES
from cxm.analytics.sources import revenue_sources_report
from cxm.dashboard.filters import DashboardQuery, scope_choices
from cxm.reports.filters import FilterError
from cxm.reports.registry import build_report

DEFAULT_PRESET = "traffic_quality"


def _filter_state(query: DashboardQuery, report: dict[str, Any]) -> dict[str, Any]:
    return {**query.params, "from": report["from"], "to": report["to"]}


def _series_choices() -> list[dict[str, str]]:
    return [{"name": name, "label": str(series.label)} for name, series in SERIES.items()]


def correlations_data(query: DashboardQuery, params: QueryDict) -> dict[str, Any]:
    """`x`/`y` (repeatable) or a seed `preset`; without either, the first preset."""
    x, y = params.getlist("x"), params.getlist("y")
    preset = params.get("preset") or (None if x else DEFAULT_PRESET)
    if preset:
        if preset not in PRESETS:
            raise FilterError("preset", _("unknown analysis %(name)r") % {"name": preset})
        x, y = [PRESETS[preset][0]], [PRESETS[preset][1]]
    # `points`, not `grain`: the filter bar's `grain` is the dashboard chart's day/week/month.
    grain = params.get("points") or DEFAULT_GRAIN
    report = correlation_report(query.filter, x, [v for v in y if v] or None, grain)
    return {
        "page": "correlations",
        "filter": _filter_state(query, report),
        "choices": scope_choices(query),
        "series": _series_choices(),
        "grains": list(GRAINS),
        "presets": list(PRESETS),
        "selected": {"x": x, "y": y, "grain": grain, "preset": preset},
        "report": report,
    }


# The seed's driver question: what moves the outcome among the service figures.
DEFAULT_DRIVERS = {"outcome": "conversion", "drivers": ["coverage", "compliance", "like_index"]}


def drivers_data(query: DashboardQuery, params: QueryDict) -> dict[str, Any]:
    """`outcome` and `drivers` (repeatable); without them, conversion on the service figures."""
    outcome = params.get("outcome") or DEFAULT_DRIVERS["outcome"]
    drivers = [d for d in params.getlist("drivers") if d] or DEFAULT_DRIVERS["drivers"]
    # `points`, not `grain`: the filter bar's `grain` is the dashboard chart's day/week/month.
    grain = params.get("points") or DEFAULT_GRAIN
    report = driver_report(query.filter, outcome, drivers, grain)
    return {
        "page": "drivers",
        "filter": _filter_state(query, report),
        "choices": scope_choices(query),
        "series": _series_choices(),
        "grains": list(GRAINS),
        "selected": {"outcome": outcome, "drivers": drivers, "grain": grain},
        "report": report,
    }


def factors_data(query: DashboardQuery, params: QueryDict) -> dict[str, Any]:
    """`source`: checklists (default) or survey; `template`: the checklist template or the
    survey bank whose items are analysed (the busiest one)."""
    source = params.get("source") or FACTOR_SOURCES[0]
    report = factor_report(query.filter, params.get("template") or None, source)
    return {
        "page": "factors",
        "filter": _filter_state(query, report),
        "choices": scope_choices(query),
        "sources": list(FACTOR_SOURCES),
        "templates": factor_templates(query.filter, source),
        "report": report,
    }


def revenue_sources_data(query: DashboardQuery, params: QueryDict) -> dict[str, Any]:
    """The seed's revenue-source table against the filter bar's comparison period."""
    report = revenue_sources_report(query.filter, query.base)
    choices = scope_choices(query)
    names = _names(choices)
    stores = [
        {"store": row["store"], "name": names.get(row["store"], row["store"]), **row}
        for row in report["stores"]
    ]
    return {
        "page": "sources",
        "filter": {
            **_filter_state(query, report),
            "base_from": report["base_from"],
            "base_to": report["base_to"],
        },
        "choices": choices,
        "report": {**report, "stores": stores},
    }


WATERFALL_STEPS = ("traffic_effect", "conversion_effect", "upt_effect", "price_effect")


def revenue_data(query: DashboardQuery, params: QueryDict) -> dict[str, Any]:
    """Revenue against the comparison period split into traffic, conversion, UPT and
    average-price effects: the selection's total and one row per store (or seller)."""
    by = params.get("by") or "store"
    if by not in ("store", "seller"):
        raise FilterError("by", _("split by store or by seller"))
    flt = query.filter
    per_unit = build_report("decomposition", flt, by=by, base=query.base)
    # A seller's traffic is their store's, which only the by-seller report applies.
    one_seller = flt.seller_id() is not None
    total = per_unit if one_seller else build_report("decomposition", flt, base=query.base)
    choices = scope_choices(query)
    names = _names(choices)
    rows = [
        {**row, "name": names.get(row[by], row[by] or ""), "drill": _drill(query, by, row[by])}
        for row in per_unit["rows"]
    ]
    return {
        "page": "revenue",
        "filter": {
            **_filter_state(query, per_unit),
            "base_from": per_unit["base_from"],
            "base_to": per_unit["base_to"],
        },
        "choices": choices,
        "by": by,
        "total": next(iter(total["rows"]), None),
        "steps": list(WATERFALL_STEPS),
        "rows": rows,
    }


def _names(choices: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    return {item["code"]: item["name"] for item in choices["stores"] + choices["sellers"]}


def _drill(query: DashboardQuery, by: str, code: str | None) -> str | None:
    if not code:
        return None
    return query.link(store=code, seller=None) if by == "store" else query.link(seller=code)


MAP_KPIS = ("revenue", "conversion", "average_ticket", "upt", "traffic", "receipts", "iel", "nps")


def map_data(query: DashboardQuery, params: QueryDict) -> dict[str, Any]:
    """Every store in scope with its coordinates and the chosen KPI over the period, the
    regions' figures, and the link to each store's dashboard."""
    kpi = params.get("kpi") or "revenue"
    if kpi not in MAP_KPIS:
        raise FilterError("kpi", _("%(value)r is not one of the choices") % {"value": kpi})
    flt = query.filter
    series = SERIES[kpi]
    by_store = {row["store"]: row.get(series.row_field) for row in series.rows(flt, "store")}
    by_region = {row["region"]: row.get(series.row_field) for row in series.rows(flt, "region")}
    dashboard = reverse("dashboard:home")
    stores = [
        {
            "code": store.code,
            "name": store.name,
            "region": store.region.name,
            "city": store.city,
            "lat": store.lat,
            "lon": store.lon,
            "value": by_store.get(store.code),
            "link": dashboard + query.link(store=store.code, seller=None),
        }
        for store in flt.stores().select_related("region").order_by("code")
    ]
    return {
        "page": "map",
        "filter": {
            **query.params,
            "from": flt.period.start.isoformat(),
            "to": flt.period.end.isoformat(),
        },
        "choices": scope_choices(query),
        "kpi": kpi,
        "kpis": list(MAP_KPIS),
        "stores": stores,
        "regions": [{"region": k, "value": v} for k, v in sorted(by_region.items()) if k],
        # Stores without coordinates cannot be drawn: listed, not dropped silently.
        "unplaced": [s["code"] for s in stores if s["lat"] is None or s["lon"] is None],
    }


# Points a page draws and lists at most: a year of 200 stores is 73 000 store-days, which
# a browser cannot usefully plot nor a page list (the JSON twin and XLSX file hold them all).
PAGE_POINTS = 2000


def drawn(data: dict[str, Any]) -> dict[str, Any]:
    """The page's copy of an analysis with at most PAGE_POINTS of its points — a random
    sample (fixed seed) in their order — and `points_total`, how many there are; the
    figures are computed from all of them."""
    points = data["report"]["points"]
    if len(points) <= PAGE_POINTS:
        return data
    keep = np.sort(np.random.default_rng(0).choice(len(points), PAGE_POINTS, replace=False))
    sample = [points[i] for i in keep]
    return {**data, "report": {**data["report"], "points": sample, "points_total": len(points)}}


def export_of(data: dict[str, Any]) -> dict[str, Any]:
    """The page's report for its XLSX file: the result rows first, then the data it was
    computed from (points, stores, …), each table on a sheet of its own."""
    page = data["page"]
    if page == "revenue":
        return {"report": "revenue-factors", "by": data["by"], "rows": data["rows"],
                "total": data["total"]}  # fmt: skip
    if page == "map":
        return {"report": "kpi-map", "kpi": data["kpi"], "rows": data["stores"],
                "regions": data["regions"]}  # fmt: skip
    return data["report"]
