"""Exploratory factor analysis against a published worked example (Harman's eight
physical variables), planted structures and hand-worked formulas: two planted factors are
found with their items; pure noise is found to share nothing."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.multivariate.factor import Factor

from cxm.metrics.factors import (
    FactorProblem,
    analyse_correlations,
    analyse_factors,
    bartlett_sphericity,
    cronbach_alpha,
    kmo,
    principal_axes,
    principal_factors,
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


# Harman's eight physical variables (tests/data/harman_8_physical.csv, with its source).
HARMAN_8 = Path(__file__).parent / "data" / "harman_8_physical.csv"
HARMAN_COMMUNALITIES = np.array([0.854, 0.897, 0.833, 0.783, 0.870, 0.687, 0.521, 0.579])
HARMAN_EIGENVALUES = [4.4558, 1.5127, 0.1305, 0.0587, 0.0335, -0.0314, -0.0440, -0.0917]
# The published factor pattern, × 100 and rounded: height, arm span, forearm, lower leg
# ("lankiness") and weight, bitrochanteric diameter, chest girth, chest width ("stockiness").
HARMAN_PATTERN = np.array(
    [[86, -33], [85, -41], [81, -41], [83, -34], [75, 56], [64, 51], [56, 49], [62, 37]]
)


def harman_8() -> pd.DataFrame:
    return pd.read_csv(HARMAN_8, comment="#")


def up_to_reflection(loadings: np.ndarray, published: np.ndarray) -> np.ndarray:
    """The loadings with each factor's sign (arbitrary in any solution) turned to agree
    with the published column it is compared with."""
    signs = np.sign((loadings * published).sum(axis=0))
    return loadings * signs


def test_harmans_principal_factor_solution_of_the_eight_physical_variables():
    """One principal-axis step with Harman's communalities gives his published eigenvalues
    (printed to 4 decimals) and factor pattern (printed × 100, rounded) — the columns in
    the published order, each compared up to its sign."""
    correlation = harman_8().to_numpy()
    eigenvalues, loadings = principal_factors(correlation, HARMAN_COMMUNALITIES, 2)
    assert eigenvalues == pytest.approx(HARMAN_EIGENVALUES, abs=0.00005)
    assert (loadings**2).sum(axis=0) == pytest.approx([4.455751, 1.512747], abs=5e-7)
    pattern = up_to_reflection(loadings, HARMAN_PATTERN) * 100
    assert np.abs(pattern - HARMAN_PATTERN).max() <= 0.5


def test_the_eight_physical_variables_split_into_lankiness_and_stockiness():
    """The whole analysis on the published matrix (n = 305): two factors kept, the four
    lengths on one and the four girths on the other after varimax, as Harman reads them;
    the iterated principal axes agree with statsmodels' own to 1e-6."""
    frame = harman_8()
    items = tuple(frame.columns)
    correlation = frame.to_numpy()
    result = analyse_correlations(correlation, 305, items)
    assert result.problem is None and result.factors == 2 and result.kaiser_factors == 2
    lengths, girths = result.assignment[0], result.assignment[4]
    assert lengths != girths
    assert result.assignment == (lengths,) * 4 + (girths,) * 4
    reference = Factor(corr=correlation, n_factor=2, method="pa", nobs=305).fit(maxiter=1000)
    ours = principal_axes(correlation, 2)
    theirs = np.asarray(reference.loadings)
    assert up_to_reflection(ours, theirs) == pytest.approx(theirs, abs=1e-6)
