"""Reporting periods: presets of the filter bar on awkward calendar dates, the comparison
periods, and the buckets rows roll up into. Expected dates are worked out by hand from the
calendar (2024 is a leap year; 1 January 2024 is a Monday)."""

from datetime import date, timedelta

import pytest

from cxm.metrics.periods import (
    GRAINS,
    PRESETS,
    Period,
    bucket_start,
    preset,
    previous_period,
    same_period_last_year,
)


def p(start: str, end: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end))


# --- Period ------------------------------------------------------------------------------


def test_a_period_counts_both_ends():
    assert p("2024-02-01", "2024-02-29").days == 29
    assert p("2024-03-05", "2024-03-05").days == 1


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        p("2024-03-02", "2024-03-01")


def test_contains_is_inclusive_at_both_ends():
    period = p("2024-02-26", "2024-03-03")
    assert period.contains(date(2024, 2, 26))
    assert period.contains(date(2024, 2, 29))
    assert period.contains(date(2024, 3, 3))
    assert not period.contains(date(2024, 2, 25))
    assert not period.contains(date(2024, 3, 4))


# --- presets -----------------------------------------------------------------------------

# today = Monday 1 January 2024: every "this_…" period is one day long and every "last_…"
# one lies wholly in 2023.
NEW_YEAR = date(2024, 1, 1)
NEW_YEAR_EXPECTED = {
    "today": ("2024-01-01", "2024-01-01"),
    "yesterday": ("2023-12-31", "2023-12-31"),
    "last_7_days": ("2023-12-26", "2024-01-01"),
    "last_30_days": ("2023-12-03", "2024-01-01"),
    "this_week": ("2024-01-01", "2024-01-01"),
    "last_week": ("2023-12-25", "2023-12-31"),
    "this_month": ("2024-01-01", "2024-01-01"),
    "last_month": ("2023-12-01", "2023-12-31"),
    "this_quarter": ("2024-01-01", "2024-01-01"),
    "last_quarter": ("2023-10-01", "2023-12-31"),
    "this_year": ("2024-01-01", "2024-01-01"),
    "last_year": ("2023-01-01", "2023-12-31"),
}

# today = Friday 1 March 2024, the day after a leap day.
MARCH_FIRST = date(2024, 3, 1)
MARCH_FIRST_EXPECTED = {
    "today": ("2024-03-01", "2024-03-01"),
    "yesterday": ("2024-02-29", "2024-02-29"),
    "last_7_days": ("2024-02-24", "2024-03-01"),
    "last_30_days": ("2024-02-01", "2024-03-01"),
    "this_week": ("2024-02-26", "2024-03-01"),
    "last_week": ("2024-02-19", "2024-02-25"),
    "this_month": ("2024-03-01", "2024-03-01"),
    "last_month": ("2024-02-01", "2024-02-29"),
    "this_quarter": ("2024-01-01", "2024-03-01"),
    "last_quarter": ("2023-10-01", "2023-12-31"),
    "this_year": ("2024-01-01", "2024-03-01"),
    "last_year": ("2023-01-01", "2023-12-31"),
}

# today = Sunday 31 December 2023, the last day of a week, a month, a quarter and a year.
NEW_YEARS_EVE = date(2023, 12, 31)
NEW_YEARS_EVE_EXPECTED = {
    "today": ("2023-12-31", "2023-12-31"),
    "yesterday": ("2023-12-30", "2023-12-30"),
    "last_7_days": ("2023-12-25", "2023-12-31"),
    "last_30_days": ("2023-12-02", "2023-12-31"),
    "this_week": ("2023-12-25", "2023-12-31"),
    "last_week": ("2023-12-18", "2023-12-24"),
    "this_month": ("2023-12-01", "2023-12-31"),
    "last_month": ("2023-11-01", "2023-11-30"),
    "this_quarter": ("2023-10-01", "2023-12-31"),
    "last_quarter": ("2023-07-01", "2023-09-30"),
    "this_year": ("2023-01-01", "2023-12-31"),
    "last_year": ("2022-01-01", "2022-12-31"),
}


@pytest.mark.parametrize(
    ("today", "name", "expected"),
    [(NEW_YEAR, name, span) for name, span in NEW_YEAR_EXPECTED.items()]
    + [(MARCH_FIRST, name, span) for name, span in MARCH_FIRST_EXPECTED.items()]
    + [(NEW_YEARS_EVE, name, span) for name, span in NEW_YEARS_EVE_EXPECTED.items()],
)
def test_presets_on_calendar_boundaries(today, name, expected):
    assert preset(name, today) == p(*expected)


def test_every_offered_preset_is_tested():
    assert set(PRESETS) == set(NEW_YEAR_EXPECTED)


def test_last_month_of_march_in_a_common_year_ends_on_the_28th():
    assert preset("last_month", date(2023, 3, 15)) == p("2023-02-01", "2023-02-28")


def test_last_quarter_from_the_middle_of_a_quarter():
    assert preset("last_quarter", date(2024, 5, 15)) == p("2024-01-01", "2024-03-31")
    assert preset("last_quarter", date(2024, 8, 31)) == p("2024-04-01", "2024-06-30")


def test_every_preset_ends_no_later_than_today():
    for today in (NEW_YEAR, MARCH_FIRST, NEW_YEARS_EVE, date(2024, 2, 29)):
        for name in PRESETS:
            assert preset(name, today).end <= today, name


def test_an_unknown_preset_is_refused_with_the_list_of_known_ones():
    with pytest.raises(ValueError, match="last_7_days"):
        preset("last_fortnight", NEW_YEAR)


# --- comparison periods ------------------------------------------------------------------


def test_previous_period_of_one_day_is_the_day_before():
    assert previous_period(p("2024-03-01", "2024-03-01")) == p("2024-02-29", "2024-02-29")


def test_previous_period_of_a_leap_february_is_29_days_ending_on_31_january():
    assert previous_period(p("2024-02-01", "2024-02-29")) == p("2024-01-03", "2024-01-31")


def test_previous_period_of_a_week_is_the_week_before():
    assert previous_period(p("2024-01-01", "2024-01-07")) == p("2023-12-25", "2023-12-31")


def test_previous_period_of_this_quarter_to_date_has_the_same_length():
    # 1 January … 29 February 2024 is 31 + 29 = 60 days; the 60 days before it start on
    # 2 November 2023 (29 days of November + 31 of December).
    current = preset("this_quarter", date(2024, 2, 29))
    assert current == p("2024-01-01", "2024-02-29")
    assert previous_period(current) == p("2023-11-02", "2023-12-31")


@pytest.mark.parametrize(
    "period",
    [
        p("2024-02-29", "2024-02-29"),
        p("2024-01-01", "2024-12-31"),
        p("2023-03-01", "2024-02-29"),
        p("2024-02-10", "2024-03-10"),
    ],
)
def test_previous_period_has_equal_length_and_ends_the_day_before(period):
    before = previous_period(period)
    assert before.days == period.days
    assert before.end == period.start - timedelta(days=1)


def test_same_period_last_year_shifts_the_dates():
    assert same_period_last_year(p("2024-03-01", "2024-03-31")) == p("2023-03-01", "2023-03-31")
    assert same_period_last_year(p("2025-02-28", "2025-03-01")) == p("2024-02-28", "2024-03-01")


def test_the_leap_day_is_compared_with_28_february():
    assert same_period_last_year(p("2024-02-29", "2024-02-29")) == p("2023-02-28", "2023-02-28")


def test_a_leap_february_is_compared_with_the_whole_february_before():
    assert same_period_last_year(p("2024-02-01", "2024-02-29")) == p("2023-02-01", "2023-02-28")


def test_this_year_to_a_leap_day_is_compared_with_the_year_before_to_28_february():
    this_year = preset("this_year", date(2024, 2, 29))
    assert same_period_last_year(this_year) == p("2023-01-01", "2023-02-28")


def test_same_period_last_year_across_new_year():
    assert same_period_last_year(p("2023-12-25", "2024-01-07")) == p("2022-12-25", "2023-01-07")


# --- buckets -----------------------------------------------------------------------------


def test_day_bucket_is_the_day_itself():
    assert bucket_start(date(2024, 2, 29), "day") == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        ("2024-01-01", "2024-01-01"),  # a Monday is its own week's start
        ("2024-01-07", "2024-01-01"),  # Sunday belongs to the week before it, not after
        ("2024-03-01", "2024-02-26"),  # across the end of a leap February
        ("2021-01-03", "2020-12-28"),  # Sunday of ISO week 2020-W53
        ("2025-01-01", "2024-12-30"),  # a Wednesday in ISO week 2025-W01
    ],
)
def test_week_bucket_starts_on_the_iso_monday(day, monday):
    assert bucket_start(date.fromisoformat(day), "week") == date.fromisoformat(monday)


def test_week_bucket_agrees_with_iso_calendar_for_two_years_of_days():
    day = date(2023, 1, 1)
    while day < date(2025, 1, 1):
        start = bucket_start(day, "week")
        assert start.isoweekday() == 1
        assert start.isocalendar()[:2] == day.isocalendar()[:2]
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "first"),
    [("2024-02-29", "2024-02-01"), ("2024-01-01", "2024-01-01"), ("2023-12-31", "2023-12-01")],
)
def test_month_bucket_is_the_first_of_the_month(day, first):
    assert bucket_start(date.fromisoformat(day), "month") == date.fromisoformat(first)


@pytest.mark.parametrize(
    ("day", "first"),
    [
        ("2024-03-31", "2024-01-01"),
        ("2024-04-01", "2024-04-01"),
        ("2024-06-30", "2024-04-01"),
        ("2024-08-15", "2024-07-01"),
        ("2024-11-30", "2024-10-01"),
        ("2024-12-31", "2024-10-01"),
    ],
)
def test_quarter_bucket_is_the_first_day_of_the_quarter(day, first):
    assert bucket_start(date.fromisoformat(day), "quarter") == date.fromisoformat(first)


def test_every_grain_is_accepted_and_an_unknown_one_is_refused():
    for grain in GRAINS:
        assert bucket_start(date(2024, 5, 15), grain) <= date(2024, 5, 15)
    with pytest.raises(ValueError, match="unknown grain 'year'"):
        bucket_start(date(2024, 5, 15), "year")
