"""NPS, ИЭЛ and CSI formulas against published worked examples and hand computations."""

import numpy as np
import pandas as pd
import pytest

from cxm.metrics.nps import (
    NpsCounts,
    adjusted_wald_interval,
    compare_nps,
    count_scores,
    net_promoter_score,
    nps_variance,
    nps_with_declines,
    required_respondents,
)
from cxm.metrics.representativeness import (
    SellerVoice,
    hour_spread_p_value,
    selective_sellers,
    verdict,
)
from cxm.metrics.satisfaction import (
    FactorSums,
    emotional_loyalty_index,
    factor_sums,
    satisfaction_index,
)
from cxm.metrics.segments import (
    abc_classes,
    basket_depth,
    boundary_share,
    tie_to_receipts,
    value_bands,
)


def test_the_variance_matches_the_published_worked_example():
    # stats.stackexchange "margin of error in a NPS result": 1/2 promoters, 1/6 detractors
    # give NPS 1/3 and a per-respondent variance of 5/9.
    assert nps_variance(1 / 2, 1 / 6) == pytest.approx(5 / 9)


def test_scores_fall_into_promoters_passives_and_detractors():
    counts = count_scores([10, 9, 8, 7, 6, 0])
    assert counts == NpsCounts(promoters=2, passives=2, detractors=2)
    assert net_promoter_score(counts) == 0
    with pytest.raises(ValueError):
        count_scores([11])


def test_the_adjusted_wald_interval_follows_rocks_2016():
    # 50 promoters, 30 passives, 20 detractors: p~ = 50.75/103, d~ = 20.75/103,
    # var = p~ + d~ − (p~ − d~)² = 0.609341, se = √(var/103) = 0.076915, z = 1.959964.
    interval = adjusted_wald_interval(NpsCounts(50, 30, 20))
    assert interval.low == pytest.approx(14.051, abs=0.01)
    assert interval.high == pytest.approx(44.201, abs=0.01)
    assert interval.quantile == pytest.approx(1.959964, abs=1e-6)


def test_small_samples_use_the_t_quantile():
    interval = adjusted_wald_interval(NpsCounts(5, 3, 2))
    assert interval.quantile == pytest.approx(2.262157, abs=1e-5)  # t(0.975, df=9)
    assert -100 <= interval.low < interval.high <= 100
    assert adjusted_wald_interval(NpsCounts()) is None


def test_the_interval_covers_the_true_nps_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    shares = (0.45, 0.35, 0.20)  # promoters, passives, detractors: true NPS 25
    covered = 0
    for p, pa, d in rng.multinomial(150, shares, size=1000):
        interval = adjusted_wald_interval(NpsCounts(int(p), int(pa), int(d)))
        covered += interval.low <= 25 <= interval.high
    assert 930 <= covered <= 970


def test_declines_count_in_the_denominator_only():
    assert nps_with_declines(NpsCounts(50, 30, 20), declined=25) == pytest.approx(24.0)
    assert nps_with_declines(NpsCounts(), declined=0) is None


def test_two_periods_are_compared_with_a_wald_test():
    # NPS 40 (n 100) against NPS 10 (n 100): se = 100·√(0.64/100 + 0.69/100) = 11.533.
    result = compare_nps(NpsCounts(60, 20, 20), NpsCounts(40, 30, 30))
    assert result.difference == pytest.approx(30.0)
    assert result.standard_error == pytest.approx(11.5326, abs=1e-3)
    assert result.p_value == pytest.approx(0.00929, abs=2e-4)
    assert result.significant
    assert not compare_nps(NpsCounts(11, 5, 4), NpsCounts(10, 5, 5)).significant


def test_the_worst_case_sample_size_for_ten_points_is_385():
    assert required_respondents(10) == 385


def test_a_third_promoters_and_a_third_detractors_match_the_published_rule_of_thumb():
    # A. Engelhardt, "Net Promoter Score confidence intervals 2: maths and stats" (CYBAEA on
    # R, 2016-01-13; r-bloggers): with p = d = 1/3 the 95 % interval is about 320/√n wide,
    # "for a confidence interval width of 10, n ≈ 1024". Their variance p(1−p) + d(1−d) + 2pd
    # is ours, p + d − (p − d)², and at n ≈ 1024 the adjusted-Wald pseudo-answers (3 in
    # 1,026) move the interval by hundredths of a point.
    assert nps_variance(1 / 3, 1 / 3) == pytest.approx(2 / 3)
    assert required_respondents(5, variance=2 / 3) == pytest.approx(1024, abs=2)
    for n in (300, 1023):
        third = n // 3
        interval = adjusted_wald_interval(NpsCounts(third, n - 2 * third, third))
        assert interval.high - interval.low == pytest.approx(320 / n**0.5, rel=0.01)
    interval = adjusted_wald_interval(NpsCounts(341, 341, 341))
    assert interval.high - interval.low == pytest.approx(10, abs=0.02)


def test_iel_is_net_positive_presses_per_hundred_receipts():
    assert emotional_loyalty_index(30, 10, 400) == pytest.approx(5.0)
    assert emotional_loyalty_index(3, 1, 0) is None


def test_csat_is_the_top_two_box_share_not_the_mean():
    answers = [{"a": score} for score in (5, 4, 3, 2, 1)]
    (factor,) = satisfaction_index(factor_sums(answers, [None] * 5)).factors
    assert factor.csat == pytest.approx(0.4)
    assert factor.mean == pytest.approx(3.0)


def test_csi_weights_factors_by_their_correlation_with_recommending():
    recommend = [10, 9, 7, 5, 2, 0]
    answers = [
        {"a": 5, "b": 1},
        {"a": 5, "b": 2},
        {"a": 4, "b": 3},
        {"a": 3, "b": 4},
        {"a": 2, "b": 5},
        {"a": 1, "b": 5},
    ]
    index = satisfaction_index(factor_sums(answers, recommend))
    weights = {f.factor: f.weight for f in index.factors}
    assert weights == {"a": pytest.approx(1.0), "b": 0.0}  # b goes against recommending
    assert index.csi == pytest.approx(100 * (20 / 6) / 5)
    importance = {f.factor: f.importance for f in index.factors}
    scores = [[row[code] for row in answers] for code in ("a", "b")]
    assert importance["a"] == pytest.approx(np.corrcoef(scores[0], recommend)[0, 1], rel=1e-12)
    assert importance["b"] == pytest.approx(np.corrcoef(scores[1], recommend)[0, 1], rel=1e-12)


def test_factor_sums_add_up_over_any_split_of_the_answers():
    answers = [{"a": 5, "b": 1}, {"a": 3}, {"b": 4}, {"a": 4, "b": 4}, {"a": 1}]
    recommend = [10, None, 3, 8, 0]
    whole = factor_sums(answers, recommend)
    first, rest = factor_sums(answers[:2], recommend[:2]), factor_sums(answers[2:], recommend[2:])
    for code in ("a", "b"):
        assert first.get(code, FactorSums()) + rest.get(code, FactorSums()) == whole[code]
    assert whole["a"] == FactorSums(4, 13, 2, 3, 10, 18, 42, 164, 82)


def test_answers_bunched_in_one_hour_are_unlike_the_receipts():
    receipts = {h: 100 for h in range(10, 22)}
    assert hour_spread_p_value({h: 10 for h in range(10, 22)}, receipts) > 0.99
    assert hour_spread_p_value({12: 120}, receipts) < 1e-6
    assert hour_spread_p_value({}, receipts) is None


def test_a_seller_who_surveys_only_happy_customers_is_found():
    even = [SellerVoice(f"S{i}", 1000, 50, NpsCounts(15, 20, 15)) for i in range(4)]
    picky = SellerVoice("S9", 1000, 160, NpsCounts(150, 10, 0))
    assert selective_sellers([*even, picky]) == ["S9"]
    # Answering often is not enough: the customers must also be happier.
    eager = SellerVoice("S8", 1000, 160, NpsCounts(48, 64, 48))
    assert selective_sellers([*even, eager]) == []


def test_the_verdict_names_every_reason():
    result = verdict(
        responses=12,
        min_responses=30,
        coverage=0.01,
        min_coverage=0.02,
        hour_p_value=0.001,
        selective=["S9"],
        untied_share=0.8,
    )
    assert not result.trusted
    assert result.reasons == [
        "few_responses",
        "low_coverage",
        "hours_unlike_receipts",
        "selective_surveying",
        "untied_ratings",
    ]


def test_abc_puts_the_receipts_that_make_80_percent_of_revenue_in_a():
    totals = np.array([10, 500, 300, 100, 50, 40])  # revenue 1000
    assert abc_classes(totals).tolist() == ["C", "A", "A", "B", "B", "C"]
    assert abc_classes(np.array([0, 0])).tolist() == ["C", "C"]


def test_value_bands_keep_a_random_sample_within_the_bound():
    """Banded ABC against per-receipt ABC: the revenue classed differently is at most the
    report's boundary share."""
    rng = np.random.default_rng(6)
    totals = (30_000 + rng.random(20_000) * rng.random(20_000) * 4_000_000).astype(np.int64)
    bands = value_bands(totals)
    assert (bands <= totals).all() and (totals < bands * 1.125 + 16).all()
    per_band = {}
    for band, total in zip(bands, totals, strict=True):
        per_band[band] = per_band.get(band, 0) + int(total)
    keys = np.array(sorted(per_band))
    revenue = np.array([per_band[k] for k in keys])
    classes = dict(zip(keys, abc_classes(keys, revenue), strict=True))
    banded = np.array([classes[b] for b in bands])
    exact = abc_classes(totals)
    moved = totals[banded != exact].sum() / totals.sum()
    assert 0 < moved <= boundary_share(keys, revenue)


def test_basket_depth_tells_single_items_from_baskets_with_addons():
    assert basket_depth(1, 1, False) == "single"
    assert basket_depth(1, 3, False) == "several"
    assert basket_depth(2, 2, True) == "with_addons"
    assert basket_depth(2, 2, False) == "several"


def test_a_press_follows_the_last_receipt_at_its_own_till_within_the_window():
    at = pd.to_datetime
    receipts = pd.DataFrame(
        {
            "receipt": [1, 2, 3, 4],
            "store": [10, 10, 10, 10],
            "day": ["2026-03-02"] * 4,
            "till": ["R1", "R2", "R1", "R1"],
            "at": at(
                [
                    "2026-03-02 10:00:00",
                    "2026-03-02 10:00:20",
                    "2026-03-02 11:00:00",
                    "2026-03-02 23:59:00",
                ]
            ),
        }
    )
    presses = pd.DataFrame(
        {
            "store": [10, 10, 10, 20, 10],
            "day": ["2026-03-02"] * 4 + ["2026-03-03"],
            "till": ["R1", None, "R1", None, "R1"],
            "at": at(
                [
                    "2026-03-02 10:00:30",  # at R1: R2's later receipt is another customer's
                    "2026-03-02 10:00:40",  # a terminal at no till: the store's last receipt
                    "2026-03-02 10:04:00",  # four minutes on: follows no receipt
                    "2026-03-02 10:00:30",  # another store sold nothing
                    "2026-03-03 00:00:30",  # a day's press follows none of the day before
                ]
            ),
        },
        index=[5, 6, 7, 8, 9],
    )
    tied = tie_to_receipts(presses, receipts, pd.Timedelta(minutes=3))
    assert tied.index.tolist() == [5, 6, 7, 8, 9]
    assert tied.tolist()[:2] == [1, 2]
    assert tied.iloc[2:].isna().all()
