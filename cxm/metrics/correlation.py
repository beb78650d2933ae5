"""Correlation between two series (корреляционный анализ): Pearson and Spearman with n,
two-sided p-values, confidence intervals and a multiple-comparison adjustment across the
pairs looked at together.

The coefficients and Pearson's interval (Fisher's z) come from SciPy; the adjustment is
Holm's step-down method from statsmodels, which holds the family-wise error at α whatever
the dependence between the tests (the series of one chain are far from independent).
SciPy gives no interval for Spearman's ρ; it uses Fisher's z too, with the variance
1.06 / (n − 3) of Fieller, Hartley & Pearson (1957, Biometrika 44:470).

An analysis never returns a NaN: a pair with fewer than MIN_POINTS complete observations,
or with a series that does not vary, carries a `problem` instead of figures."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

# The Fisher-z interval needs n − 3 > 0.
MIN_POINTS = 4
ALPHA = 0.05
ADJUSTMENT = "holm"
_SPEARMAN_Z_VARIANCE = 1.06


class Problem(StrEnum):
    TOO_FEW_POINTS = "too_few_points"
    CONSTANT = "constant"


@dataclass(frozen=True)
class Correlation:
    x: str
    y: str
    n: int  # pairs where both series have a value
    problem: Problem | None = None
    pearson_r: float | None = None
    pearson_p: float | None = None
    pearson_ci_low: float | None = None
    pearson_ci_high: float | None = None
    spearman_rho: float | None = None
    spearman_p: float | None = None
    spearman_ci_low: float | None = None
    spearman_ci_high: float | None = None
    # The least-squares line y = intercept + slope · x, for the scatter plot's fit.
    slope: float | None = None
    intercept: float | None = None
    # Holm-adjusted over the pairs analysed together; equal to the raw p for one pair.
    pearson_p_adjusted: float | None = None
    spearman_p_adjusted: float | None = None


def correlate(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    names: tuple[str, str] = ("x", "y"),
    confidence: float = 1 - ALPHA,
) -> Correlation:
    """Pearson and Spearman over the pairs where both values are known (NaN is missing)."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape != ys.shape:
        raise ValueError("the two series must have the same length")
    complete = ~(np.isnan(xs) | np.isnan(ys))
    xs, ys = xs[complete], ys[complete]
    n = int(xs.size)
    if n < MIN_POINTS:
        return Correlation(*names, n, Problem.TOO_FEW_POINTS)
    if np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return Correlation(*names, n, Problem.CONSTANT)
    pearson = stats.pearsonr(xs, ys)
    interval = pearson.confidence_interval(confidence)
    spearman = stats.spearmanr(xs, ys)
    rho = float(spearman.statistic)
    low, high = _fisher_interval(rho, n, _SPEARMAN_Z_VARIANCE, confidence)
    fit = stats.linregress(xs, ys)
    return Correlation(
        *names,
        n,
        pearson_r=float(pearson.statistic),
        pearson_p=float(pearson.pvalue),
        pearson_ci_low=float(interval.low),
        pearson_ci_high=float(interval.high),
        spearman_rho=rho,
        spearman_p=float(spearman.pvalue),
        spearman_ci_low=low,
        spearman_ci_high=high,
        slope=float(fit.slope),
        intercept=float(fit.intercept),
        pearson_p_adjusted=float(pearson.pvalue),
        spearman_p_adjusted=float(spearman.pvalue),
    )


def _fisher_interval(r: float, n: int, variance: float, confidence: float) -> tuple[float, float]:
    # A perfect rank correlation has an infinite z: its interval is the point itself.
    if abs(r) >= 1:
        return r, r
    half_width = stats.norm.ppf((1 + confidence) / 2) * np.sqrt(variance / (n - 3))
    z = np.arctanh(r)
    return float(np.tanh(z - half_width)), float(np.tanh(z + half_width))


def correlate_pairs(
    frame: pd.DataFrame, pairs: Sequence[tuple[str, str]], *, alpha: float = ALPHA
) -> list[Correlation]:
    """Each pair of `frame`'s columns correlated, p-values Holm-adjusted over the pairs that
    could be computed (a pair with a problem is not a test and costs the others nothing)."""
    results = [correlate(frame[x], frame[y], names=(x, y), confidence=1 - alpha) for x, y in pairs]
    tested = [i for i, c in enumerate(results) if c.problem is None]
    if len(tested) < 2:
        return results
    adjusted = {
        field: multipletests(
            [getattr(results[i], field) for i in tested], alpha=alpha, method=ADJUSTMENT
        )[1]
        for field in ("pearson_p", "spearman_p")
    }
    for position, i in enumerate(tested):
        results[i] = replace(
            results[i],
            pearson_p_adjusted=float(adjusted["pearson_p"][position]),
            spearman_p_adjusted=float(adjusted["spearman_p"][position]),
        )
    return results


class Strength(StrEnum):
    NEGLIGIBLE = "negligible"
    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"


# Cohen (1988, Statistical Power Analysis, §3.2): |r| of 0.1, 0.3 and 0.5 are small,
# medium and large effects.
_STRENGTH_BOUNDS = ((0.5, Strength.STRONG), (0.3, Strength.MODERATE), (0.1, Strength.WEAK))


@dataclass(frozen=True)
class Verdict:
    """What a pair's figures say, in words a page translates: strength and direction of
    Pearson's r and whether its adjusted p-value is below α; or the problem."""

    problem: Problem | None
    strength: Strength | None = None
    positive: bool | None = None
    significant: bool | None = None


def verdict(correlation: Correlation, alpha: float = ALPHA) -> Verdict:
    if correlation.problem is not None:
        return Verdict(correlation.problem)
    r, p = correlation.pearson_r, correlation.pearson_p_adjusted
    assert r is not None and p is not None  # set whenever there is no problem
    strength = next(
        (name for bound, name in _STRENGTH_BOUNDS if abs(r) >= bound), Strength.NEGLIGIBLE
    )
    return Verdict(None, strength, r > 0, p < alpha)
