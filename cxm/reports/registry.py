"""Reports by name: the CLI, the API and the pages build them here."""

from collections.abc import Callable
from typing import Any

from cxm.feedback.reports import csi_report, iel_report, nps_report, reviews_report
from cxm.metrics.periods import Period
from cxm.reports.filters import ReportFilter
from cxm.reports.kpi import conversion_heatmap, decomposition_report, kpi_report
from cxm.staff.reports import compliance_report, failures_report, sellers_report

REPORTS: dict[str, Callable[..., dict[str, Any]]] = {
    "kpi": lambda flt, by, base: kpi_report(flt, by),
    "decomposition": lambda flt, by, base: decomposition_report(flt, base, by),
    "heatmap": lambda flt, by, base: conversion_heatmap(flt),
    "nps": lambda flt, by, base: nps_report(flt, by),
    "iel": lambda flt, by, base: iel_report(flt, by),
    "csi": lambda flt, by, base: csi_report(flt),
    "reviews": lambda flt, by, base: reviews_report(flt, by),
    "sellers": lambda flt, by, base: sellers_report(flt, by),
    "failures": lambda flt, by, base: failures_report(flt, by),
    "compliance": lambda flt, by, base: compliance_report(flt, by),
}


def build_report(
    name: str, flt: ReportFilter, *, by: str | None = None, base: Period | None = None
) -> dict[str, Any]:
    try:
        builder = REPORTS[name]
    except KeyError:
        raise ValueError(f"unknown report {name!r}; one of {', '.join(REPORTS)}") from None
    return builder(flt, by, base)
