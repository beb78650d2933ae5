"""Correlation statistics against a published worked example and against chance: a null
relation is not called significant more often than α."""

import gc

import numpy as np
import pandas as pd
import pytest
from django.utils import translation
from scipy import stats

from cxm.analytics.reports import verdict_text
from cxm.metrics.correlation import (
    Problem,
    Strength,
    correlate,
    correlate_pairs,
    verdict,
)

# Hollander & Wolfe (1973, p. 187): tuna quality, the example of R's `?cor.test`, whose
# documented output is r = 0.5711816, t = 1.8411, df = 7, p = 0.1082, 95 % CI
# −0.1497426 … 0.8955795, and Spearman's ρ = 0.6.
TUNA_X = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1]
TUNA_Y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8]


def test_it_reproduces_r_cor_test_on_the_tuna_example():
    c = correlate(TUNA_X, TUNA_Y)
    assert c.n == 9 and c.problem is None
    assert c.pearson_r == pytest.approx(0.5711816, abs=1e-7)
    assert c.pearson_p == pytest.approx(0.1082, abs=5e-5)
    assert c.pearson_ci_low == pytest.approx(-0.1497426, abs=1e-7)
    assert c.pearson_ci_high == pytest.approx(0.8955795, abs=1e-7)
    assert c.spearman_rho == pytest.approx(0.6)
    # Spearman's p by the t approximation, t = ρ√(n−2)/√(1−ρ²) (R's exact p is 0.0968).
    t = 0.6 * np.sqrt(7) / np.sqrt(1 - 0.36)
    assert c.spearman_p == pytest.approx(2 * stats.t.sf(t, 7))


def test_spearman_interval_is_fisher_z_with_fieller_variance():
    c = correlate(TUNA_X, TUNA_Y)
    half = 1.959964 * np.sqrt(1.06 / 6)
    assert c.spearman_ci_low == pytest.approx(np.tanh(np.arctanh(0.6) - half), abs=1e-6)
    assert c.spearman_ci_high == pytest.approx(np.tanh(np.arctanh(0.6) + half), abs=1e-6)


def test_missing_values_drop_only_their_pair():
    x = [*TUNA_X, np.nan, 50.0]
    y = [*TUNA_Y, 4.0, np.nan]
    assert correlate(x, y).pearson_r == pytest.approx(correlate(TUNA_X, TUNA_Y).pearson_r)


def test_it_says_too_few_points_instead_of_a_number():
    c = correlate([1, 2, 3], [2, 1, 3])
    assert c.problem == Problem.TOO_FEW_POINTS and c.n == 3 and c.pearson_r is None
    assert verdict(c).strength is None


def test_it_says_a_constant_series_cannot_correlate():
    c = correlate([5, 5, 5, 5, 5], [1, 2, 3, 4, 5])
    assert c.problem == Problem.CONSTANT and c.pearson_p is None


def test_holm_adjustment_multiplies_the_ordered_p_values():
    rng = np.random.default_rng(0)
    base = rng.normal(size=40)
    frame = pd.DataFrame(
        {
            "a": base,
            "b": base + rng.normal(scale=2.0, size=40),
            "c": rng.normal(size=40),
            "d": [7.0] * 40,
        }
    )
    results = correlate_pairs(frame, [("a", "b"), ("a", "c"), ("b", "c"), ("a", "d")])
    assert results[3].problem == Problem.CONSTANT  # not a test: m stays 3
    raw = [r.pearson_p for r in results[:3]]
    order = np.argsort(raw)
    expected = np.maximum.accumulate([raw[i] * (3 - k) for k, i in enumerate(order)])
    adjusted = [results[i].pearson_p_adjusted for i in order]
    assert adjusted == pytest.approx(np.minimum(expected, 1))


def test_a_planted_null_is_called_significant_at_most_alpha_of_the_time():
    """400 independent pairs of n = 30: the share with p < 0.05 stays within the binomial
    99.9 % bound of α, for Pearson and for Spearman."""
    rng = np.random.default_rng(2026)
    runs = 400
    hits = np.zeros(2)
    for _ in range(runs):
        c = correlate(rng.normal(size=30), rng.lognormal(size=30))
        hits += [c.pearson_p < 0.05, c.spearman_p < 0.05]
    bound = stats.binom.ppf(0.999, runs, 0.05) / runs
    assert (hits / runs <= bound).all(), hits / runs


def test_holm_keeps_the_family_wise_error_below_alpha(monkeypatch):
    """Ten null pairs looked at together: at least one called significant in ≤ α of runs."""
    # statsmodels' Holm ends with gc.collect(), a memory habit that costs ~0.2 s a call in
    # a test process and changes no number.
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    rng = np.random.default_rng(7)
    runs, pairs = 200, [(f"s{i}", f"s{j}") for i in range(5) for j in range(i + 1, 5)]
    any_hit = 0
    for _ in range(runs):
        frame = pd.DataFrame(rng.normal(size=(25, 5)), columns=[f"s{i}" for i in range(5)])
        any_hit += any(verdict(c).significant for c in correlate_pairs(frame, pairs))
    assert any_hit / runs <= stats.binom.ppf(0.999, runs, 0.05) / runs


def test_a_planted_relation_is_found():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    c = correlate(x, 0.6 * x + rng.normal(scale=0.5, size=60))
    said = verdict(c)
    assert said.strength == Strength.STRONG and said.positive and said.significant
    assert c.pearson_ci_low < c.pearson_r < c.pearson_ci_high


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "strong positive relation, significant"), ("ru", "сильная положительная связь")],
)
def test_the_verdict_reads_in_the_chosen_language(language, expected):
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    c = correlate(x, x + rng.normal(scale=0.3, size=60))
    with translation.override(language):
        assert verdict_text(c).startswith(expected)
    with translation.override("en"):
        assert "too few points" in verdict_text(correlate([1, 2], [2, 1]))
