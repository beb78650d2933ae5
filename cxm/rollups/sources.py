"""The query layer under the sales reports: where receipt and visitor figures are summed from.

Every report asks a `FactSource` for rows grouped by report fields (`store__code`, `day`,
`hour`, … — cxm.reports.sales.GROUP_FIELD) and gets the same rows from each source:

* `ROLLUPS` (the default) reads the rollup tables that cxm.rollups.refresh keeps;
* `RAW_FACTS` sums the receipts and visitor counts themselves — the reference the rollups are
  checked against (tests/test_rollups*.py) and the baseline of bench/scale.py;
* cxm.rollups.clickhouse sums the same facts in ClickHouse (the design beyond one machine).

`service(…)` does the same for the service facts — consultations, checklists, terminal presses
and survey answers — under the seller ranking and the NPS page.

`reading(source)` switches the source for the code inside it, e.g. a whole dashboard."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from cxm.feedback.models import NEGATIVE_BUTTONS, POSITIVE_BUTTONS, Button, Press, SurveyResponse
from cxm.metrics.periods import Period
from cxm.rollups.models import (
    SellerDay,
    ServiceDay,
    ShiftDay,
    StoreDay,
    StoreHour,
    StoreMonthHour,
)
from cxm.rollups.shifts import refresh_shift_days, sum_shift_visitors
from cxm.rollups.visitors import settle_visitor_counts
from cxm.sales.models import OperationType, Receipt
from cxm.staff.models import Checklist, Consultation
from cxm.traffic.models import VisitorCount

ZERO = Decimal(0)
SELLER_FIELDS = ("seller__code", "seller_id")
Row = dict[str, Any]


class FactSource(Protocol):
    name: str

    def sales(
        self, store_ids: list[int], period: Period, seller_id: int | None, fields: Sequence[str]
    ) -> Iterable[Row]:
        """Rows of `fields` with `sales` and `returns` (kopecks), `receipts` (sale receipts),
        `units_sold` and `units_returned`."""
        ...

    def traffic(self, store_ids: list[int], period: Period, fields: Sequence[str]) -> Iterable[Row]:
        """Rows of `fields` with `visitors` (Σ visitors in)."""
        ...

    def sales_and_traffic(
        self, store_ids: list[int], period: Period, fields: Sequence[str]
    ) -> tuple[Iterable[Row], Iterable[Row]]:
        """`sales(…)` of every seller and `traffic(…)` together (one read where they are
        kept side by side)."""
        ...

    def seller_hours(
        self, store_ids: list[int], period: Period, seller_id: int | None, field: str
    ) -> Iterable[Row]:
        """Per `field`, store_id and day of receipts that name a seller: the `first` and
        `last` local hour of a receipt."""
        ...

    def shift_visitors(
        self, store_ids: list[int], period: Period, seller_id: int | None, fields: Sequence[str]
    ) -> Iterable[Row]:
        """Rows of `fields` with `visitors`: the store's visitors of the hours from each
        seller's first to last receipt or consultation of each day (the seller ranking's
        shift traffic), summed over the group's seller-days (cxm.rollups.shifts)."""
        ...

    def weekday_hours(self, store_ids: list[int], period: Period) -> Iterable[Row]:
        """Rows of `weekday` (0 = Monday), `hour`, `receipts`, `visitors` and `counted`
        (whether a counter reported: if not, no traffic figure) — the conversion heat map."""
        ...

    def service(
        self,
        store_ids: list[int],
        period: Period,
        seller_id: int | None,
        fields: Sequence[str],
        figures: Sequence[str],
    ) -> Iterable[Row]:
        """Rows of `fields` with these SERVICE_FIGURES: counts and sums (by hour without the
        checklists'), the first and last local hour of a consultation (None without one)."""
        ...


def _window(store_ids: list[int], period: Period) -> dict[str, Any]:
    return {"store_id__any": store_ids, "day__gte": period.start, "day__lte": period.end}


def weekday_hours_of(source: "FactSource", store_ids: list[int], period: Period) -> list[Row]:
    """The heat map's rows from a source's (day, hour) sales and traffic."""
    sold, counted = source.sales_and_traffic(store_ids, period, ("day", "hour"))
    cells: dict[tuple[int, int], Row] = {}
    for row in sold:
        _cell(cells, row["day"].weekday(), row["hour"])["receipts"] += row["receipts"]
    for row in counted:
        cell = _cell(cells, row["day"].weekday(), row["hour"])
        cell["visitors"] += row["visitors"]
        cell["counted"] = True
    return list(cells.values())


def _cell(cells: dict[tuple[int, int], Row], weekday: int, hour: int) -> Row:
    """The heat map's (weekday, hour) cell, empty at first."""
    empty = {"weekday": weekday, "hour": hour, "receipts": 0, "visitors": 0, "counted": False}
    return cells.setdefault((weekday, hour), empty)


def _summed(rows: QuerySet, fields: Sequence[str], **sums: Any) -> Iterable[Row]:
    """One row per group of `fields`; no fields, one row for the lot (`values()` without
    fields would group by every column, i.e. not at all)."""
    if not fields:
        return [rows.aggregate(**sums)]
    return rows.values(*fields).annotate(**sums).order_by()


class RawFacts:
    """Sums the receipts and visitor counts: every figure reads every fact of the period."""

    name = "raw facts"
    _SALE = Q(operation_type=OperationType.SALE)
    _RETURN = Q(operation_type=OperationType.SALE_RETURN)

    def sales(self, store_ids, period, seller_id, fields) -> Iterable[Row]:
        receipts = Receipt.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            receipts = receipts.filter(seller_id=seller_id)
        return _summed(
            receipts,
            fields,
            sales=Coalesce(Sum("total", filter=self._SALE), 0),
            returns=Coalesce(Sum("total", filter=self._RETURN), 0),
            receipts=Count("pk", filter=self._SALE),
            units_sold=Coalesce(Sum("units", filter=self._SALE), ZERO),
            units_returned=Coalesce(Sum("units", filter=self._RETURN), ZERO),
        )

    def traffic(self, store_ids, period, fields) -> Iterable[Row]:
        rows = VisitorCount.objects.filter(**_window(store_ids, period))
        return _summed(rows, fields, visitors=Coalesce(Sum("visitors_in"), 0))

    def sales_and_traffic(self, store_ids, period, fields):
        return self.sales(store_ids, period, None, fields), self.traffic(store_ids, period, fields)

    def weekday_hours(self, store_ids, period) -> list[Row]:
        return weekday_hours_of(self, store_ids, period)

    def service(self, store_ids, period, seller_id, fields, figures) -> list[Row]:
        return _raw_service(store_ids, period, seller_id, fields, figures)

    def shift_visitors(self, store_ids, period, seller_id, fields) -> list[Row]:
        window = _window(store_ids, period)
        spans = [
            (Receipt.objects.filter(**window, seller__isnull=False), "hour", "hour"),
            (Consultation.objects.filter(**window), "hour", "hour"),
        ]
        return sum_shift_visitors(spans, VisitorCount.objects.filter(**window), "visitors_in",
                                  seller_id, fields)  # fmt: skip

    def seller_hours(self, store_ids, period, seller_id, field) -> QuerySet:
        receipts = Receipt.objects.filter(**_window(store_ids, period), seller__isnull=False)
        if seller_id is not None:
            receipts = receipts.filter(seller_id=seller_id)
        return (
            receipts.values(field, "store_id", "day")
            .annotate(first=Min("hour"), last=Max("hour"))
            .order_by()
        )


class Rollups:
    """Reads the rollup tables: a chain's month is a few thousand store-day rows, whatever the
    number of receipts. Seller figures by hour have no rollup (no page shows them): those
    few come from the facts."""

    name = "rollups"

    def sales(self, store_ids, period, seller_id, fields) -> Iterable[Row]:
        by_seller = seller_id is not None or any(f in SELLER_FIELDS for f in fields)
        if "hour" in fields:
            if by_seller:
                return RAW_FACTS.sales(store_ids, period, seller_id, fields)
            table = StoreHour
        else:
            table = SellerDay if by_seller else StoreDay
        rows = table.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        return _summed(rows, fields, **self._SALES)

    _SALES = {
        "sales": Coalesce(Sum("sales"), 0),
        "returns": Coalesce(Sum("returns"), 0),
        "receipts": Coalesce(Sum("receipts"), 0),
        "units_sold": Coalesce(Sum("units_sold"), ZERO),
        "units_returned": Coalesce(Sum("units_returned"), ZERO),
    }

    def sales_and_traffic(self, store_ids, period, fields):
        """One read: money and visitors lie in the same store rows."""
        settle_visitor_counts(store_ids, period.start, period.end)
        table = StoreHour if "hour" in fields else StoreDay
        rows = list(
            _summed(
                table.objects.filter(**_window(store_ids, period)),
                fields,
                **self._SALES,
                visitors=Coalesce(Sum("visitors"), 0),
                intervals=Coalesce(Sum("intervals"), 0),
            )
        )
        # Traffic only where a counter reported, as traffic() answers.
        counted = [row for row in rows if row["intervals"] > 0 or not fields]
        return rows, counted

    def traffic(self, store_ids, period, fields) -> Iterable[Row]:
        table = StoreHour if "hour" in fields else StoreDay
        # Only where a counter reported, like the facts: no counter is no figure, not zero.
        # (Keep in step with sales_and_traffic.)
        settle_visitor_counts(store_ids, period.start, period.end)
        rows = table.objects.filter(**_window(store_ids, period), intervals__gt=0)
        return _summed(rows, fields, visitors=Coalesce(Sum("visitors"), 0))

    def weekday_hours(self, store_ids, period) -> list[Row]:
        """Each calendar month the period touches from the month × weekday × hour rollup (84
        rows a store-month) where the period holds most of it, less the store-hours of its days
        outside the period; from the store-hours of its days inside where it holds less."""
        months, plus, minus = _month_cover(period)
        # The whole months: their rows hold the days outside the period too.
        last = _next_month(period.end.replace(day=1)) - timedelta(days=1)
        settle_visitor_counts(store_ids, period.start.replace(day=1), last)
        signed: list[tuple[int, Iterable[Row]]] = []
        if months:
            rows = StoreMonthHour.objects.filter(store_id__any=store_ids, month__in=months)
            summed = rows.values("weekday", "hour").annotate(**_HEAT_MAP_SUMS).order_by()
            signed.append((1, summed))
        for sign, days in [(1, p) for p in plus] + [(-1, p) for p in minus]:
            # Only the heat map's figures: summing the money too cost a third more.
            rows = StoreHour.objects.filter(**_window(store_ids, days)).values("day", "hour")
            rows = rows.annotate(**_HEAT_MAP_SUMS).order_by()
            signed.append((sign, ({**r, "weekday": r["day"].weekday()} for r in rows)))
        sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        for sign, rows in signed:
            for row in rows:
                acc = sums[(row["weekday"], row["hour"])]
                acc[0] += sign * row["receipts"]
                acc[1] += sign * row["visitors"]
                acc[2] += sign * row["intervals"]
        return [
            {"weekday": wd, "hour": hour, "receipts": receipts, "visitors": visitors,
             "counted": intervals > 0}
            for (wd, hour), (receipts, visitors, intervals) in sums.items()
        ]  # fmt: skip

    def service(self, store_ids, period, seller_id, fields, figures) -> Iterable[Row]:
        if "hour" in fields:  # kept per day; by hour (the NPS API's `by=hour`) from the facts
            return RAW_FACTS.service(store_ids, period, seller_id, fields, figures)
        rows = ServiceDay.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        # Only the columns asked for: the NPS page sums 4 of the 16.
        aggregates = {
            name: _HOURS[name](name)
            if name in _HOURS
            else Coalesce(Sum(name), 0.0 if name.startswith("checklist_") else 0)
            for name in figures
        }
        return _summed(rows, fields, **aggregates)

    def shift_visitors(self, store_ids, period, seller_id, fields) -> Iterable[Row]:
        refresh_shift_days(store_ids, period.start, period.end)
        rows = ShiftDay.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        return _summed(rows, fields, visitors=Coalesce(Sum("visitors"), 0))

    def seller_hours(self, store_ids, period, seller_id, field) -> QuerySet:
        rows = SellerDay.objects.filter(**_window(store_ids, period), seller__isnull=False)
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        return (
            rows.values(field, "store_id", "day")
            .annotate(first=Min("first_hour"), last=Max("last_hour"))
            .order_by()
        )


# What a service row holds besides its fields (cxm.rollups.models.ServiceDay).
SERVICE_MEASURES = (
    "consultations",
    "converted_consultations",
    "failed_consultations",
    "checklists",
    "checklist_earned",
    "checklist_possible",
    "positive_presses",
    "negative_presses",
    "neutral_presses",
    "repeat_presses",
    "promoters",
    "passives",
    "detractors",
    "declined",
)
_HOURS = {"first_consultation_hour": Min, "last_consultation_hour": Max}
SERVICE_FIGURES = (*SERVICE_MEASURES, *_HOURS)


def _service_facts() -> list[tuple[Any, dict[str, Any]]]:
    """Each service fact's table and its measures, as the rollup refresh sums them."""
    counted = Q(repeat=False)
    return [
        (
            Consultation,
            {
                "consultations": Count("pk"),
                "converted_consultations": Count("pk", filter=Q(converted=True)),
                "failed_consultations": Count("pk", filter=Q(converted=False)),
                "first_consultation_hour": Min("hour"),
                "last_consultation_hour": Max("hour"),
            },
        ),
        (
            Checklist,
            {
                "checklists": Count("pk"),
                "checklist_earned": Sum("earned"),
                "checklist_possible": Sum("possible"),
            },
        ),
        (
            Press,
            {
                "positive_presses": Count("pk", filter=counted & Q(button__in=POSITIVE_BUTTONS)),
                "negative_presses": Count("pk", filter=counted & Q(button__in=NEGATIVE_BUTTONS)),
                "neutral_presses": Count("pk", filter=counted & Q(button=Button.NEUTRAL)),
                "repeat_presses": Count("pk", filter=Q(repeat=True)),
            },
        ),
        (SurveyResponse, survey_answer_measures()),
    ]


def survey_answer_measures() -> dict[str, Any]:
    """Promoters, passives, detractors and declines among survey answers, as aggregates."""
    answered = Q(declined=False)
    return {
        "promoters": Count("pk", filter=answered & Q(nps__gte=9)),
        "passives": Count("pk", filter=answered & Q(nps__gte=7, nps__lte=8)),
        "detractors": Count("pk", filter=answered & Q(nps__lte=6)),
        "declined": Count("pk", filter=Q(declined=True)),
    }


def _raw_service(store_ids, period, seller_id, fields, figures) -> list[Row]:
    """The service facts summed each by `fields` and merged into one row per group."""
    merged: dict[tuple, Row] = {}
    for model, all_measures in _service_facts():
        measures = {name: how for name, how in all_measures.items() if name in figures}
        if not measures or ("hour" in fields and model is Checklist):
            continue  # a checklist has a time but no hour of its own: none by hour
        rows = model.objects.filter(**_window(store_ids, period))
        if seller_id is not None:
            rows = rows.filter(seller_id=seller_id)
        for row in _summed(rows, fields, **measures):
            if not fields and not any(row.values()):
                continue  # no fact at all: the lot is the empty row below
            key = tuple(row[f] for f in fields)
            if key not in merged:
                merged[key] = {**dict(zip(fields, key, strict=True)), **_empty_service(figures)}
            merged[key].update({name: row[name] or 0 for name in measures if name not in _HOURS})
            merged[key].update({name: row[name] for name in measures if name in _HOURS})
    if not fields and not merged:
        return [_empty_service(figures)]
    return list(merged.values())


def _empty_service(figures: Sequence[str]) -> Row:
    return {name: None if name in _HOURS else 0 for name in figures}


_HEAT_MAP_SUMS = {name: Sum(name) for name in ("receipts", "visitors", "intervals")}


def _month_cover(period: Period) -> tuple[list[date], list[Period], list[Period]]:
    """How to sum a period from month rows and day rows: the months to read whole, the day
    ranges to add and the day ranges to take away (fewest day rows for each month)."""
    months: list[date] = []
    plus: list[Period] = []
    minus: list[Period] = []
    month = period.start.replace(day=1)
    while month <= period.end:
        end = _next_month(month) - timedelta(days=1)
        inside = Period(max(month, period.start), min(end, period.end))
        outside = [
            Period(a, b)
            for a, b in (
                (month, inside.start - timedelta(days=1)),
                (inside.end + timedelta(days=1), end),
            )
            if a <= b
        ]
        if sum(p.days for p in outside) < inside.days:
            months.append(month)
            minus += outside
        else:
            plus.append(inside)
        month = _next_month(month)
    return months, plus, minus


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


RAW_FACTS = RawFacts()
ROLLUPS = Rollups()
_active: ContextVar[FactSource] = ContextVar("cxm_fact_source", default=ROLLUPS)


def current() -> FactSource:
    """The source the reports read now."""
    return _active.get()


@contextmanager
def reading(source: FactSource) -> Iterator[FactSource]:
    """Reports inside this block read `source`."""
    token = _active.set(source)
    try:
        yield source
    finally:
        _active.reset(token)
