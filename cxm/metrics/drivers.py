"""Key-driver analysis (анализ драйверов): how much each driver (consultation coverage,
compliance, …) accounts for an outcome (NPS, conversion, average ticket).

Two views, both on standardised variables:

* standardised regression coefficients (β) from ordinary least squares (statsmodels), with
  their p-values: what one standard deviation more of a driver goes with, the others held
  fixed. Unstable when drivers are correlated, as service attributes usually are;
* Johnson's relative weights (Johnson 2000, Multivariate Behavioral Research 35:1; the
  algorithm of the R package `rwa`): R² shared out among the drivers through the
  orthogonal counterpart of the driver matrix, so that correlated drivers split the
  variance they explain together instead of trading signs. The raw weights sum to R².

And the importance–performance matrix (Martilla & James 1977): derived importance against
mean performance, split at the means into fix / maintain / over-invested / low priority."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import statsmodels.api as sm

# Fewer observations than this per driver make the weights noise (rwa's guidance is 10–20).
MIN_OBSERVATIONS_PER_DRIVER = 5
# A driver-correlation eigenvalue this small (relative to the largest) means one driver is a
# linear combination of others: their shares cannot be told apart.
_COLLINEAR = 1e-8


class DriverProblem(StrEnum):
    TOO_FEW_POINTS = "too_few_points"
    CONSTANT = "constant"
    COLLINEAR = "collinear"


@dataclass(frozen=True)
class RelativeWeights:
    r_squared: float
    raw: tuple[float, ...]  # sums to r_squared
    rescaled: tuple[float, ...]  # shares of R², sum to 1
    # Of the coefficient on each driver's orthogonal counterpart, as `rwa` applies them:
    # steadier than the sign of a regression coefficient under collinearity.
    signs: tuple[int, ...]


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> RelativeWeights:
    """Johnson's relative weights from the drivers' correlation matrix and their
    correlations with the outcome."""
    rxx, rxy = np.asarray(rxx, dtype=float), np.asarray(rxy, dtype=float)
    eigenvalues, vectors = np.linalg.eigh(rxx)
    if eigenvalues.min() <= _COLLINEAR * eigenvalues.max():
        raise np.linalg.LinAlgError("the drivers are collinear")
    # Λ = R_xx^½: the correlations between the drivers and their orthogonal counterparts.
    lam = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)  # the outcome on the orthogonal counterparts
    raw = (lam**2) @ (beta**2)
    r_squared = float(beta @ beta)
    return RelativeWeights(
        r_squared=r_squared,
        raw=tuple(float(w) for w in raw),
        rescaled=tuple(float(w) for w in raw / r_squared) if r_squared > 0 else (0.0,) * len(raw),
        signs=tuple(int(np.sign(b)) for b in beta),
    )


@dataclass(frozen=True)
class Driver:
    name: str
    beta: float  # standardised regression coefficient
    beta_p: float
    raw_weight: float
    weight: float  # share of R² (0…1)
    sign: int
    mean: float  # in the driver's own unit
    # The mean on the common 0…1 scale of the analysed range (min–max), so that drivers in
    # different units (shares, counts) can be compared on the importance–performance matrix.
    performance: float


@dataclass(frozen=True)
class DriverAnalysis:
    outcome: str
    n: int  # observations with the outcome and every driver
    problem: DriverProblem | None = None
    problem_drivers: tuple[str, ...] = ()
    r_squared: float | None = None
    drivers: tuple[Driver, ...] = ()  # most important first


def analyse_drivers(frame: pd.DataFrame, outcome: str, drivers: Sequence[str]) -> DriverAnalysis:
    """Standardised regression and relative weights of `drivers` on `outcome` over the rows
    where all are known; a problem instead of figures where they cannot be trusted."""
    data = frame[[outcome, *drivers]].astype(float).dropna()
    n = len(data)
    if n < max(MIN_OBSERVATIONS_PER_DRIVER * len(drivers), len(drivers) + 3):
        return DriverAnalysis(outcome, n, DriverProblem.TOO_FEW_POINTS)
    constant = tuple(c for c in data.columns if data[c].nunique() < 2)
    if constant:
        return DriverAnalysis(outcome, n, DriverProblem.CONSTANT, constant)
    correlations = data.corr().to_numpy()
    try:
        weights = relative_weights(correlations[1:, 1:], correlations[1:, 0])
    except np.linalg.LinAlgError:
        return DriverAnalysis(outcome, n, DriverProblem.COLLINEAR, tuple(drivers))
    standardised = (data - data.mean()) / data.std(ddof=1)
    fit = sm.OLS(standardised[outcome], sm.add_constant(standardised[list(drivers)])).fit()
    found = [
        Driver(
            name=name,
            beta=float(fit.params[name]),
            beta_p=float(fit.pvalues[name]),
            raw_weight=weights.raw[i],
            weight=weights.rescaled[i],
            sign=weights.signs[i],
            mean=float(data[name].mean()),
            performance=float(
                (data[name].mean() - data[name].min()) / (data[name].max() - data[name].min())
            ),
        )
        for i, name in enumerate(drivers)
    ]
    found.sort(key=lambda d: d.raw_weight, reverse=True)
    return DriverAnalysis(outcome, n, r_squared=weights.r_squared, drivers=tuple(found))


class Quadrant(StrEnum):
    FIX = "fix"  # important, performing below the rest: act here first
    MAINTAIN = "maintain"  # important and performing well
    OVER_INVESTED = "over_invested"  # performing well where it matters little
    LOW_PRIORITY = "low_priority"


def importance_performance(
    importance: Sequence[float], performance: Sequence[float]
) -> list[Quadrant]:
    """Each driver's quadrant, split at the mean importance and the mean performance.
    Performance must be on a common scale (e.g. each driver's percentile in the chain)."""
    imp, perf = np.asarray(importance, dtype=float), np.asarray(performance, dtype=float)
    if imp.size == 0:
        return []
    high_imp, high_perf = imp >= imp.mean(), perf >= perf.mean()
    return [
        (Quadrant.MAINTAIN if p else Quadrant.FIX)
        if i
        else (Quadrant.OVER_INVESTED if p else Quadrant.LOW_PRIORITY)
        for i, p in zip(high_imp, high_perf, strict=True)
    ]
