"""Smile-Index (Service with a Smile): the share of a seller's interactions with a smile,
and customer happiness — the share of customers seen happy at the point of contact. No
Django here."""

from dataclasses import dataclass

from cxm.metrics.kpi import ratio


@dataclass
class SmileFigures:
    seller_observations: int = 0
    seller_smiles: int = 0
    customer_observations: int = 0
    customer_happy: int = 0

    @property
    def smile_index(self) -> float | None:
        return ratio(self.seller_smiles, self.seller_observations)

    @property
    def customer_happiness(self) -> float | None:
        return ratio(self.customer_happy, self.customer_observations)

    def as_row(self) -> dict:
        return {
            "seller_observations": self.seller_observations,
            "smile_index": self.smile_index,
            "customer_observations": self.customer_observations,
            "customer_happiness": self.customer_happiness,
        }
