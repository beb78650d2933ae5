"""Segments by receipt composition (DESIGN.md §3.4): receipt value by Pareto/ABC, and basket
depth; and which receipt a terminal press follows. Pure functions over arrays and frames."""

import numpy as np
import pandas as pd

PARETO_CUTS = (0.8, 0.95)  # A: the receipts that make the first 80 % of revenue, B: to 95 %


# Value bands: the top four bits of a total in kopecks, i.e. eight bands an octave, each
# 6.7–12.5 % wide — fine enough for the Pareto cut, coarse enough for a per-day rollup.
BAND_BITS = 4


def value_bands(totals: np.ndarray) -> np.ndarray:
    """The lowest total (kopecks) of each total's value band: the total with all but its
    BAND_BITS highest bits cleared (small totals are their own band)."""
    totals = np.asarray(totals, dtype=np.int64)
    _, bits = np.frexp(np.abs(totals).astype(float))  # exact: totals < 2**53
    shift = np.maximum(bits - BAND_BITS, 0).astype(np.int64)
    return (totals >> shift) << shift


def abc_classes(
    values: np.ndarray, revenue: np.ndarray | None = None, cuts: tuple[float, float] = PARETO_CUTS
) -> np.ndarray:
    """'A', 'B' or 'C' for each item: items sorted from the largest value, A until their
    running revenue reaches the first cut, B until the second, C the rest. The item that
    crosses a cut belongs to the class it completes. Items are receipts (revenue = their
    totals) or value bands (`revenue` = each band's receipts' revenue)."""
    values = np.asarray(values, dtype=float)
    revenue = values if revenue is None else np.asarray(revenue, dtype=float)
    classes = np.full(len(values), "C", dtype="<U1")
    whole = revenue.sum()
    if whole <= 0:
        return classes
    order = np.argsort(-values, kind="stable")
    before = (np.cumsum(revenue[order]) - revenue[order]) / whole  # share reached before it
    ranked = np.where(before < cuts[0], "A", np.where(before < cuts[1], "B", "C"))
    classes[order] = ranked
    return classes


def boundary_share(
    values: np.ndarray, revenue: np.ndarray, cuts: tuple[float, float] = PARETO_CUTS
) -> float:
    """The share of revenue in the value bands that a cut falls inside: the most revenue the
    banded classes can put in another class than per-receipt classes would (a band's
    receipts all take the class of its largest)."""
    values, revenue = np.asarray(values, dtype=float), np.asarray(revenue, dtype=float)
    whole = revenue.sum()
    if whole <= 0:
        return 0.0
    order = np.argsort(-values, kind="stable")
    after = np.cumsum(revenue[order]) / whole
    before = after - revenue[order] / whole
    inside = np.zeros(len(order), dtype=bool)
    for cut in cuts:
        inside |= (before < cut) & (after > cut)
    return float(revenue[order][inside].sum() / whole)


def basket_depth(lines: np.ndarray, units: np.ndarray, with_addons: np.ndarray) -> np.ndarray:
    """'single' (one item), 'several' (more items), 'with_addons' (a main item with an
    accessory or a service: what the seller's offer adds), per receipt."""
    lines, units = np.asarray(lines), np.asarray(units, dtype=float)
    several = np.where((lines > 1) | (units > 1), "several", "single")
    return np.where(np.asarray(with_addons, dtype=bool) & (lines > 1), "with_addons", several)


def tie_to_receipts(
    presses: pd.DataFrame, receipts: pd.DataFrame, within: pd.Timedelta
) -> pd.Series:
    """The receipt each terminal press follows: the store's receipt of the same local day
    closed last before the press, at most `within` before it — at the press's own till when
    the terminal is named after a register of the store (`till`), else at any till of the
    store; of receipts closed at the same moment, the last recorded. NaN where none is (a
    press nobody bought before, or a customer pressing long after paying). Ties stay within
    a store-day, so a store-day's ties can be summed on their own.

    `presses`: store, day, till (a register or None), at; `receipts`: receipt, store, day,
    till, at. Returns the receipt for each press, indexed like `presses`."""
    tied = pd.Series(np.nan, index=presses.index, dtype=float)
    if presses.empty or receipts.empty:
        return tied
    receipts = receipts.sort_values(["at", "receipt"], kind="stable")
    at_till = presses["till"].notna()
    for own_till, by in ((True, ["store", "day", "till"]), (False, ["store", "day"])):
        part = presses[at_till == own_till]
        if part.empty:
            continue
        joined = pd.merge_asof(
            part.assign(press=part.index).sort_values("at"),
            receipts[["receipt", *by, "at"]],
            on="at",
            by=by,
            direction="backward",
            tolerance=within,
        )
        tied.loc[joined["press"].to_numpy()] = joined["receipt"].to_numpy(dtype=float)
    return tied
