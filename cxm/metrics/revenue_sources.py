"""Money at stake in each revenue source of the seed's table (004_…): how much a month the
stores would gain by raising one lever of the KPI tree to the chain's upper quartile.

Every source is the same product of the KPI tree, per store:

    at stake = volume × max(benchmark − current, 0) × value of one more unit

- accessory and promotion offers: receipts where an offer was expected × the offer rate ×
  (ticket with an offer − ticket without);
- the right phrasing: offers made × the right-form rate × (ticket after a right-form offer −
  after a wrong-form one);
- engaging visitors: visitors × coverage (consultations / visitors) × consultation
  conversion × average ticket;
- the form of the consultation: consultations with an outcome × consultation conversion ×
  average ticket;
- perceived quality and emotional loyalty: receipts × ИЭЛ / 100 (net happy customers per
  receipt) × one repeat visit (the average ticket);
- reacting to dissatisfaction: unhappy customers (their incidents) × the share won back ×
  one repeat visit (the average ticket);
- reviews on maps: review invitations × the click rate × unknown — how many readers of a
  review become visitors is not counted, so it is not priced.

For offers this is the seed's "receipts without an offer × (ticket with − without) × offer
uptake": with the uptake u = (q₇₅ − rate)/(1 − rate) of the receipts now without an offer,
expected × (1 − rate) × u = expected × (q₇₅ − rate).

The benchmark is the upper quartile (75th percentile, NumPy's default linear interpolation,
R's type 7) of the stores' figures; a store already above it has nothing at stake. The sum
over the stores is scaled to an average month (365.25 / 12 days). The "value of one more"
of the speech sources is an observed difference between receipts, not a controlled
experiment; the repeat-visit sources count one visit per customer — a floor, since a
retained customer usually comes back more than once.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

MONTH_DAYS = 365.25 / 12
BENCHMARK_PERCENTILE = 75
# A benchmark of fewer stores than this is no benchmark: the store is compared with itself.
MIN_BENCHMARK_STORES = 2


class StakeProblem(StrEnum):
    NO_DATA = "no_data"  # the information source has no records in the period
    NO_BENCHMARK = "no_benchmark"  # fewer than MIN_BENCHMARK_STORES stores have the figure
    NOT_ESTIMABLE = "not_estimable"  # the KPI tree has no measured value for one more unit


@dataclass(frozen=True)
class Lever:
    """One store's lever: `volume` units, each `current` → `benchmark`, worth `value` ₽."""

    volume: float | None
    current: float | None
    value: float | None


@dataclass(frozen=True)
class Stake:
    benchmark: float | None
    per_store: dict[str, float | None]  # ₽ a month; None where the store lacks a figure
    total: float | None  # ₽ a month over the stores with a figure
    problem: StakeProblem | None


def upper_quartile(values: Iterable[float | None]) -> float | None:
    """The stores' 75th percentile, over the known figures; None with too few of them."""
    known = [float(v) for v in values if v is not None and np.isfinite(v)]
    if len(known) < MIN_BENCHMARK_STORES:
        return None
    return float(np.percentile(known, BENCHMARK_PERCENTILE))


def gain(lever: Lever, benchmark: float) -> float | None:
    """volume × max(benchmark − current, 0) × max(value, 0), in the period; None when the
    store lacks a figure. A negative value (the offer went with a smaller ticket) gains 0."""
    if lever.volume is None or lever.current is None or lever.value is None:
        return None
    return float(lever.volume) * max(benchmark - lever.current, 0.0) * max(lever.value, 0.0)


def per_month(amount: float, days: int) -> float:
    """An amount earned over `days` days, as an average month's."""
    return amount * MONTH_DAYS / days


def money_at_stake(
    levers: Mapping[str, Lever],
    benchmark_figures: Iterable[float | None],
    days: int,
    *,
    value_known: bool = True,
) -> Stake:
    """The money at stake in the `levers` stores (₽ a month), each raised to the upper
    quartile of `benchmark_figures` (the chain's stores' current figures)."""
    if not value_known:
        return Stake(None, dict.fromkeys(levers), None, StakeProblem.NOT_ESTIMABLE)
    if all(lever.current is None for lever in levers.values()):
        return Stake(None, dict.fromkeys(levers), None, StakeProblem.NO_DATA)
    benchmark = upper_quartile(benchmark_figures)
    if benchmark is None:
        return Stake(None, dict.fromkeys(levers), None, StakeProblem.NO_BENCHMARK)
    per_store = {}
    for store, lever in levers.items():
        amount = gain(lever, benchmark)
        per_store[store] = None if amount is None else per_month(amount, days)
    known = [v for v in per_store.values() if v is not None]
    total = sum(known) if known else None
    return Stake(benchmark, per_store, total, None if known else StakeProblem.NO_DATA)
