"""Exploratory factor analysis (факторный анализ) of checklist or survey items: does the
service standard, or the survey model, measure the few things it claims to?

1. Suitability: Bartlett's test of sphericity (is the correlation matrix other than the
   identity? Bartlett 1950: χ² = −(n − 1 − (2p + 5)/6)·ln|R| on p(p − 1)/2 degrees of
   freedom) and the Kaiser–Meyer–Olkin measure of sampling adequacy (Kaiser 1974: the share
   of the items' correlations not explained by partial correlations; ≥ 0.6 is workable).
2. How many factors: Horn's parallel analysis (1965) — keep the factors whose eigenvalue
   beats the 95th percentile of eigenvalues of as many random normal items; Kaiser's
   eigenvalue > 1 is reported alongside.
3. Loadings: iterated principal-axis factoring (squared multiple correlations as the first
   communalities; each step the leading eigenvectors of the correlation matrix with the
   communalities on its diagonal — Harman 1976, ch. 8; at convergence the minres solution),
   varimax-rotated (statsmodels `factor_rotation`, verified against R and Stata).
4. Reliability of each factor's items: Cronbach's α = k/(k − 1)·(1 − Σσᵢ²/σ_T²), with the
   items assigned to the factor they load on most (loadings ≥ 0.4 count); from the
   correlations alone (standardised α = k·r̄/(1 + (k − 1)·r̄)) where no respondent answers
   every item.

The items are scored either on complete rows (a checklist answers every item) or, for a
planned-missing design (a survey asks each respondent a few items of the bank), on
pairwise-complete observations: each correlation over the rows that answer both items, n
taken as the smallest pair's."""

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor_rotation import rotate_factors

SALIENT_LOADING = 0.4
_PARALLEL_RUNS = 100
_MAX_STEPS = 1000
_TOLERANCE = 1e-8


class FactorProblem(StrEnum):
    TOO_FEW_POINTS = "too_few_points"
    CONSTANT = "constant"
    SINGULAR = "singular"  # an item is a combination of others: R cannot be inverted
    NO_FACTOR = "no_factor"  # parallel analysis keeps none: the items share nothing


@dataclass(frozen=True)
class Sphericity:
    chi_square: float
    df: int
    p_value: float


def bartlett_sphericity(correlation: np.ndarray, n: int) -> Sphericity:
    p = correlation.shape[0]
    _, log_det = np.linalg.slogdet(correlation)
    chi_square = -(n - 1 - (2 * p + 5) / 6) * log_det
    df = p * (p - 1) // 2
    return Sphericity(float(chi_square), df, float(stats.chi2.sf(chi_square, df)))


def kmo(correlation: np.ndarray) -> tuple[float, np.ndarray]:
    """Overall KMO and each item's measure of sampling adequacy."""
    inverse = np.linalg.inv(correlation)
    scale = np.sqrt(np.outer(np.diag(inverse), np.diag(inverse)))
    partial = -inverse / scale
    off = ~np.eye(correlation.shape[0], dtype=bool)
    r2, q2 = np.where(off, correlation**2, 0), np.where(off, partial**2, 0)
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return float(r2.sum() / (r2.sum() + q2.sum())), per_item


def parallel_analysis(
    eigenvalues: np.ndarray, n: int, *, seed: int = 0, runs: int = _PARALLEL_RUNS
) -> tuple[int, np.ndarray]:
    """Factors to keep: leading eigenvalues above the 95th percentile of random data's."""
    rng = np.random.default_rng(seed)
    p = eigenvalues.size
    random = np.array(
        [
            np.sort(np.linalg.eigvalsh(np.corrcoef(rng.normal(size=(n, p)), rowvar=False)))[::-1]
            for _ in range(runs)
        ]
    )
    threshold = np.percentile(random, 95, axis=0)
    above = eigenvalues > threshold
    keep = p if above.all() else int(np.argmin(above))
    return keep, threshold


def cronbach_alpha(items: pd.DataFrame) -> float | None:
    """α of the items taken as one scale; None for fewer than two items."""
    k = items.shape[1]
    if k < 2:
        return None
    total = items.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - items.var(ddof=1).sum() / total))


def standardised_alpha(correlation: np.ndarray) -> float | None:
    """α of standardised items from their correlations alone: k·r̄/(1 + (k − 1)·r̄)."""
    k = correlation.shape[0]
    if k < 2:
        return None
    mean_r = (correlation.sum() - k) / (k * (k - 1))
    return float(k * mean_r / (1 + (k - 1) * mean_r))


def principal_factors(
    correlation: np.ndarray, communalities: np.ndarray, factors: int
) -> tuple[np.ndarray, np.ndarray]:
    """One step of principal-axis factoring: the eigenvalues of the reduced correlation
    matrix (communalities on the diagonal), largest first, and the loadings of the leading
    `factors` (eigenvectors × √eigenvalue; only positive eigenvalues give a factor)."""
    reduced = correlation.copy()
    np.fill_diagonal(reduced, communalities)
    values, vectors = np.linalg.eigh(reduced)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    kept = min(factors, int((values > 0).sum()))
    return values, vectors[:, :kept] * np.sqrt(values[:kept])


def principal_axes(correlation: np.ndarray, factors: int) -> np.ndarray:
    """Iterated principal-axis loadings (unrotated), from squared multiple correlations
    until the communalities change by less than 1e-8. A communality is held at 1 at most
    (SAS PROC FACTOR's HEYWOOD option): a factor of two items is not identified and would
    otherwise drift to an item explaining more than all of its variance."""
    communalities = 1 - 1 / np.diag(np.linalg.inv(correlation))
    for _ in range(_MAX_STEPS):
        _, loadings = principal_factors(correlation, communalities, factors)
        updated = np.minimum((loadings**2).sum(axis=1), 1.0)
        if np.linalg.norm(updated - communalities) < _TOLERANCE:
            break
        communalities = updated
    return loadings


@dataclass(frozen=True)
class FactorAnalysis:
    n: int
    items: tuple[str, ...]
    problem: FactorProblem | None = None
    problem_items: tuple[str, ...] = ()
    kmo: float | None = None
    kmo_per_item: tuple[float, ...] = ()
    sphericity: Sphericity | None = None
    eigenvalues: tuple[float, ...] = ()
    parallel_threshold: tuple[float, ...] = ()
    kaiser_factors: int | None = None  # eigenvalues > 1
    factors: int | None = None  # by parallel analysis
    loadings: tuple[tuple[float, ...], ...] = ()  # item × factor, varimax-rotated
    assignment: tuple[int | None, ...] = ()  # each item's factor (None: loads < 0.4)
    alphas: tuple[float | None, ...] = ()  # Cronbach's α per factor


def analyse_factors(
    frame: pd.DataFrame, *, seed: int = 0, pairwise_min: int | None = None
) -> FactorAnalysis:
    """EFA of the columns of `frame` (one row per checklist or respondent). Without
    `pairwise_min`, rows with any missing answer are dropped; with it, each correlation is
    taken over the rows that answer both items and every pair needs `pairwise_min` of
    them (n is then the smallest pair's)."""
    data = frame.astype(float)
    data.columns = [str(c) for c in data.columns]
    items = tuple(data.columns)
    if pairwise_min is None:
        data = data.dropna()
        n = len(data)
        enough = n >= max(3 * len(items), 10)
    else:
        answered = data.notna().to_numpy(dtype=int)
        n = int((answered.T @ answered).min()) if items else 0
        enough = n >= pairwise_min
    if not enough or len(items) < 3:
        return FactorAnalysis(n, items, FactorProblem.TOO_FEW_POINTS)
    constant = tuple(c for c in items if data[c].nunique() < 2)
    if constant:
        return FactorAnalysis(n, items, FactorProblem.CONSTANT, constant)
    correlation = data.corr().to_numpy()
    if pairwise_min is None:
        return analyse_correlations(correlation, n, items, seed=seed, scores=data)
    return analyse_correlations(correlation, n, items, seed=seed)


def analyse_correlations(
    correlation: np.ndarray,
    n: int,
    items: tuple[str, ...],
    *,
    seed: int = 0,
    scores: pd.DataFrame | None = None,
) -> FactorAnalysis:
    """EFA of an item correlation matrix over n observations. Each factor's α is Cronbach's
    from the item `scores` where given, else the standardised α from the correlations."""
    eigenvalues = np.sort(np.linalg.eigvalsh(correlation))[::-1]
    if eigenvalues[-1] <= 1e-10 * eigenvalues[0]:
        # Singular, or (pairwise correlations) not a correlation matrix of any data.
        return FactorAnalysis(n, items, FactorProblem.SINGULAR, items)
    overall, per_item = kmo(correlation)
    keep, threshold = parallel_analysis(eigenvalues, n, seed=seed)
    common = {
        "kmo": overall,
        "kmo_per_item": tuple(float(v) for v in per_item),
        "sphericity": bartlett_sphericity(correlation, n),
        "eigenvalues": tuple(float(v) for v in eigenvalues),
        "parallel_threshold": tuple(float(v) for v in threshold),
        "kaiser_factors": int((eigenvalues > 1).sum()),
        "factors": keep,
    }
    if keep == 0:
        return FactorAnalysis(n, items, FactorProblem.NO_FACTOR, **common)
    loadings = _rotated_loadings(correlation, keep)
    assignment = tuple(
        int(np.argmax(np.abs(row))) if np.abs(row).max() >= SALIENT_LOADING else None
        for row in loadings
    )
    alphas = []
    for k in range(loadings.shape[1]):
        members = [i for i, f in enumerate(assignment) if f == k]
        if scores is not None:
            alphas.append(cronbach_alpha(scores.iloc[:, members]))
        else:
            alphas.append(standardised_alpha(correlation[np.ix_(members, members)]))
    return FactorAnalysis(
        n,
        items,
        loadings=tuple(tuple(float(v) for v in row) for row in loadings),
        assignment=assignment,
        alphas=tuple(alphas),
        **common,
    )


def _rotated_loadings(correlation: np.ndarray, factors: int) -> np.ndarray:
    loadings = principal_axes(correlation, factors)
    if loadings.shape[1] > 1:
        loadings, _ = rotate_factors(loadings, "varimax")
    # A factor's sign is arbitrary: make each one's largest loading positive.
    kept = loadings.shape[1]
    signs = np.sign(loadings[np.abs(loadings).argmax(axis=0), range(kept)])
    return loadings * signs
