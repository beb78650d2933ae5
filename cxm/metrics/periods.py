"""Reporting periods: inclusive date ranges, the period to compare with, filter-bar presets
and the calendar buckets that rows roll up into (weeks start on Monday, as in Russia)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

GRAINS = ("day", "week", "month", "quarter")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def previous_period(period: Period) -> Period:
    """The period of the same length that ends the day before this one starts."""
    end = period.start - _DAY
    return Period(end - timedelta(days=period.days - 1), end)


def same_period_last_year(period: Period) -> Period:
    """The same calendar dates one year earlier; 29 February becomes the 28th."""
    return Period(_year_earlier(period.start), _year_earlier(period.end))


def _year_earlier(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def bucket_start(day: date, grain: str) -> date:
    """The first day of the day/week (Monday)/month/quarter that contains `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    raise ValueError(f"unknown grain {grain!r}; one of {', '.join(GRAINS)}")


def _last_days(count: int) -> Callable[[date], Period]:
    return lambda today: Period(today - timedelta(days=count - 1), today)


def _last_week(today: date) -> Period:
    monday = bucket_start(today, "week") - timedelta(weeks=1)
    return Period(monday, monday + timedelta(days=6))


def _last_month(today: date) -> Period:
    end = bucket_start(today, "month") - _DAY
    return Period(end.replace(day=1), end)


def _last_quarter(today: date) -> Period:
    end = bucket_start(today, "quarter") - _DAY
    return Period(bucket_start(end, "quarter"), end)


def _last_year(today: date) -> Period:
    return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))


# "this_…" periods run to today (the days after it have no data yet), so that comparing
# with previous_period() compares equally long stretches.
_PRESETS: dict[str, Callable[[date], Period]] = {
    "today": lambda today: Period(today, today),
    "yesterday": lambda today: Period(today - _DAY, today - _DAY),
    "last_7_days": _last_days(7),
    "last_30_days": _last_days(30),
    "this_week": lambda today: Period(bucket_start(today, "week"), today),
    "last_week": _last_week,
    "this_month": lambda today: Period(bucket_start(today, "month"), today),
    "last_month": _last_month,
    "this_quarter": lambda today: Period(bucket_start(today, "quarter"), today),
    "last_quarter": _last_quarter,
    "this_year": lambda today: Period(date(today.year, 1, 1), today),
    "last_year": _last_year,
}
PRESETS = tuple(_PRESETS)


def preset(name: str, today: date) -> Period:
    """A named period as the filter bar offers it; "last_7_days" includes today."""
    try:
        make = _PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown period preset {name!r}; one of {', '.join(PRESETS)}") from None
    return make(today)
