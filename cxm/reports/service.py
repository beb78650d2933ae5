"""Service figures — consultations, checklist points, terminal presses, survey answers —
grouped like the sales figures (weeks and months bucketed from days), from the current fact
source: the seller ranking's and the NPS page's one read of them."""

from collections.abc import Sequence
from typing import Any

from cxm.reports.filters import ReportFilter
from cxm.reports.sales import group_fields, regrouper
from cxm.rollups import sources
from cxm.rollups.sources import SERVICE_FIGURES

_HOURS = {"first_consultation_hour": min, "last_consultation_hour": max}


def service_figures(
    flt: ReportFilter, by: str | None, figures: Sequence[str] = SERVICE_FIGURES
) -> dict[tuple, dict[str, Any]]:
    """These SERVICE_FIGURES (counts, sums, the first and last consultation hour) per group
    key (`()` for the whole selection); only groups with a service fact. Read once per
    filter."""
    source = sources.current()

    def read() -> dict[tuple, dict[str, Any]]:
        rows = source.service(
            flt.store_ids(), flt.period, flt.seller_id(), group_fields(by), figures
        )
        return regrouped(rows, by, figures)

    summed = flt.remembered(("service_figures", source.name, by, tuple(figures)), read)
    return {group: dict(values) for group, values in summed.items()}


def regrouped(rows, by: str | None, figures: Sequence[str]) -> dict[tuple, dict[str, Any]]:
    """Rows summed into their group keys (days into weeks or months)."""
    regroup = regrouper(by)
    totals: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = regroup(row)
        if key not in totals:
            totals[key] = {name: row[name] for name in figures}
            continue
        acc = totals[key]
        for name in figures:
            if name not in _HOURS:
                acc[name] += row[name]
                continue
            known = [h for h in (acc[name], row[name]) if h is not None]
            acc[name] = _HOURS[name](known) if known else None
    return totals
