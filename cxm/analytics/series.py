"""The chain's series for analysis: each a metric of a report, read per unit (store or
seller) and calendar bucket (day, week, month). A series is the field of a report's rows;
the report is asked once, grouped by unit and bucket together, so the figures are the very
ones the KPI, staff and customer-voice pages show."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _

from cxm.feedback.reports import iel_report, nps_report
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.sales import PAIRS, figures_row, sales_figures
from cxm.staff.reports import sellers_report

# (unit, bucket): a store by day, week or month, or a seller by month.
GRAINS: dict[str, tuple[str, str]] = PAIRS
DEFAULT_GRAIN = "store-day"

Rows = Callable[[ReportFilter, str], list[dict[str, Any]]]


def _sales_rows(flt: ReportFilter, by: str) -> list[dict[str, Any]]:
    # The KPI report's own query, without the comparison periods it adds.
    return [figures_row(by, key, figures) for key, figures in sales_figures(flt, by).items()]


def _report_rows(report: Callable[[ReportFilter, str], dict[str, Any]]) -> Rows:
    return lambda flt, by: report(flt, by)["rows"]


_staff_rows = _report_rows(sellers_report)
_nps_rows = _report_rows(nps_report)
_press_rows = _report_rows(iel_report)


@dataclass(frozen=True)
class Series:
    name: str
    label: Any  # lazily translated
    rows: Rows
    field: str = ""  # the row field; the series name when empty

    @property
    def row_field(self) -> str:
        return self.field or self.name


SERIES: dict[str, Series] = {
    s.name: s
    for s in (
        Series("revenue", _("Revenue"), _sales_rows),
        Series("receipts", _("Receipts"), _sales_rows),
        Series("units", _("Units sold"), _sales_rows),
        Series("traffic", _("Traffic"), _sales_rows),
        Series("conversion", _("Conversion"), _sales_rows),
        Series("average_ticket", _("Average ticket"), _sales_rows),
        Series("upt", _("UPT"), _sales_rows),
        Series("average_price", _("Average price"), _sales_rows),
        Series("consultations", _("Consultations"), _staff_rows),
        Series("coverage", _("Coverage"), _staff_rows),
        Series("consultation_conversion", _("Consultation conversion"), _staff_rows),
        Series("failed_consultations", _("Failed consultations"), _staff_rows),
        Series("compliance", _("Standard compliance"), _staff_rows),
        Series("likes", _("Likes"), _press_rows, field="positive"),
        Series("like_index", _("Like-Index"), _press_rows),
        Series("iel", _("ИЭЛ"), _press_rows),
        Series("nps", _("NPS"), _nps_rows),
    )
}


def check_series(field: str, names: list[str]) -> None:
    unknown = [name for name in names if name not in SERIES]
    if unknown:
        raise FilterError(field, f"unknown series {', '.join(unknown)}; one of {', '.join(SERIES)}")


def check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise FilterError("grain", f"unknown grain {grain!r}; one of {', '.join(GRAINS)}")


def series_frame(flt: ReportFilter, names: list[str], grain: str) -> pd.DataFrame:
    """One row per (unit, bucket) that has any figure, one float column per series (NaN
    where the figure is unknown: no visitors counted gives no conversion). Each report is
    asked once, grouped by the grain's pair (`store-day`, …, see cxm.reports.sales.PAIRS)."""
    check_series("series", names)
    check_grain(grain)
    unit, bucket = GRAINS[grain]
    sources: dict[Rows, list[Series]] = {}
    for name in names:
        sources.setdefault(SERIES[name].rows, []).append(SERIES[name])
    values: dict[tuple[str, str], dict[str, float]] = {}
    for rows, wanted in sources.items():
        for row in rows(flt, grain):
            if row[unit] is None:
                continue  # receipts of no known seller (self-checkout)
            cell = values.setdefault((row[unit], str(row[bucket])), {})
            cell.update({s.name: _number(row.get(s.row_field)) for s in wanted})
    index = pd.MultiIndex.from_tuples(sorted(values), names=[unit, bucket])
    return pd.DataFrame([values[key] for key in index], index=index, columns=names, dtype=float)


def _number(value: Any) -> float:
    if value is None:
        return np.nan
    if isinstance(value, Decimal | int | float):
        return float(value)
    raise TypeError(f"a series value must be a number, not {type(value).__name__}")
