"""Reports by name: the CLI, the API and the pages build them here."""

from collections.abc import Callable
from typing import Any

from cxm.analytics.reports import correlation_report, driver_report, factor_report
from cxm.analytics.sources import revenue_sources_report
from cxm.emotions.reports import emotions_report
from cxm.feedback.reports import csi_report, iel_report, nps_report, reviews_report
from cxm.feedback.segments import segments_report
from cxm.metrics.periods import Period
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.kpi import conversion_heatmap, decomposition_report, kpi_report
from cxm.speech.reports import leave_reasons_report, missed_offers_report, speech_report
from cxm.staff.reports import compliance_report, failures_report, sellers_report

REPORTS: dict[str, Callable[..., dict[str, Any]]] = {
    "kpi": lambda flt, by, base: kpi_report(flt, by),
    "decomposition": lambda flt, by, base: decomposition_report(flt, base, by),
    "heatmap": lambda flt, by, base: conversion_heatmap(flt),
    "nps": lambda flt, by, base: nps_report(flt, by),
    "iel": lambda flt, by, base: iel_report(flt, by),
    "csi": lambda flt, by, base: csi_report(flt),
    "reviews": lambda flt, by, base: reviews_report(flt, by),
    "segments": lambda flt, by, base: segments_report(flt, by),
    "sellers": lambda flt, by, base: sellers_report(flt, by),
    "failures": lambda flt, by, base: failures_report(flt, by),
    "compliance": lambda flt, by, base: compliance_report(flt, by),
    "correlations": lambda flt, by, base, **options: correlation_report(flt, **options),
    "drivers": lambda flt, by, base, **options: driver_report(flt, **options),
    "factors": lambda flt, by, base, **options: factor_report(flt, **options),
    "revenue-sources": lambda flt, by, base: revenue_sources_report(flt, base, by),
    "speech": lambda flt, by, base: speech_report(flt, by),
    "missed-offers": lambda flt, by, base: missed_offers_report(flt, by),
    "leave-reasons": lambda flt, by, base: leave_reasons_report(flt, by),
    "emotions": lambda flt, by, base: emotions_report(flt, by),
}

# The options a report takes beyond the filter, `by` and `base` (`--x`, `--grain`, …).
REPORT_OPTIONS: dict[str, tuple[str, ...]] = {
    "correlations": ("x", "y", "grain"),
    "drivers": ("outcome", "drivers", "grain"),
    "factors": ("template", "source"),
}
OPTION_NAMES = tuple(sorted({name for names in REPORT_OPTIONS.values() for name in names}))


def build_report(
    name: str,
    flt: ReportFilter,
    *,
    by: str | None = None,
    base: Period | None = None,
    **options: Any,
) -> dict[str, Any]:
    try:
        builder = REPORTS[name]
    except KeyError:
        raise ValueError(f"unknown report {name!r}; one of {', '.join(REPORTS)}") from None
    given = {key: value for key, value in options.items() if value is not None}
    unexpected = sorted(set(given) - set(REPORT_OPTIONS.get(name, ())))
    if unexpected:
        raise FilterError(unexpected[0], f"the {name} report takes no {unexpected[0]!r}")
    return builder(flt, by, base, **given)
