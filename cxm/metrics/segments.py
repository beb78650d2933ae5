"""Segments by receipt composition (DESIGN.md §3.4): receipt value by Pareto/ABC, and basket
depth. Pure functions over arrays."""

import numpy as np

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
