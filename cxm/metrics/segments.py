"""Segments by receipt composition (DESIGN.md §3.4): receipt value by Pareto/ABC, and basket
depth; and which receipt a terminal press follows. Pure functions over arrays and frames."""

import numpy as np
import pandas as pd

PARETO_CUTS = (0.8, 0.95)  # A: the receipts that make the first 80 % of revenue, B: to 95 %


def abc_classes(totals: np.ndarray, cuts: tuple[float, float] = PARETO_CUTS) -> np.ndarray:
    """'A', 'B' or 'C' for each receipt total: receipts sorted from the largest, A until their
    running revenue reaches the first cut, B until the second, C the rest. The receipt that
    crosses a cut belongs to the class it completes."""
    totals = np.asarray(totals, dtype=float)
    classes = np.full(len(totals), "C", dtype="<U1")
    revenue = totals.sum()
    if revenue <= 0:
        return classes
    order = np.argsort(-totals, kind="stable")
    before = (np.cumsum(totals[order]) - totals[order]) / revenue  # share reached before it
    ranked = np.where(before < cuts[0], "A", np.where(before < cuts[1], "B", "C"))
    classes[order] = ranked
    return classes


def basket_depth(lines: int, units: float, with_addons: bool) -> str:
    """'single' (one item), 'several' (more items), 'with_addons' (a main item with an
    accessory or a service: what the seller's offer adds)."""
    if with_addons and lines > 1:
        return "with_addons"
    return "several" if lines > 1 or units > 1 else "single"


def tie_to_receipts(
    presses: pd.DataFrame, receipts: pd.DataFrame, within: pd.Timedelta
) -> pd.Series:
    """The receipt each terminal press follows: the store's receipt closed last before the
    press, at most `within` before it — at the press's own till when the terminal is named
    after a register of the store (`till`), else at any till of the store. NaN where none is
    (a press nobody bought before, or a customer pressing long after paying).

    `presses`: store, till (a register or None), at; `receipts`: receipt, store, till, at.
    Returns the receipt for each press, indexed like `presses`."""
    tied = pd.Series(np.nan, index=presses.index, dtype=float)
    if presses.empty or receipts.empty:
        return tied
    receipts = receipts.sort_values("at")
    at_till = presses["till"].notna()
    for own_till, by in ((True, ["store", "till"]), (False, ["store"])):
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
