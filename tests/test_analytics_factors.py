"""Exploratory factor analysis against planted structures and hand-worked formulas: two
planted factors are found with their items; pure noise is found to share nothing."""

import numpy as np
import pandas as pd
import pytest

from cxm.metrics.factors import (
    FactorProblem,
    analyse_factors,
    bartlett_sphericity,
    cronbach_alpha,
    kmo,
)


def planted(seed: int, n: int = 300) -> pd.DataFrame:
    """Six checklist items: greeting, needs, offer (factor A, "contact") and demo,
    accessories, farewell (factor B, "sale"), loadings 0.8 / 0.7 / 0.6."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    items = {}
    for factor, names in ((a, ("greeting", "needs", "offer")), (b, ("demo", "extra", "bye"))):
        for loading, name in zip((0.8, 0.7, 0.6), names, strict=True):
            items[name] = loading * factor + np.sqrt(1 - loading**2) * rng.normal(size=n)
    return pd.DataFrame(items)


@pytest.mark.parametrize("seed", [1, 2])
def test_two_planted_factors_are_found_with_their_items(seed):
    result = analyse_factors(planted(seed))
    assert result.problem is None
    assert result.factors == 2 and result.kaiser_factors == 2
    assert result.sphericity.p_value < 1e-6 and result.kmo > 0.6
    first, second = result.assignment[0], result.assignment[3]
    assert first != second
    assert result.assignment == (first,) * 3 + (second,) * 3
    greeting = result.loadings[0][first]
    assert greeting == pytest.approx(0.8, abs=0.1)
    assert all(alpha > 0.6 for alpha in result.alphas)


def test_noise_shares_nothing():
    rng = np.random.default_rng(3)
    result = analyse_factors(pd.DataFrame(rng.normal(size=(300, 6))))
    assert result.problem == FactorProblem.NO_FACTOR and result.factors == 0
    assert result.sphericity.p_value > 0.001


def test_bartlett_and_kmo_by_hand_on_two_items():
    """p = 2, r = 0.5, n = 101: χ² = −(100 − 9/6)·ln(0.75) on 1 df; KMO of two items is 0.5
    (their partial correlation equals their correlation)."""
    r = np.array([[1, 0.5], [0.5, 1]])
    test = bartlett_sphericity(r, 101)
    assert test.chi_square == pytest.approx(-(100 - 1.5) * np.log(0.75))
    assert test.df == 1
    overall, per_item = kmo(r)
    assert overall == pytest.approx(0.5) and per_item == pytest.approx([0.5, 0.5])


def test_cronbach_alpha_by_hand():
    """Three items, four respondents: item variances 1, 1, 1/3 … α = 3/2·(1 − Σσᵢ²/σ_T²)."""
    items = pd.DataFrame({"a": [1, 2, 3, 2], "b": [2, 3, 3, 1], "c": [1, 2, 2, 2]})
    variances = items.var(ddof=1).sum()
    total = items.sum(axis=1).var(ddof=1)
    assert cronbach_alpha(items) == pytest.approx(1.5 * (1 - variances / total))
    assert cronbach_alpha(items[["a"]]) is None


def test_too_few_constant_and_duplicated_items_are_said():
    frame = planted(4)
    assert analyse_factors(frame.head(12)).problem == FactorProblem.TOO_FEW_POINTS
    flat = frame.assign(flat=1.0)
    assert analyse_factors(flat).problem_items == ("flat",)
    twice = frame.assign(copy=frame["greeting"] + frame["needs"])
    assert analyse_factors(twice).problem == FactorProblem.SINGULAR
