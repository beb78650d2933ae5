"""Feedback-terminal and factor figures: ИЭЛ, response coverage, top-2-box CSAT and the
importance-weighted CSI (DESIGN.md §3; research/metrics-and-seed-products.md §2.1, §4.2, §4.4).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

TOP_TWO_MIN = 4  # on a 1–5 factor scale, 4 and 5 are "satisfied"


def emotional_loyalty_index(positive: int, negative: int, receipts: int) -> float | None:
    """ИЭЛ (индекс эмоциональной лояльности) = 100·(positive − negative presses)/receipts:
    how happy customers are and how many care to say so. None without receipts."""
    return None if receipts == 0 else 100.0 * (positive - negative) / receipts


def share(part: int, whole: int) -> float | None:
    """A fraction (0.23), None when the whole is zero: e.g. response coverage."""
    return None if whole == 0 else part / whole


def top_two_box(scores: Sequence[int]) -> float | None:
    """CSAT: the share of 4s and 5s — not the mean score."""
    if not scores:
        return None
    return sum(1 for s in scores if s >= TOP_TWO_MIN) / len(scores)


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


def satisfaction_index(
    answers: Sequence[Mapping[str, int]], recommend: Sequence[int | None], scale_max: int = 5
) -> SatisfactionIndex:
    """CSI with importance derived from the data: each factor's weight is its correlation with
    the same respondent's 0–10 recommend answer (derived importance, since nobody is asked to
    rate importance); factors with no positive correlation weigh nothing, and if none has
    one, all weigh the same.

    `answers[i]` maps factor code → 1…scale_max for respondent i, `recommend[i]` their 0–10
    answer (None if they gave none)."""
    codes = sorted({code for row in answers for code in row})
    raw = {}
    per_factor = {}
    for code in codes:
        pairs = [(row[code], r) for row, r in zip(answers, recommend, strict=True) if code in row]
        per_factor[code] = [score for score, _ in pairs]
        raw[code] = _correlation([(s, r) for s, r in pairs if r is not None])
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
            n=len(per_factor[code]),
            csat=top_two_box(per_factor[code]),
            mean=float(np.mean(per_factor[code])),
            importance=raw[code],
            weight=weights[code],
        )
        for code in codes
    ]
    csi = None
    if figures:
        csi = 100 * sum(f.weight * f.mean / scale_max for f in figures)  # type: ignore[operator]
    return SatisfactionIndex(csi, figures)


def _correlation(pairs: list[tuple[int, int]]) -> float | None:
    """Pearson r, None with fewer than 3 pairs or no spread."""
    if len(pairs) < 3:
        return None
    x, y = np.array(pairs, dtype=float).T
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])
