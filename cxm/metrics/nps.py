"""Net Promoter Score: counts, the adjusted-Wald interval (Rocks 2016), NPS with declines and
the two-period test. NPS is on −100…100 throughout.

Sources: Reichheld 2003 (definition); B. Rocks, "Interval estimation for the net promoter
score", The American Statistician 70(4), 2016, arXiv:1601.07235 (adjusted Wald: add 3/4 to
promoters and detractors and 3 to n); relock2/nps_sample_size (t quantile, df = n − 1, below
30 respondents); brendan-r/NPS `nps_test` (two-sample Wald test).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil, sqrt

from scipy import stats

PROMOTER_MIN = 9  # 9–10 promoters (промоутеры)
DETRACTOR_MAX = 6  # 0–6 detractors (критики); 7–8 passives (нейтралы)
SMALL_SAMPLE = 30  # below this many respondents the interval uses Student's t


@dataclass(frozen=True)
class NpsCounts:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def respondents(self) -> int:
        return self.promoters + self.passives + self.detractors

    def __add__(self, other: "NpsCounts") -> "NpsCounts":
        return NpsCounts(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )

    def __sub__(self, other: "NpsCounts") -> "NpsCounts":
        return NpsCounts(
            self.promoters - other.promoters,
            self.passives - other.passives,
            self.detractors - other.detractors,
        )


def nps_group(score: int) -> int:
    """+1 promoter, 0 passive, −1 detractor for a 0–10 answer."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS answer is 0–10, got {score}")
    if score >= PROMOTER_MIN:
        return 1
    return -1 if score <= DETRACTOR_MAX else 0


def count_scores(scores: Iterable[int]) -> NpsCounts:
    groups = [nps_group(s) for s in scores]
    return NpsCounts(groups.count(1), groups.count(0), groups.count(-1))


def net_promoter_score(counts: NpsCounts) -> float | None:
    """100·(promoters − detractors)/respondents; None without respondents."""
    n = counts.respondents
    return None if n == 0 else 100.0 * (counts.promoters - counts.detractors) / n


def nps_with_declines(counts: NpsCounts, declined: int) -> float | None:
    """Customers who declined count in the denominator as neither promoters nor detractors."""
    n = counts.respondents + declined
    return None if n == 0 else 100.0 * (counts.promoters - counts.detractors) / n


def nps_variance(promoter_share: float, detractor_share: float) -> float:
    """Variance of one respondent's +1/0/−1 score: p + d − (p − d)²."""
    return promoter_share + detractor_share - (promoter_share - detractor_share) ** 2


@dataclass(frozen=True)
class NpsInterval:
    low: float
    high: float
    quantile: float  # the z or t value used


def adjusted_wald_interval(counts: NpsCounts, confidence: float = 0.95) -> NpsInterval | None:
    """Rocks's adjusted-Wald interval, clipped to −100…100; None without respondents."""
    n = counts.respondents
    if n == 0:
        return None
    n_adj = n + 3
    p = (counts.promoters + 0.75) / n_adj
    d = (counts.detractors + 0.75) / n_adj
    tail = 1 - (1 - confidence) / 2
    # Small samples: the t quantile widens the interval where the normal one under-covers.
    # df = n − 1, and 1 for a single respondent (df = 0 has no t distribution).
    q = float(stats.t.ppf(tail, max(n - 1, 1)) if n < SMALL_SAMPLE else stats.norm.ppf(tail))
    half = q * sqrt(nps_variance(p, d) / n_adj)
    centre = p - d
    return NpsInterval(100 * max(centre - half, -1.0), 100 * min(centre + half, 1.0), q)


@dataclass(frozen=True)
class NpsComparison:
    """Two periods (or units): is the difference more than sampling noise?"""

    difference: float  # NPS of `current` − NPS of `base`, points
    standard_error: float
    z: float
    p_value: float  # two-sided
    significant: bool


def compare_nps(
    current: NpsCounts, base: NpsCounts, confidence: float = 0.95
) -> NpsComparison | None:
    """Two-sample Wald test on the difference of two NPS (brendan-r/NPS `nps_test`)."""
    if current.respondents == 0 or base.respondents == 0:
        return None
    se = sqrt(_mean_variance(current) + _mean_variance(base)) * 100
    difference = net_promoter_score(current) - net_promoter_score(base)  # type: ignore[operator]
    if se == 0:
        z, p_value = (0.0, 1.0) if difference == 0 else (float("inf"), 0.0)
    else:
        z = difference / se
        p_value = float(2 * stats.norm.sf(abs(z)))
    return NpsComparison(difference, se, z, p_value, p_value < 1 - confidence)


def _mean_variance(counts: NpsCounts) -> float:
    n = counts.respondents
    return nps_variance(counts.promoters / n, counts.detractors / n) / n


def required_respondents(half_width: float, variance: float = 1.0, confidence: float = 0.95) -> int:
    """Respondents for a ±half_width (points) interval: z²σ²/(m/100)²; σ² = 1 is the worst
    case (half promoters, half detractors)."""
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    return ceil(z**2 * variance / (half_width / 100) ** 2)
