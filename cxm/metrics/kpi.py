"""The retail KPI tree: revenue = traffic × conversion × average ticket, and
average ticket = UPT × average price (units per transaction × average unit revenue).

Money comes in as integer kopecks and goes out as roubles in Decimal with two places, so
a figure prints exactly as the receipts add up; ratios are floats and None where the
denominator is zero or unknown (a store without a visitor counter has no conversion).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_CENT = Decimal("0.01")

Number = int | float | Decimal


def ratio(numerator: Number | None, denominator: Number | None) -> float | None:
    """numerator / denominator as a float; None when either is unknown or the denominator
    is zero, because "no visitors" gives no conversion rather than an infinite one."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def kopecks_to_roubles(kopecks: Number) -> Decimal:
    """Roubles with exactly two decimals (half-up, as on a receipt)."""
    return (Decimal(kopecks) / 100).quantize(_CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class SalesFigures:
    """Net sales of a group (store, seller, day, ...) over a period."""

    revenue: int  # kopecks, sales minus returns
    receipts: int  # sale receipts
    units: Decimal  # items sold minus items returned
    traffic: int | None  # visitors in; None where traffic does not apply (a seller)

    @property
    def conversion(self) -> float | None:
        return ratio(self.receipts, self.traffic)

    @property
    def average_ticket(self) -> float | None:
        """Kopecks per receipt."""
        return ratio(self.revenue, self.receipts)

    @property
    def upt(self) -> float | None:
        """Units per receipt (глубина чека)."""
        return ratio(self.units, self.receipts)

    @property
    def average_price(self) -> float | None:
        """Kopecks per unit."""
        return ratio(self.revenue, self.units)

    def as_dict(self) -> dict[str, Any]:
        """The figures under their contract names; money in roubles (Decimal, 2 places)."""
        return {
            "revenue": kopecks_to_roubles(self.revenue),
            "receipts": self.receipts,
            "units": self.units,
            "traffic": self.traffic,
            "conversion": self.conversion,
            "average_ticket": _roubles_per(self.revenue, self.receipts),
            "upt": self.upt,
            "average_price": _roubles_per(self.revenue, self.units),
        }


def _roubles_per(kopecks: int, count: Number) -> Decimal | None:
    # Decimal all the way: a float detour could round 1234.565 the wrong way.
    if not count:
        return None
    return kopecks_to_roubles(Decimal(kopecks) / Decimal(count))


def change(current: Number | None, base: Number | None) -> dict[str, Any]:
    """Absolute and relative change from `base` to `current`.

    `rel` is (current − base) / |base|: the usual current / base − 1 for a positive base,
    and still "up is positive" when the base is negative (net returns). None when the base
    is zero or either value is unknown.
    """
    if current is None or base is None:
        return {"abs": None, "rel": None}
    if {type(current), type(base)} == {float, Decimal}:
        current, base = float(current), float(base)  # Decimal − float is a TypeError
    difference = current - base
    return {"abs": difference, "rel": ratio(difference, abs(base))}
