"""Can an NPS / ИЭЛ figure be trusted? The conditions of research/metrics-and-seed-products.md
§2.7: enough answers, enough coverage, answers spread over the day like the receipts, and no
seller choosing who gets asked (selective surveying)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from cxm.metrics.nps import NpsCounts, compare_nps

MIN_EXPECTED = 5  # chi-square needs about five expected answers a cell
SPREAD_ALPHA = 0.01
SELECTIVE_ALPHA = 0.001  # many sellers are tested: only a glaring excess counts
SELECTIVE_RATIO = 2.0  # and only when the seller's customers answer twice as often


def hour_spread_p_value(
    answered_by_hour: Mapping[int, int], receipts_by_hour: Mapping[int, int]
) -> float | None:
    """Chi-square goodness of fit of the surveyed receipts' hours to all receipts' hours.
    Hours expecting fewer than five answers are pooled; None when under two cells remain."""
    answered = sum(answered_by_hour.values())
    receipts = sum(receipts_by_hour.values())
    if answered == 0 or receipts == 0:
        return None
    observed, expected, pooled_obs, pooled_exp = [], [], 0, 0.0
    for hour in sorted(set(receipts_by_hour) | set(answered_by_hour)):
        e = answered * receipts_by_hour.get(hour, 0) / receipts
        if e < MIN_EXPECTED:
            pooled_obs += answered_by_hour.get(hour, 0)
            pooled_exp += e
        else:
            observed.append(answered_by_hour.get(hour, 0))
            expected.append(e)
    if pooled_exp > 0:
        observed.append(pooled_obs)
        expected.append(pooled_exp)
    if len(observed) < 2:
        return None
    return float(stats.chisquare(observed, expected).pvalue)


@dataclass(frozen=True)
class SellerVoice:
    seller: str
    receipts: int
    answered: int  # answers and declines tied to the seller's receipts
    counts: NpsCounts


def selective_sellers(sellers: Sequence[SellerVoice]) -> list[str]:
    """Sellers whose customers answer far more often than the other sellers' (one-sided
    binomial test against the others' coverage, at least twice as often) *and* far more
    positively (two-sample NPS test): the pattern of a seller handing the QR code only to
    happy customers."""
    # The others of each seller are everyone less that seller: totals taken once, not per
    # seller (a chain has thousands of sellers).
    receipts = sum(s.receipts for s in sellers)
    answered = sum(s.answered for s in sellers)
    counts = sum((s.counts for s in sellers), NpsCounts())
    flagged = []
    for mine in sellers:
        other_receipts = receipts - mine.receipts
        if mine.receipts == 0 or other_receipts == 0:
            continue
        base = (answered - mine.answered) / other_receipts
        rate = mine.answered / mine.receipts
        if base == 0 or rate < SELECTIVE_RATIO * base:
            continue
        excess = stats.binomtest(mine.answered, mine.receipts, base, alternative="greater")
        happier = compare_nps(mine.counts, counts - mine.counts)
        if (
            excess.pvalue < SELECTIVE_ALPHA
            and happier is not None
            and happier.difference > 0
            and happier.significant
        ):
            flagged.append(mine.seller)
    return flagged


@dataclass(frozen=True)
class Verdict:
    trusted: bool
    reasons: list[str]  # codes: few_responses, low_coverage, hours_unlike_receipts, …


def verdict(
    *,
    responses: int,
    min_responses: int,
    coverage: float | None,
    min_coverage: float,
    hour_p_value: float | None,
    selective: Sequence[str],
    untied_share: float | None,
    max_untied_share: float = 0.5,
) -> Verdict:
    reasons = []
    if responses < min_responses:
        reasons.append("few_responses")
    if coverage is not None and coverage < min_coverage:
        reasons.append("low_coverage")
    if hour_p_value is not None and hour_p_value < SPREAD_ALPHA:
        reasons.append("hours_unlike_receipts")
    if selective:
        reasons.append("selective_surveying")
    if untied_share is not None and untied_share > max_untied_share:
        reasons.append("untied_ratings")
    return Verdict(not reasons, reasons)
