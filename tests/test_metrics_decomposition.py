"""The revenue change split into traffic, conversion and ticket effects by LMDI-I.

References for the expected values:

* B.W. Ang (2005), "The LMDI approach to decomposition analysis: a practical guide",
  Energy Policy 33:867-871 — the additive LMDI-I formula ΔV_x = L(V^T, V^0)·ln(x^T/x^0),
  L(a, b) = (a − b)/(ln a − ln b), and its properties: perfect decomposition (no residual)
  and time reversal. docs/metrics.md restates the formula for R = T · C · A.
* B.W. Ang and N. Liu (2007), "Handling zero values in the logarithmic mean Divisia index
  decomposition approach", Energy Policy 35:238-246 — the small-value strategy whose
  ε → 0 limit the module claims for a period that is zero down the chain.

/work/shared/research holds no LMDI worked example with published numbers, so the numeric
cases below are worked by hand: the factors are chosen so that the logarithms are multiples
of ln 2, where L(2V, V) = V / ln 2 and every effect is a round number of kopecks. A general
case is checked against an independent implementation of Ang's formula in `math`.
"""

import math

import numpy as np
import pandas as pd
import pytest

from cxm.metrics.decomposition import (
    EFFECT_COLUMNS,
    INPUT_COLUMNS,
    decompose_revenue,
    decompose_revenue_frame,
    log_mean,
)


def reference_lmdi(revenue, receipts, traffic, base_revenue, base_receipts, base_traffic):
    """Ang (2005) additive LMDI-I for V = T · (R/T) · (V/R), written out independently."""
    weight = (
        revenue
        if revenue == base_revenue
        else (revenue - base_revenue) / (math.log(revenue) - math.log(base_revenue))
    )
    return (
        weight * math.log(traffic / base_traffic),
        weight * math.log((receipts / traffic) / (base_receipts / base_traffic)),
        weight * math.log((revenue / receipts) / (base_revenue / base_receipts)),
    )


def effects(d):
    return (d.traffic_effect, d.conversion_effect, d.ticket_effect)


# --- the logarithmic mean ----------------------------------------------------------------


def test_log_mean_of_2_and_1_is_one_over_ln_2():
    assert log_mean(2.0, 1.0) == pytest.approx(1 / math.log(2), rel=1e-15)


def test_log_mean_of_e_and_1_is_e_minus_1():
    # ln e − ln 1 = 1, so L(e, 1) = e − 1
    assert log_mean(math.e, 1.0) == pytest.approx(math.e - 1, rel=1e-15)


def test_log_mean_is_symmetric_and_of_equal_values_is_the_value():
    assert log_mean(3.0, 7.0) == pytest.approx(log_mean(7.0, 3.0), rel=1e-15)
    assert log_mean(5.0, 5.0) == 5.0


def test_log_mean_lies_between_the_geometric_and_the_arithmetic_mean():
    a, b = np.array([1.0, 10.0, 123_456.0, 1e9]), np.array([4.0, 11.0, 98_765.0, 2e9])
    mean = log_mean(a, b)
    assert (np.sqrt(a * b) < mean).all()
    assert (mean < (a + b) / 2).all()


def test_log_mean_of_nearly_equal_values_keeps_its_precision():
    # for b = a(1 + h), L = a(1 + h/2 − h²/12 + …); at h = 1e-12 that is a(1 + 5e-13)
    a = 1e8
    b = a * (1 + 1e-12)
    assert log_mean(b, a) == pytest.approx(a * (1 + 5e-13), rel=1e-14)


def test_log_mean_of_far_apart_values_keeps_its_precision():
    # 1 + (a − b)/b = 1e-11 would keep only ~5 significant digits of the ratio
    a, b = 1.0, 99_999_999_999.0
    expected = (b - a) / (math.log(b) - math.log(a))
    assert log_mean(a, b) == pytest.approx(expected, rel=1e-14)


# --- LMDI-I on positive data -------------------------------------------------------------


def test_twice_the_traffic_half_the_conversion_twice_the_ticket():
    # V0 = 100 visitors · 20% · 5 000 kop = 100 000; V1 = 200 · 10% · 10 000 = 200 000.
    # L(200 000, 100 000) = 100 000 / ln 2, and every log term is ± ln 2, so each effect is
    # ±100 000 kopecks exactly: +100 000 traffic, −100 000 conversion, +100 000 ticket.
    d = decompose_revenue(200_000, 20, 200, 100_000, 20, 100)
    assert effects(d) == pytest.approx((100_000, -100_000, 100_000), abs=1e-6)
    assert d.change == 100_000
    assert d.undefined_factor is None


def test_twice_the_traffic_and_twice_the_ticket_split_the_change_equally():
    # V0 = 100 · 20% · 5 000 = 100 000; V1 = 200 · 20% · 10 000 = 400 000.
    # L(400 000, 100 000) = 300 000 / ln 4 = 150 000 / ln 2: traffic and ticket get
    # 150 000 each, conversion (unchanged) nothing.
    d = decompose_revenue(400_000, 40, 200, 100_000, 20, 100)
    assert effects(d) == pytest.approx((150_000, 0, 150_000), abs=1e-6)


def test_unchanged_revenue_with_offsetting_factors():
    # V1 = V0 = 1 000 000: L = V. Traffic ×2 (+V ln 2), conversion ×1/2 (−V ln 2).
    d = decompose_revenue(1_000_000, 50, 1_000, 1_000_000, 50, 500)
    expected = 1_000_000 * math.log(2)
    assert effects(d) == pytest.approx((expected, -expected, 0), abs=1e-6)


def test_a_store_month_matches_the_published_formula():
    # a realistic pair of months, in kopecks
    current = (261_004_455, 790, 5_480)
    base = (245_678_912, 812, 5_123)
    d = decompose_revenue(*current, *base)
    assert effects(d) == pytest.approx(reference_lmdi(*current, *base), rel=1e-12)


@pytest.mark.parametrize(
    "case",
    [
        (261_004_455, 790, 5_480, 245_678_912, 812, 5_123),
        (1, 1, 1, 99_999_999_999, 100_000, 9_000_000),  # a collapse
        (99_999_999_999, 100_000, 9_000_000, 1, 1, 1),  # and its reverse
        (1_000_001, 31, 401, 1_000_000, 30, 400),  # almost no change
    ],
)
def test_the_effects_add_up_to_the_change_to_well_under_a_kopeck(case):
    d = decompose_revenue(*case)
    assert sum(effects(d)) == pytest.approx(case[0] - case[3], abs=1e-3)


def test_time_reversal_swaps_the_signs():
    # Ang (2005): decomposing 1 → 0 gives the negatives of 0 → 1.
    forward = decompose_revenue(261_004_455, 790, 5_480, 245_678_912, 812, 5_123)
    backward = decompose_revenue(245_678_912, 812, 5_123, 261_004_455, 790, 5_480)
    assert effects(backward) == pytest.approx(tuple(-e for e in effects(forward)), rel=1e-12)


def test_effects_are_in_the_unit_of_revenue():
    in_kopecks = decompose_revenue(261_004_455, 790, 5_480, 245_678_912, 812, 5_123)
    in_roubles = decompose_revenue(2_610_044.55, 790, 5_480, 2_456_789.12, 812, 5_123)
    assert effects(in_roubles) == pytest.approx(tuple(e / 100 for e in effects(in_kopecks)))


def test_nothing_changed_gives_zero_effects():
    d = decompose_revenue(500_000, 20, 300, 500_000, 20, 300)
    assert effects(d) == (0.0, 0.0, 0.0)
    assert d.undefined_factor is None


# --- zeros and negatives -----------------------------------------------------------------


def test_a_new_store_takes_the_whole_change_as_traffic():
    d = decompose_revenue(500_000, 200, 2_000, 0, 0, 0)
    assert effects(d) == (500_000.0, 0.0, 0.0)
    assert d.undefined_factor == "traffic"


def test_a_closed_store_loses_the_whole_revenue_to_traffic():
    d = decompose_revenue(0, 0, 0, 480_000, 150, 1_900)
    assert effects(d) == (-480_000.0, 0.0, 0.0)
    assert d.undefined_factor == "traffic"


def test_receipts_without_counted_visitors_are_flagged_as_traffic():
    # a counter that read zero: the convention puts the change on traffic and says so
    d = decompose_revenue(500_000, 200, 2_000, 400_000, 150, 0)
    assert effects(d) == (100_000.0, 0.0, 0.0)
    assert d.undefined_factor == "traffic"


def test_visitors_who_bought_nothing_make_the_change_conversions():
    d = decompose_revenue(0, 0, 900, 350_000, 70, 1_000)
    assert effects(d) == (0.0, -350_000.0, 0.0)
    assert d.undefined_factor == "conversion"
    d = decompose_revenue(350_000, 70, 1_000, 0, 0, 900)
    assert effects(d) == (0.0, 350_000.0, 0.0)
    assert d.undefined_factor == "conversion"


def test_net_returns_make_the_change_the_tickets():
    # returns outweighed sales in the base period: revenue −20 000 from 3 receipts
    d = decompose_revenue(150_000, 30, 600, -20_000, 3, 500)
    assert effects(d) == (0.0, 0.0, 170_000.0)
    assert d.undefined_factor == "ticket"


def test_traffic_is_checked_before_conversion_and_ticket():
    # zero everything in the base: traffic is the first undefined factor along the chain
    d = decompose_revenue(0, 0, 0, 0, 0, 0)
    assert effects(d) == (0.0, 0.0, 0.0)
    assert d.undefined_factor == "traffic"


def test_a_new_store_is_the_small_value_limit():
    # Ang & Liu (2007): replace the zero base by ε-small values (keeping the base's
    # conversion 10% and ticket 2 000 kop) and let ε → 0; the traffic share tends to the
    # whole change and the ticket share to nothing, like 1 / ln ε.
    exact = decompose_revenue(500_000, 200, 2_000, 0, 0, 0)
    previous_gap = math.inf
    for eps in (1e-3, 1e-30, 1e-300):
        small = decompose_revenue(500_000, 200, 2_000, 2_000 * 0.1 * eps, 0.1 * eps, eps)
        gap = abs(small.traffic_effect - exact.traffic_effect)
        assert gap < previous_gap
        previous_gap = gap
        assert sum(effects(small)) == pytest.approx(500_000 - small.base_revenue, rel=1e-12)
    assert previous_gap / 500_000 < 0.01


@pytest.mark.parametrize("column", ["receipts", "traffic", "base_receipts", "base_traffic"])
def test_negative_counts_are_refused(column):
    values = dict(
        revenue=1_000, receipts=1, traffic=10, base_revenue=1_000, base_receipts=1, base_traffic=10
    )
    values[column] = -1
    with pytest.raises(ValueError, match=f"{column} cannot be negative"):
        decompose_revenue(**values)


# --- the vectorised version --------------------------------------------------------------

ROWS = {
    "halved conversion": (200_000, 20, 200, 100_000, 20, 100),
    "store month": (261_004_455, 790, 5_480, 245_678_912, 812, 5_123),
    "unchanged": (500_000, 20, 300, 500_000, 20, 300),
    "new store": (500_000, 200, 2_000, 0, 0, 0),
    "closed store": (0, 0, 0, 480_000, 150, 1_900),
    "nobody bought": (0, 0, 900, 350_000, 70, 1_000),
    "net returns": (150_000, 30, 600, -20_000, 3, 500),
    "collapse": (1, 1, 1, 99_999_999_999, 100_000, 9_000_000),
}


def test_the_frame_version_equals_the_scalar_one_row_by_row():
    frame = pd.DataFrame.from_dict(ROWS, orient="index", columns=list(INPUT_COLUMNS))
    result = decompose_revenue_frame(frame)
    assert list(result.index) == list(ROWS)
    for name, row in ROWS.items():
        scalar = decompose_revenue(*row)
        vector = result.loc[name]
        assert (vector["traffic_effect"], vector["conversion_effect"], vector["ticket_effect"]) == (
            pytest.approx(effects(scalar), rel=1e-12, abs=1e-9)
        )
        assert vector["undefined_factor"] == scalar.undefined_factor


def test_the_frame_keeps_the_index_and_ignores_column_order_and_extra_columns():
    frame = pd.DataFrame(
        {
            "store": ["MSK-1", "NSK-1"],
            "base_traffic": [100, 5_123],
            "base_receipts": [20, 812],
            "base_revenue": [100_000, 245_678_912],
            "traffic": [200, 5_480],
            "receipts": [20, 790],
            "revenue": [200_000, 261_004_455],
        }
    ).set_index("store")
    result = decompose_revenue_frame(frame)
    assert list(result.index) == ["MSK-1", "NSK-1"]
    assert list(result.columns)[:3] == list(EFFECT_COLUMNS)
    assert result.loc["MSK-1", "conversion_effect"] == pytest.approx(-100_000, abs=1e-6)


def test_a_row_with_a_missing_input_gets_missing_effects_and_leaves_the_others_alone():
    frame = pd.DataFrame(
        {
            "revenue": [200_000, 300_000],
            "receipts": [20, 30],
            "traffic": pd.array([200, None], dtype="Int64"),
            "base_revenue": [100_000, 250_000],
            "base_receipts": [20, 25],
            "base_traffic": [100, 400],
        }
    )
    result = decompose_revenue_frame(frame)
    assert result.loc[0, list(EFFECT_COLUMNS)].tolist() == pytest.approx(
        [100_000, -100_000, 100_000], abs=1e-6
    )
    assert result.loc[1, list(EFFECT_COLUMNS)].isna().all()
    assert result.loc[1, "undefined_factor"] is None


def test_the_frame_needs_every_input_column():
    frame = pd.DataFrame({"revenue": [1], "receipts": [1], "traffic": [1]})
    with pytest.raises(ValueError, match="base_revenue, base_receipts, base_traffic"):
        decompose_revenue_frame(frame)


def test_the_frame_refuses_negative_counts():
    frame = pd.DataFrame.from_dict(
        {"bad": (1_000, 1, -10, 1_000, 1, 10)}, orient="index", columns=list(INPUT_COLUMNS)
    )
    with pytest.raises(ValueError, match="traffic cannot be negative"):
        decompose_revenue_frame(frame)


def test_an_empty_frame_gives_an_empty_result():
    frame = pd.DataFrame(columns=list(INPUT_COLUMNS), dtype=float)
    result = decompose_revenue_frame(frame)
    assert result.empty
    assert set(EFFECT_COLUMNS) <= set(result.columns)
