"""Service figures — consultations, checklist points, terminal presses, survey answers —
grouped like the sales figures (weeks and months bucketed from days), from the current fact
source: the seller ranking's and the NPS page's one read of them."""

from typing import Any

from cxm.reports.filters import ReportFilter
from cxm.reports.sales import group_fields, regrouper
from cxm.rollups import sources
from cxm.rollups.sources import SERVICE_MEASURES

_HOURS = (("first_consultation_hour", min), ("last_consultation_hour", max))


def service_figures(flt: ReportFilter, by: str | None) -> dict[tuple, dict[str, Any]]:
    """Every SERVICE_MEASURES figure and the first and last consultation hour per group key
    (`()` for the whole selection); only groups with a service fact. Read once per filter."""
    source = sources.current()
    key = ("service_figures", source.name, by)
    if key not in flt.memo:
        rows = source.service(flt.store_ids(), flt.period, flt.seller_id(), group_fields(by))
        flt.memo[key] = regrouped(rows, by)
    return {group: dict(figures) for group, figures in flt.memo[key].items()}


def regrouped(rows, by: str | None) -> dict[tuple, dict[str, Any]]:
    """Rows summed into their group keys (days into weeks or months)."""
    regroup = regrouper(by)
    totals: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = regroup(row)
        if key not in totals:
            totals[key] = {name: row[name] for name in (*SERVICE_MEASURES, *dict(_HOURS))}
            continue
        acc = totals[key]
        for name in SERVICE_MEASURES:
            acc[name] += row[name]
        for name, pick in _HOURS:
            known = [h for h in (acc[name], row[name]) if h is not None]
            acc[name] = pick(known) if known else None
    return totals
