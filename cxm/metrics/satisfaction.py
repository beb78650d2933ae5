"""Feedback-terminal and factor figures: ИЭЛ, response coverage, top-2-box CSAT and the
importance-weighted CSI (DESIGN.md §3; research/metrics-and-seed-products.md §2.1, §4.2, §4.4).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass

TOP_TWO_MIN = 4  # on a 1–5 factor scale, 4 and 5 are "satisfied"


def emotional_loyalty_index(positive: int, negative: int, receipts: int) -> float | None:
    """ИЭЛ (индекс эмоциональной лояльности) = 100·(positive − negative presses)/receipts:
    how happy customers are and how many care to say so. None without receipts."""
    return None if receipts == 0 else 100.0 * (positive - negative) / receipts


def share(part: int, whole: int) -> float | None:
    """A fraction (0.23), None when the whole is zero: e.g. response coverage."""
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class FactorFigure:
    factor: str
    n: int
    csat: float | None  # top-2-box share
    mean: float | None  # mean score, 1–5
    importance: float | None  # correlation with the recommend score (negative read as 0)
    weight: float  # share of the CSI this factor carries


@dataclass(frozen=True)
class SatisfactionIndex:
    csi: float | None  # Σ weight × mean score as % of the scale maximum (Russian CSI practice)
    factors: list[FactorFigure]


@dataclass(frozen=True)
class FactorSums:
    """What a factor's figures are computed from, as integer sums that add up over any set of
    answers (a rollup's rows, a period's answers): scores, and the pairs of score and 0–10
    recommend answer of the respondents who gave both."""

    answers: int = 0
    scores: int = 0  # Σ score
    top_two: int = 0  # scores of TOP_TWO_MIN or more
    pairs: int = 0
    paired_scores: int = 0  # Σ score over the pairs
    recommend: int = 0  # Σ recommend answer over the pairs
    paired_squares: int = 0  # Σ score²
    recommend_squares: int = 0  # Σ recommend answer²
    products: int = 0  # Σ score × recommend answer

    def __add__(self, other: "FactorSums") -> "FactorSums":
        return FactorSums(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def factor_sums(
    answers: Sequence[Mapping[str, int]], recommend: Sequence[int | None]
) -> dict[str, FactorSums]:
    """Each factor's sums over these respondents: `answers[i]` maps factor code → 1…5 for
    respondent i, `recommend[i]` is their 0–10 answer (None if they gave none)."""
    sums: dict[str, FactorSums] = {}
    for row, r in zip(answers, recommend, strict=True):
        for code, score in row.items():
            paired = r is not None
            y = r if paired else 0
            one = FactorSums(
                1, score, int(score >= TOP_TWO_MIN), int(paired), score * paired, y,
                score * score * paired, y * y, score * y,
            )  # fmt: skip
            sums[code] = sums[code] + one if code in sums else one
    return sums


def satisfaction_index(sums: Mapping[str, FactorSums], scale_max: int = 5) -> SatisfactionIndex:
    """CSI with importance derived from the data: each factor's weight is its correlation with
    the same respondent's 0–10 recommend answer (derived importance, since nobody is asked to
    rate importance); factors with no positive correlation weigh nothing, and if none has
    one, all weigh the same. `sums`: factor code → its FactorSums (factor_sums)."""
    codes = sorted(code for code, f in sums.items() if f.answers)
    raw = {code: _correlation(sums[code]) for code in codes}
    positive = {c: max(v, 0.0) for c, v in raw.items() if v is not None}
    total = sum(positive.values())
    weights = (
        {c: positive.get(c, 0.0) / total for c in codes}
        if total > 0
        else {c: 1 / len(codes) for c in codes}
    )
    figures = [
        FactorFigure(
            factor=code,
            n=sums[code].answers,
            csat=sums[code].top_two / sums[code].answers,
            mean=sums[code].scores / sums[code].answers,
            importance=raw[code],
            weight=weights[code],
        )
        for code in codes
    ]
    csi = None
    if figures:
        csi = 100 * sum(f.weight * f.mean / scale_max for f in figures)  # type: ignore[operator]
    return SatisfactionIndex(csi, figures)


def _correlation(f: FactorSums) -> float | None:
    """Pearson r of score and recommend answer from the sums (exact integers until the one
    division), None with fewer than 3 pairs or no spread."""
    if f.pairs < 3:
        return None
    spread_x = f.pairs * f.paired_squares - f.paired_scores**2
    spread_y = f.pairs * f.recommend_squares - f.recommend**2
    if spread_x == 0 or spread_y == 0:
        return None
    covariance = f.pairs * f.products - f.paired_scores * f.recommend
    return covariance / math.sqrt(spread_x * spread_y)
