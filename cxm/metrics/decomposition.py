"""Where did the revenue change come from? Revenue = traffic × conversion × average ticket
(V = T · C · A with C = receipts / T and A = revenue / receipts), and the change between a
base period (0) and the current one (1) split into three additive effects by the
logarithmic mean Divisia index, LMDI-I (Ang 2005, "The LMDI approach to decomposition
analysis: a practical guide"):

    effect of x = L(V1, V0) · ln(x1 / x0),   L(a, b) = (a − b) / (ln a − ln b),  L(a, a) = a

Because ln T + ln C + ln A = ln V, the three effects add up to V1 − V0 exactly, with no
residual and no dependence on the order of the factors, unlike chained substitution.

Zeros and negatives. The logarithms exist only when, in both periods, traffic, receipts and
revenue are all positive. When they are not, the whole change goes to the first factor of
the chain traffic → conversion → ticket that is zero or undefined in either period:

* no visitors counted in a period (a new store, a closed one, a counter not yet installed):
  conversion and ticket cannot be measured against nothing, so the change is traffic's;
* visitors but no sale receipts in a period: conversion was zero, the change is
  conversion's (and ticket is undefined there);
* receipts but revenue ≤ 0 (returns outweigh sales): the net average ticket is what is not
  positive, so the change is the ticket's.

Where the zero makes the whole period zero down the chain (a store that did not exist or
was closed: no visitors, no receipts, no revenue; or visitors who bought nothing), this is
the limit of the "small value" strategy of Ang & Liu (2007, Energy Policy 35:238) as the
replacement ε → 0 with the later factors held fixed: that factor's log term grows without
bound and takes the whole change, the others' shares vanish (slowly: like 1 / ln ε). It needs
no magic constant, and the effects still sum to the change exactly.

It is only a convention, not a limit, where the period is inconsistent with the identity:
receipts with no visitors counted (a counter not yet installed or broken), or revenue ≤ 0
from returns. There ε → 0 makes the traffic and conversion terms diverge in opposite
directions. So the factor that absorbed the change is always reported, and a page should say
that the split was not measurable rather than show the effects as a finding.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

FACTORS = ("traffic", "conversion", "ticket")
INPUT_COLUMNS = ("revenue", "receipts", "traffic", "base_revenue", "base_receipts", "base_traffic")
EFFECT_COLUMNS = ("traffic_effect", "conversion_effect", "ticket_effect")
_LMDI = -1  # code for "all factors defined" in the undefined-factor array


@dataclass(frozen=True)
class RevenueDecomposition:
    revenue: float
    base_revenue: float
    traffic_effect: float
    conversion_effect: float
    ticket_effect: float
    # None when LMDI applied; else the factor ("traffic", "conversion", "ticket") that was
    # zero or undefined in a period and therefore took the whole change.
    undefined_factor: str | None = None

    @property
    def change(self) -> float:
        return self.revenue - self.base_revenue


def log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """L(a, b) for positive arrays; L(a, a) = a.

    ln(a / b) is taken as log1p((a − b) / b) when a and b are close, where log(a / b) would
    lose the digits of a small difference, and as log(a / b) when they are far apart, where
    1 + (a − b) / b would lose the digits of a ratio near 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    difference = a - b
    same = difference == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = difference / b
        log_ratio = np.where(np.abs(relative) < 0.5, np.log1p(relative), np.log(a / b))
        mean = difference / log_ratio
    return np.where(same, a, mean)


def decompose_revenue(
    revenue: float,
    receipts: float,
    traffic: float,
    base_revenue: float,
    base_receipts: float,
    base_traffic: float,
) -> RevenueDecomposition:
    """The change from the base period split into traffic, conversion and ticket effects,
    in the unit of `revenue` (kopecks in, kopecks out)."""
    inputs = (revenue, receipts, traffic, base_revenue, base_receipts, base_traffic)
    columns = np.array([[float(value)] for value in inputs])
    traffic_e, conversion_e, ticket_e, undefined = _effects(*columns)
    code = int(undefined[0])
    return RevenueDecomposition(
        revenue=float(revenue),
        base_revenue=float(base_revenue),
        traffic_effect=float(traffic_e[0]),
        conversion_effect=float(conversion_e[0]),
        ticket_effect=float(ticket_e[0]),
        undefined_factor=None if code == _LMDI else FACTORS[code],
    )


def decompose_revenue_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`decompose_revenue` row by row, vectorised: one row per store (or seller) with
    columns revenue, receipts, traffic, base_revenue, base_receipts, base_traffic. Returns
    traffic_effect, conversion_effect and ticket_effect on the same index, and
    undefined_factor as in `RevenueDecomposition` (None where LMDI applied). A row with a
    missing (NaN) input gets NaN effects and no undefined factor."""
    missing = [column for column in INPUT_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"decomposition needs columns {', '.join(missing)}")
    arrays = [frame[column].to_numpy(dtype=float, na_value=np.nan) for column in INPUT_COLUMNS]
    *effects, undefined = decompose_revenue_arrays(*arrays)
    result = pd.DataFrame(dict(zip(EFFECT_COLUMNS, effects, strict=True)), index=frame.index)
    result["undefined_factor"] = pd.Series(undefined, index=frame.index, dtype=object)
    return result


def decompose_revenue_arrays(
    *inputs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None]]:
    """`decompose_revenue_frame` on arrays in INPUT_COLUMNS order, without the frames (whose
    making costs more than the arithmetic for the few rows of a store's page): the traffic,
    conversion and ticket effects, and each row's undefined factor."""
    traffic_e, conversion_e, ticket_e, undefined = _effects(*inputs)
    factors = [None if code == _LMDI else FACTORS[code] for code in undefined.tolist()]
    return traffic_e, conversion_e, ticket_e, factors


def _effects(
    v1: np.ndarray, r1: np.ndarray, t1: np.ndarray, v0: np.ndarray, r0: np.ndarray, t0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Traffic, conversion and ticket effects, and per row the index into FACTORS of the
    factor that took the whole change (or _LMDI when the logarithms were defined)."""
    for name, counts in zip(INPUT_COLUMNS, (v1, r1, t1, v0, r0, t0), strict=True):
        if name.endswith(("receipts", "traffic")) and (counts < 0).any():
            raise ValueError(f"{name} cannot be negative")
    complete = (t1 > 0) & (t0 > 0) & (r1 > 0) & (r0 > 0) & (v1 > 0) & (v0 > 0)
    lmdi = _lmdi(complete, v1, r1, t1, v0, r0, t0)
    # The first factor along the chain that is zero or undefined in either period.
    undefined = np.select(
        [complete, (t1 <= 0) | (t0 <= 0), (r1 <= 0) | (r0 <= 0)], [_LMDI, 0, 1], default=2
    )
    change = v1 - v0
    effects = [np.where(complete, lmdi[i], np.where(undefined == i, change, 0.0)) for i in range(3)]
    unknown = np.isnan(np.stack([v1, r1, t1, v0, r0, t0])).any(axis=0)
    if unknown.any():
        effects = [np.where(unknown, np.nan, effect) for effect in effects]
        undefined = np.where(unknown, _LMDI, undefined)  # nothing was split there at all
    return effects[0], effects[1], effects[2], undefined


def _lmdi(complete: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """LMDI-I effects where `complete`; rows that are not get ones (and are replaced later)
    so that no logarithm of zero or of a negative number is ever taken."""
    v1, r1, t1, v0, r0, t0 = (np.where(complete, x, 1.0) for x in values)
    weight = log_mean(v1, v0)
    return (
        weight * np.log(t1 / t0),
        weight * np.log((r1 / t1) / (r0 / t0)),
        weight * np.log((v1 / r1) / (v0 / r0)),
    )


def split_ticket_effect(
    revenue: float,
    receipts: float,
    units: float,
    base_revenue: float,
    base_receipts: float,
    base_units: float,
) -> tuple[float, float] | None:
    """The ticket effect of `decompose_revenue` split exactly into the UPT effect (глубина
    чека, units / receipts) and the average-price effect (revenue / units): average ticket
    = UPT × average price, so L(V1, V0) · ln(A1 / A0) = L · ln(U1 / U0) + L · ln(P1 / P0).

    None where the logarithms do not exist (no units, no receipts or revenue ≤ 0 in either
    period): the ticket effect is then left whole rather than split by a convention."""
    values = (revenue, receipts, units, base_revenue, base_receipts, base_units)
    upt, price = split_ticket_effects(*(np.array([float(value)]) for value in values))
    if np.isnan(upt[0]):
        return None
    return float(upt[0]), float(price[0])


def split_ticket_effects(
    v1: np.ndarray, r1: np.ndarray, u1: np.ndarray, v0: np.ndarray, r0: np.ndarray, u0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`split_ticket_effect` row by row, vectorised: NaN where it would be None."""
    defined = np.min(np.stack([v1, r1, u1, v0, r0, u0]), axis=0) > 0
    v1, r1, u1, v0, r0, u0 = (np.where(defined, x, 1.0) for x in (v1, r1, u1, v0, r0, u0))
    weight = log_mean(v1, v0)
    upt = weight * np.log((u1 / r1) / (u0 / r0))
    price = weight * np.log((v1 / u1) / (v0 / u0))
    return np.where(defined, upt, np.nan), np.where(defined, price, np.nan)
