"""The chain's series for analysis: each a figure of a report — the KPI (`kpi`), staff
(`sellers`), ИЭЛ (`iel`) and NPS reports — read per unit (store or seller) and calendar
bucket (day, week, month).

The figures are the reports' own, read column-wise: each source is one SQL query grouped
by unit and day, read from the cursor into a pandas frame (Django's per-row conversion of
a year of 200 stores — 73 000 store-days, 219 000 seller-days, 876 000 store-hours —
costs more than the page may take), bucketed to weeks or months and combined in whole
columns with the reports' rules. `report_frame` reads the same series through the reports'
rows: the definition the column-wise reading is checked against (tests, bench)."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db import connections, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cxm.feedback.reports import iel_report, nps_report
from cxm.org.models import Seller
from cxm.reports.filters import FilterError, ReportFilter
from cxm.reports.sales import PAIRS, figures_row, group_fields, sales_figures
from cxm.rollups import sources
from cxm.staff.matching import matched
from cxm.staff.reports import sellers_report

# (unit, bucket): a store by day, week or month, or a seller by month.
GRAINS: dict[str, tuple[str, str]] = PAIRS
DEFAULT_GRAIN = "store-day"

Rows = Callable[[ReportFilter, str], list[dict[str, Any]]]
Reader = Callable[[ReportFilter, str], pd.DataFrame]
UNIT, BUCKET = "unit", "bucket"  # the frames' key columns before they take the grain's names


# A day's week (Monday) or month (first day), as a date, in each database's dialect.
_BUCKET_SQL = {
    ("postgresql", "week"): "date_trunc('week', {})::date",
    ("postgresql", "month"): "date_trunc('month', {})::date",
    ("sqlite", "week"): "date({}, 'weekday 0', '-6 days')",
    ("sqlite", "month"): "date({}, 'start of month')",
}
_WHOLE_NUMBERS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField)


def _read(rows: Any, bucket: str = "day") -> pd.DataFrame:
    """A values() query's rows as a frame, straight from the cursor (columns: its fields,
    then its annotations). With a week or month `bucket` the annotations are summed in the
    database per bucket (its first day in the `day` column): a year of seller-days is 30
    times fewer rows to carry into Python. A fact source that answers with a list is taken
    as it is (its rows are bucketed by the caller)."""
    if not isinstance(rows, QuerySet):
        return pd.DataFrame(list(rows))
    query = rows.query
    sql, params = query.sql_with_params()
    columns = [*query.values_select, *query.annotation_select]
    connection = connections[rows.db]
    if (connection.vendor, bucket) in _BUCKET_SQL and "day" in query.values_select:
        sql = _bucketed(sql, query, connection.vendor, bucket)
    if connection.vendor == "sqlite" and "day" in columns:
        # SQLite hands each value of a `date` column to Django's converter, one Python call
        # a value (a second per million store-hours): the day is read as text instead.
        outer = ", ".join(f"c{i} || ''" if c == "day" else f"c{i}" for i, c in enumerate(columns))
        inner = ", ".join(f"c{i}" for i in range(len(columns)))
        sql = f"WITH t({inner}) AS ({sql}) SELECT {outer} FROM t"  # noqa: S608 (names only)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def _bucketed(sql: str, query: Any, vendor: str, bucket: str) -> str:
    """The query summed per its fields with the day turned into its bucket's first day;
    whole-number sums stay whole numbers (PostgreSQL sums a bigint as numeric)."""
    keys = list(query.values_select)
    figures = query.annotation_select
    names = [*keys, *figures]
    inner = ", ".join(f"c{i}" for i in range(len(names)))
    day = _BUCKET_SQL[(vendor, bucket)].format(f"c{keys.index('day')}")
    selected = [day if key == "day" else f"c{i}" for i, key in enumerate(keys)]
    for i, figure in enumerate(figures.values(), start=len(keys)):
        whole = vendor == "postgresql" and isinstance(figure.output_field, _WHOLE_NUMBERS)
        selected.append(f"SUM(c{i})::bigint" if whole else f"SUM(c{i})")
    grouped = ", ".join(selected[: len(keys)])
    # Names and dialect functions only; the values stay parameters of the inner query.
    return f"WITH t({inner}) AS ({sql}) SELECT {', '.join(selected)} FROM t GROUP BY {grouped}"  # noqa: S608


def _keyed(frame: pd.DataFrame, grain: str) -> pd.DataFrame:
    """The grain's key columns from a frame of (unit field, day, …): days bucketed to the
    week's Monday or the month's first day, as ISO dates; rows of no unit (receipts of no
    seller: self-checkout) dropped."""
    unit_field, day_field = group_fields(grain)
    frame = frame[frame[unit_field].notna()]
    days = pd.to_datetime(frame[day_field])
    bucket = GRAINS[grain][1]
    if bucket == "week":
        days = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    elif bucket == "month":
        days = days - pd.to_timedelta(days.dt.day - 1, unit="D")
    rest = frame.drop(columns=[unit_field, day_field])
    return rest.assign(**{UNIT: frame[unit_field], BUCKET: days.dt.strftime("%Y-%m-%d")})


def _summed(frame: pd.DataFrame, grain: str, columns: list[str]) -> pd.DataFrame:
    """Σ of `columns` per (unit, bucket); NULL sums (no rows to sum) count as zero."""
    keyed = _keyed(frame, grain)
    numbers = keyed[columns].apply(pd.to_numeric).fillna(0)
    return numbers.groupby([keyed[UNIT], keyed[BUCKET]]).sum()


# The service figures (cxm.rollups.sources.SERVICE_FIGURES) each source reads.
STAFF_FIGURES = (
    "consultations",
    "converted_consultations",
    "failed_consultations",
    "checklist_earned",
    "checklist_possible",
)
PRESS_FIGURES = (
    "positive_presses",
    "negative_presses",
    "neutral_presses",
    "repeat_presses",
    "consultations",
)
ANSWER_FIGURES = ("promoters", "passives", "detractors", "declined")


def _service(flt: ReportFilter, grain: str, figures: tuple[str, ...]) -> pd.DataFrame:
    """Service `figures` (consultations and their outcome and hours, checklist points,
    presses, survey answers) per unit, store and day from the fact source, read once per
    filter, grain and figures; the staff figures after matching consultations to receipts
    where their data changed (the outcomes they count), as the staff report does."""
    source = sources.current()
    memo_key = ("analytics service", source.name, grain, figures)
    if memo_key not in flt.memo:
        if figures == STAFF_FIGURES:
            matched(flt)
        fields = [group_fields(grain)[0], "store_id", "day"]
        rows = source.service(flt.store_ids(), flt.period, flt.seller_id(), fields, figures)
        flt.memo[memo_key] = _read(rows, GRAINS[grain][1]).reindex(columns=[*fields, *figures])
    return flt.memo[memo_key]


def _service_sums(
    flt: ReportFilter, grain: str, figures: tuple[str, ...], columns: list[str]
) -> pd.DataFrame:
    """Σ of service `columns` per point, only the points where any of them is not zero (a
    report lists a point with presses, answers or consultations, not one without)."""
    summed = _summed(_service(flt, grain, figures), grain, columns)
    return summed[summed.sum(axis=1) > 0]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is zero or unknown (as
    cxm.metrics.kpi.ratio says None)."""
    return (numerator / denominator.where(denominator != 0)).astype(float)


def _per(kopecks: pd.Series, count: pd.Series, scale: int = 1) -> pd.Series:
    """Roubles per unit of `count` rounded half-up to the kopeck, as the reports' Decimal
    arithmetic does (cxm.metrics.kpi.kopecks_to_roubles): exact integer arithmetic on
    kopecks × scale over count × scale (count has at most log10(scale) decimals)."""
    numerator = kopecks.astype("int64") * scale
    denominator = np.rint(count.astype(float) * scale).astype("int64")
    known = denominator != 0
    safe = denominator.where(known, 1)
    magnitude = (2 * numerator.abs() + safe.abs()) // (2 * safe.abs())
    rounded = np.sign(numerator) * np.sign(safe) * magnitude
    return (rounded / 100).where(known)


def _sales(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """Kopecks, receipts, units and visitors per point (cxm.reports.sales.sales_figures),
    read once per filter and grain: the staff, ИЭЛ and NPS figures divide by them too."""
    source = sources.current()
    memo_key = ("analytics sales", source.name, grain)
    if memo_key not in flt.memo:
        flt.memo[memo_key] = _read_sales(flt, grain, source)
    return flt.memo[memo_key]


def _read_sales(flt: ReportFilter, grain: str, source: sources.FactSource) -> pd.DataFrame:
    store_ids, seller_id, fields = flt.store_ids(), flt.seller_id(), group_fields(grain)
    money = _read(source.sales(store_ids, flt.period, seller_id, fields), GRAINS[grain][1])
    # Units are Decimal(18, 3) in the reports: round each summed row as they do.
    money[["units_sold", "units_returned"]] = (
        money[["units_sold", "units_returned"]].astype(float).round(3)
    )
    figures = _summed(
        money, grain, ["sales", "returns", "receipts", "units_sold", "units_returned"]
    )
    figures = figures.reindex(figures.index.union(_listed(flt, grain)), fill_value=0)
    # Traffic belongs to the store: a seller's figures (or a seller's filter) have none.
    if GRAINS[grain][0] == "store" and seller_id is None:
        traffic = _read(source.traffic(store_ids, flt.period, fields), GRAINS[grain][1])
        counted = _summed(traffic, grain, ["visitors"])
        figures = figures.reindex(figures.index.union(counted.index), fill_value=0)
        figures["traffic"] = counted["visitors"].reindex(figures.index, fill_value=0)
    else:
        figures["traffic"] = np.nan
    figures["kopecks"] = figures["sales"] - figures["returns"]
    figures["units"] = (figures["units_sold"] - figures["units_returned"]).round(3)
    return figures[["kopecks", "receipts", "units", "traffic"]]


def _listed(flt: ReportFilter, grain: str) -> pd.MultiIndex:
    """Points shown with nothing sold: every active seller in every month of the period
    (cxm.reports.sales: a silent seller is news, not a gap)."""
    if GRAINS[grain][0] != "seller":
        return pd.MultiIndex.from_tuples([], names=[UNIT, BUCKET])
    seller_id = flt.seller_id()
    sellers = (
        Seller.objects.filter(pk=seller_id)
        if seller_id is not None
        else Seller.objects.filter(store_id__in=flt.store_ids(), active=True)
    )
    months = pd.date_range(flt.period.start.replace(day=1), flt.period.end, freq="MS")
    return pd.MultiIndex.from_product(
        [sorted(sellers.values_list("code", flat=True)), months.strftime("%Y-%m-%d")],
        names=[UNIT, BUCKET],
    )


def _sales_series(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """The KPI report's figures (cxm.metrics.kpi.SalesFigures)."""
    f = _sales(flt, grain)
    return pd.DataFrame(
        {
            "revenue": f["kopecks"] / 100,
            "receipts": f["receipts"],
            "units": f["units"],
            "traffic": f["traffic"],
            "conversion": _ratio(f["receipts"], f["traffic"]),
            "average_ticket": _per(f["kopecks"], f["receipts"]),
            "upt": _ratio(f["units"], f["receipts"]),
            "average_price": _per(f["kopecks"], f["units"], scale=1000),
        },
        index=f.index,
    )


def _staff_activity(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """The staff report's consultations and their outcome on its points: those with
    consultations or sales."""
    activity = _service_sums(
        flt,
        grain,
        STAFF_FIGURES,
        ["consultations", "converted_consultations", "failed_consultations"],
    )
    return activity.reindex(activity.index.union(_sales(flt, grain).index), fill_value=0)


def _staff_series(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """The staff report's process figures (cxm.staff.reports.sellers_report) but coverage."""
    activity = _staff_activity(flt, grain)
    points = _summed(
        _service(flt, grain, STAFF_FIGURES), grain, ["checklist_earned", "checklist_possible"]
    )
    points = points.reindex(activity.index)
    n, converted = activity["consultations"], activity["converted_consultations"]
    failed = activity["failed_consultations"]
    return pd.DataFrame(
        {
            "consultations": n,
            "consultation_conversion": _ratio(converted, converted + failed),
            "failed_consultations": failed,
            "compliance": _ratio(points["checklist_earned"], points["checklist_possible"]),
        },
        index=activity.index,
    )


def _coverage_series(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """The staff report's coverage: consultations over the store's visitors, or over the
    visitors of a seller's shift hours — read only when asked for (a year of sellers' shift
    traffic is the costliest read of the staff figures)."""
    activity = _staff_activity(flt, grain)
    index = activity.index
    if GRAINS[grain][0] == "seller" or flt.seller_id() is not None:
        traffic = _shift_traffic(flt, grain).reindex(index, fill_value=0)
    else:
        traffic = _sales(flt, grain)["traffic"].reindex(index)
    return pd.DataFrame({"coverage": _ratio(activity["consultations"], traffic)}, index=index)


def _shift_traffic(flt: ReportFilter, grain: str) -> pd.Series:
    """Visitors of the store's hours from a seller's first to last consultation or receipt
    of each day, summed per point: the staff report's shift traffic, summed per unit and day
    where the facts lie (FactSource.shift_visitors), then bucketed."""
    unit_field = group_fields(grain)[0]
    rows = sources.current().shift_visitors(
        flt.store_ids(), flt.period, flt.seller_id(), [unit_field, "day"]
    )
    frame = _read(rows).reindex(columns=[unit_field, "day", "visitors"])
    return _summed(frame, grain, ["visitors"])["visitors"]


def _press_series(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """The ИЭЛ report's figures (cxm.feedback.reports.iel_report): repeat presses count
    nowhere; its points are those with presses or sales."""
    presses = _service_sums(flt, grain, PRESS_FIGURES, list(PRESS_FIGURES[:4]))
    receipts = _sales(flt, grain)["receipts"]
    index = presses.index.union(receipts.index)
    presses = presses.reindex(index, fill_value=0)
    receipts = receipts.reindex(index, fill_value=0)
    service = _service(flt, grain, PRESS_FIGURES)
    consultations = _summed(service, grain, ["consultations"])["consultations"]
    positive, negative = presses["positive_presses"], presses["negative_presses"]
    return pd.DataFrame(
        {
            "likes": positive,
            "like_index": _ratio(positive, consultations.reindex(index)),
            "iel": _ratio(100.0 * (positive - negative), receipts),
        },
        index=index,
    )


def _nps_series(flt: ReportFilter, grain: str) -> pd.DataFrame:
    """The NPS report's figure (cxm.feedback.reports.nps_report); its points are those with
    answers or sales."""
    counts = _service_sums(flt, grain, ANSWER_FIGURES, list(ANSWER_FIGURES))
    index = counts.index.union(_sales(flt, grain).index)
    counts = counts.reindex(index, fill_value=0)
    respondents = counts["promoters"] + counts["passives"] + counts["detractors"]
    nps = _ratio(100.0 * (counts["promoters"] - counts["detractors"]), respondents)
    return pd.DataFrame({"nps": nps}, index=index)


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
    """A report's field as a series. `rows` is the report asked with `by=<grain>` (its rows
    define the figure); `read`, where given, reads the same figures column-wise (the
    workbench's own series). Other apps register row-read series (speech, emotions)."""

    name: str
    label: Any  # lazily translated
    rows: Rows
    field: str = ""  # the row field; the series name when empty
    read: Reader | None = None

    @property
    def row_field(self) -> str:
        return self.field or self.name


def _series(name: str, label: Any, read: Reader, rows: Rows, field: str = "") -> Series:
    return Series(name, label, rows, field, read)


_SALES = (_sales_series, _sales_rows)
_STAFF = (_staff_series, _staff_rows)
_PRESSES = (_press_series, _press_rows)
SERIES: dict[str, Series] = {
    s.name: s
    for s in (
        _series("revenue", _("Revenue"), *_SALES),
        _series("receipts", _("Receipts"), *_SALES),
        _series("units", _("Units sold"), *_SALES),
        _series("traffic", _("Traffic"), *_SALES),
        _series("conversion", _("Conversion"), *_SALES),
        _series("average_ticket", _("Average ticket"), *_SALES),
        _series("upt", _("UPT"), *_SALES),
        _series("average_price", _("Average price"), *_SALES),
        _series("consultations", _("Consultations"), *_STAFF),
        _series("coverage", _("Coverage"), _coverage_series, _staff_rows),
        _series("consultation_conversion", _("Consultation conversion"), *_STAFF),
        _series("failed_consultations", _("Failed consultations"), *_STAFF),
        _series("compliance", _("Standard compliance"), *_STAFF),
        _series("likes", _("Likes"), *_PRESSES, field="positive"),
        _series("like_index", _("Like-Index"), *_PRESSES),
        _series("iel", _("ИЭЛ"), *_PRESSES),
        _series("nps", _("NPS"), _nps_series, _nps_rows),
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
    where the figure is unknown: no visitors counted gives no conversion), sorted by unit
    and bucket (ISO dates). Each source is read once: column-wise where the series can be,
    else through its report's rows."""
    check_series("series", names)
    check_grain(grain)
    wanted = [SERIES[name] for name in names]
    readers = dict.fromkeys(s.read for s in wanted if s.read is not None)
    frames = [read(flt, grain) for read in readers]
    by_rows = [s for s in wanted if s.read is None]
    if by_rows:
        frames.append(_rows_frame(flt, by_rows, grain).rename_axis([UNIT, BUCKET]))
    frame = pd.concat(frames, axis=1, join="outer")
    frame = frame[names].astype(float).sort_index()
    return frame.rename_axis(list(GRAINS[grain]))


def report_frame(flt: ReportFilter, names: list[str], grain: str) -> pd.DataFrame:
    """The same frame read through the reports' rows (each report asked once, grouped by
    the grain): slow on a big chain, the reference `series_frame` must equal."""
    check_series("series", names)
    check_grain(grain)
    return _rows_frame(flt, [SERIES[name] for name in names], grain)


def _rows_frame(flt: ReportFilter, wanted: list[Series], grain: str) -> pd.DataFrame:
    unit, bucket = GRAINS[grain]
    reports: dict[Rows, list[Series]] = {}
    for series in wanted:
        reports.setdefault(series.rows, []).append(series)
    values: dict[tuple[str, str], dict[str, float]] = {}
    for rows, of_report in reports.items():
        for row in rows(flt, grain):
            if row[unit] is None:
                continue  # receipts of no known seller (self-checkout)
            cell = values.setdefault((row[unit], str(row[bucket])), {})
            cell.update({s.name: _number(row.get(s.row_field)) for s in of_report})
    index = pd.MultiIndex.from_tuples(sorted(values), names=[unit, bucket])
    columns = [s.name for s in wanted]
    return pd.DataFrame([values[key] for key in index], index=index, columns=columns, dtype=float)


def _number(value: Any) -> float:
    if value is None:
        return np.nan
    if isinstance(value, Decimal | int | float):
        return float(value)
    raise TypeError(f"a series value must be a number, not {type(value).__name__}")
