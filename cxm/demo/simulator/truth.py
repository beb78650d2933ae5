"""Ground truth of a simulated chain, accumulated from the generator's own arrays (never by
reading the emitted records back), so that tests can check imports and reports against it.

Definitions (all days are the store's local calendar dates):

- ``revenue``  — Σ totalSum of sale receipts (operationType 1) minus Σ totalSum of return
  receipts (operationType 2) dated that day, in kopecks.
- ``receipts`` — the number of sale receipts (returns are not counted).
- ``returns``  — the number of return receipts.
- ``units``    — Σ item quantities on sale receipts minus Σ item quantities on return
  receipts, as a Decimal (a few goods are sold by the metre, in half metres).
- ``traffic``  — Σ visitors_in of the store's traffic intervals starting that day; per
  seller it is None (visitors are not counted per seller).

Per store-day there is an entry for every day of the period. Per seller-day there is an
entry for every day the seller was on shift (zeros when they sold nothing) — a return is
the seller's who printed it. Self-checkout receipts ("Касса самообслуживания") count for
the store and the chain, and for no seller.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np

from cxm.demo.simulator.people import SellerSkill
from cxm.demo.simulator.sales import DayPlan, DayTraffic


@dataclass
class Figures:
    revenue: int = 0
    receipts: int = 0
    returns: int = 0
    units_milli: int = 0  # thousandths of a unit, so sums stay exact integers
    traffic: int | None = 0

    @property
    def units(self) -> Decimal:
        whole, rest = divmod(self.units_milli, 1000)
        return Decimal(whole) if rest == 0 else Decimal(self.units_milli) / 1000

    def add(self, other: "Figures") -> None:
        self.revenue += other.revenue
        self.receipts += other.receipts
        self.returns += other.returns
        self.units_milli += other.units_milli
        if self.traffic is not None and other.traffic is not None:
            self.traffic += other.traffic

    def as_dict(self) -> dict:
        return {
            "revenue": self.revenue,
            "receipts": self.receipts,
            "returns": self.returns,
            "units": self.units,
            "traffic": self.traffic,
        }


@dataclass(frozen=True)
class StoreParameters:
    """Hidden store parameters: traffic size multiplier and base visitor conversion."""

    size: float
    conversion: float


@dataclass
class ChainTruth:
    store_days: dict[tuple[str, date], Figures] = field(default_factory=dict)
    seller_days: dict[tuple[str, date], Figures] = field(default_factory=dict)
    seller_skill: dict[str, SellerSkill] = field(default_factory=dict)
    store_parameters: dict[str, StoreParameters] = field(default_factory=dict)

    def store_totals(self) -> dict[str, Figures]:
        return _totals(self.store_days, traffic=True)

    def seller_totals(self) -> dict[str, Figures]:
        return _totals(self.seller_days, traffic=False)

    def totals(self) -> Figures:
        total = Figures()
        for figures in self.store_days.values():
            total.add(figures)
        return total

    def day_totals(self) -> dict[date, Figures]:
        """The chain by local date (stores in different time zones share a calendar date)."""
        by_day: dict[date, Figures] = {}
        for (_, day), figures in self.store_days.items():
            by_day.setdefault(day, Figures()).add(figures)
        return by_day


def _totals(days: dict[tuple[str, date], Figures], traffic: bool) -> dict[str, Figures]:
    totals: dict[str, Figures] = {}
    for (code, _), figures in days.items():
        totals.setdefault(code, Figures(traffic=0 if traffic else None)).add(figures)
    return totals


class TruthAccumulator:
    """Adds store-days to a ChainTruth as they are generated."""

    def __init__(self, store_codes: list[str], seller_codes: list[str]):
        self.store_codes = store_codes
        self.seller_codes = seller_codes
        self.truth = ChainTruth()

    def add(self, traffic: DayTraffic, plan: DayPlan) -> None:
        sign = np.where(plan.operation == 1, 1, -1)
        lengths = np.diff(plan.line_offsets)
        line_sign = np.repeat(sign, lengths)
        line_receipt = np.repeat(np.arange(len(sign)), lengths)
        store = Figures(
            revenue=int((plan.total * sign).sum()),
            receipts=int((plan.operation == 1).sum()),
            returns=int((plan.operation == 2).sum()),
            units_milli=int((plan.line_qty * line_sign).sum()),
            traffic=int(traffic.visitors_in.sum()),
        )
        self.truth.store_days[(self.store_codes[plan.store], plan.day)] = store
        units = np.zeros(len(sign), dtype=np.int64)
        np.add.at(units, line_receipt, plan.line_qty * line_sign)
        for seller in plan.on_shift.tolist():
            mine = plan.seller == seller
            self.truth.seller_days[(self.seller_codes[seller], plan.day)] = Figures(
                revenue=int((plan.total[mine] * sign[mine]).sum()),
                receipts=int((plan.operation[mine] == 1).sum()),
                returns=int((plan.operation[mine] == 2).sum()),
                units_milli=int(units[mine].sum()),
                traffic=None,
            )
