"""The KPI tree of docs/metrics.md: conversion = receipts / traffic, average ticket =
revenue / receipts, UPT = units / receipts, average price = revenue / units. Figures whose
denominator is zero or unknown are empty (None), never 0 and never an error. Expected values
are worked out by hand in the comments."""

from decimal import Decimal

import pytest

from cxm.metrics.kpi import SalesFigures, change, kopecks_to_roubles, ratio

# A store-month: 400 visitors, 40 sale receipts, 100 units, 10 000 ₽ of net revenue.
STORE_MONTH = SalesFigures(revenue=1_000_000, receipts=40, units=Decimal("100"), traffic=400)


# --- ratio -------------------------------------------------------------------------------


def test_ratio_divides_as_float():
    assert ratio(1, 4) == 0.25
    assert ratio(Decimal("1"), Decimal("8")) == 0.125
    assert isinstance(ratio(Decimal("1"), 3), float)


def test_ratio_of_nothing_over_something_is_zero_not_empty():
    assert ratio(0, 5) == 0.0


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(5, 0), (5, 0.0), (5, Decimal("0.000")), (None, 5), (5, None), (None, None)],
)
def test_ratio_is_empty_when_the_denominator_is_zero_or_either_side_unknown(numerator, denominator):
    assert ratio(numerator, denominator) is None


# --- money -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kopecks", "roubles"),
    [
        (123_456, "1234.56"),
        (5, "0.05"),
        (0, "0.00"),
        (-150, "-1.50"),
        (Decimal("0.5"), "0.01"),  # half a kopeck rounds up, as on a receipt
        (Decimal("0.49"), "0.00"),
        (Decimal("-0.5"), "-0.01"),  # half-up rounds away from zero
    ],
)
def test_kopecks_to_roubles_keeps_two_places_rounding_half_up(kopecks, roubles):
    result = kopecks_to_roubles(kopecks)
    assert result == Decimal(roubles)
    assert result.as_tuple().exponent == -2


# --- SalesFigures ------------------------------------------------------------------------


def test_the_kpi_tree_of_a_store_month():
    assert STORE_MONTH.conversion == 0.1  # 40 / 400
    assert STORE_MONTH.average_ticket == 25_000.0  # 1 000 000 / 40 kopecks
    assert STORE_MONTH.upt == 2.5  # 100 / 40
    assert STORE_MONTH.average_price == 10_000.0  # 1 000 000 / 100 kopecks


def test_the_tree_multiplies_back_to_revenue():
    # revenue = traffic × conversion × average ticket; average ticket = UPT × average price
    figures = SalesFigures(revenue=987_654, receipts=37, units=Decimal("83.5"), traffic=512)
    assert figures.traffic * figures.conversion * figures.average_ticket == pytest.approx(987_654)
    assert figures.upt * figures.average_price == pytest.approx(figures.average_ticket)


def test_as_dict_gives_money_in_roubles_under_the_contract_names():
    assert STORE_MONTH.as_dict() == {
        "revenue": Decimal("10000.00"),
        "receipts": 40,
        "units": Decimal("100"),
        "traffic": 400,
        "conversion": 0.1,
        "average_ticket": Decimal("250.00"),
        "upt": 2.5,
        "average_price": Decimal("100.00"),
    }


def test_average_ticket_in_roubles_rounds_the_exact_quotient_half_up():
    # 246 927 kopecks over 2 receipts = 1 234.635 ₽ exactly → 1 234.64 ₽. As a binary float
    # 1234.635 is 1234.63499999…, which would round down to 1 234.63.
    figures = SalesFigures(revenue=246_927, receipts=2, units=Decimal("2"), traffic=None)
    assert figures.as_dict()["average_ticket"] == Decimal("1234.64")


def test_average_price_of_weighed_goods():
    # 1 000 ₽ for 2.474 kg: 1000 / 2.474 = 404.2037… ₽ per kg.
    figures = SalesFigures(revenue=100_000, receipts=1, units=Decimal("2.474"), traffic=10)
    assert figures.as_dict()["average_price"] == Decimal("404.20")
    assert figures.average_price == pytest.approx(40_420.37, abs=0.01)


def test_a_seller_has_no_traffic_and_so_no_conversion():
    seller = SalesFigures(revenue=500_000, receipts=10, units=Decimal("12"), traffic=None)
    assert seller.conversion is None
    assert seller.as_dict()["conversion"] is None
    assert seller.average_ticket == 50_000.0


def test_a_store_with_zero_visitors_has_no_conversion():
    # receipts without counted visitors: a broken counter, not an infinite conversion
    figures = SalesFigures(revenue=300_000, receipts=3, units=Decimal("3"), traffic=0)
    assert figures.conversion is None


def test_visitors_but_no_receipts_is_zero_conversion_and_empty_per_receipt_figures():
    figures = SalesFigures(revenue=0, receipts=0, units=Decimal("0"), traffic=250)
    assert figures.conversion == 0.0
    assert figures.average_ticket is None
    assert figures.upt is None
    assert figures.average_price is None
    as_dict = figures.as_dict()
    assert as_dict["revenue"] == Decimal("0.00")
    assert as_dict["average_ticket"] is None
    assert as_dict["average_price"] is None


def test_returns_only_gives_negative_revenue_and_no_per_receipt_figures():
    # a day with one return of 1 500 ₽ and no sales
    figures = SalesFigures(revenue=-150_000, receipts=0, units=Decimal("-1"), traffic=80)
    assert figures.as_dict()["revenue"] == Decimal("-1500.00")
    assert figures.average_ticket is None
    assert figures.conversion == 0.0
    assert figures.average_price == 150_000.0  # −150 000 / −1


def test_units_that_net_to_zero_leave_average_price_empty():
    figures = SalesFigures(revenue=10_000, receipts=2, units=Decimal("0.000"), traffic=20)
    assert figures.average_price is None
    assert figures.as_dict()["average_price"] is None
    assert figures.upt == 0.0


# --- change ------------------------------------------------------------------------------


def test_change_up_and_down():
    assert change(120, 100) == {"abs": 20, "rel": 0.2}
    assert change(80, 100) == {"abs": -20, "rel": -0.2}
    assert change(100, 100) == {"abs": 0, "rel": 0.0}


def test_change_from_zero_has_no_relative_change():
    assert change(5, 0) == {"abs": 5, "rel": None}


@pytest.mark.parametrize(("current", "base"), [(None, 3), (3, None), (None, None)])
def test_change_with_an_unknown_side_is_empty(current, base):
    assert change(current, base) == {"abs": None, "rel": None}


def test_change_from_a_negative_base_is_positive_when_it_goes_up():
    # net returns of −100 improving to −50: up by 50, i.e. by half of |−100|
    assert change(-50, -100) == {"abs": 50, "rel": 0.5}
    assert change(-150, -100) == {"abs": -50, "rel": -0.5}


def test_change_mixes_decimal_money_and_float_ratios():
    result = change(Decimal("1.5"), 1.0)
    assert result["abs"] == pytest.approx(0.5)
    assert result["rel"] == pytest.approx(0.5)
    result = change(0.25, Decimal("0.2"))
    assert result["abs"] == pytest.approx(0.05)
    assert result["rel"] == pytest.approx(0.25)


def test_change_of_decimals_stays_exact():
    result = change(Decimal("1234.57"), Decimal("1000.00"))
    assert result["abs"] == Decimal("234.57")
    assert result["rel"] == pytest.approx(0.23457)
