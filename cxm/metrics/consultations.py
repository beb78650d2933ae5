"""Sales-failure matching (диагностика сбоев продаж), as a vectorised as-of join.

A consultation is converted when a sale receipt of its seller is printed at or after its
start and before whichever comes first: the seller's next consultation start, or the start
plus a time limit. Everything else is a failed consultation (сбой продаж). Because the
window ends at the seller's next start, a receipt can convert at most one consultation.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MatchQuality:
    """How well detected failures agree with known ones (the simulator's truth)."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0


def match_consultations(
    consultations: pd.DataFrame, sales: pd.DataFrame, limit: pd.Timedelta
) -> pd.DataFrame:
    """Match consultations (`id`, `seller`, `started_at`) to sale receipts (`id`, `seller`,
    `at`; returns excluded by the caller). Returns one row per consultation, in input order:
    `id`, `converted` (bool), `receipt` (the converting receipt's id, or <NA>) and
    `deadline` (when its window closes: a recent one may still convert).

    `consultations` must hold every consultation of its sellers in the time span matched, so
    that each one's next start is known."""
    c = with_deadlines(consultations, limit).sort_values("started_at", kind="stable")
    # The first sale of the same seller at or after the start (a forward as-of join).
    joined = pd.merge_asof(
        c,
        _sales(sales, "seller"),
        left_on="started_at",
        right_on="at",
        by="seller",
        direction="forward",
        allow_exact_matches=True,
    )
    converted = joined["at"].notna() & (joined["at"] < joined["deadline"])
    return _outcome(joined, converted, joined["receipt"])


def match_consultations_by_store(
    consultations: pd.DataFrame, sales: pd.DataFrame, limit: pd.Timedelta, rounds: int = 2
) -> pd.DataFrame:
    """The fallback when receipts carry no seller: a consultation (`id`, `seller`, `store`,
    `started_at`) is converted by the store's first free sale receipt (`id`, `store`, `at`)
    in its window; a receipt claimed by several consultations goes to the one started first
    (first come, first served), and the others try the next free receipt in the next round.
    Same result columns as `match_consultations`. Which consultation a receipt belongs to
    is a guess here: docs/staff.md gives how good it is on the simulator. Two rounds keep
    the number of failures closest to the truth there: more let failed consultations take
    the receipts of sales nobody consulted on (self-checkout, quick sales)."""
    c = with_deadlines(consultations, limit).sort_values("started_at", kind="stable")
    c = c.reset_index(drop=True)
    free = _sales(sales, "store")
    receipt = pd.Series(pd.NA, index=c.index, dtype="Int64")
    for _ in range(rounds):
        waiting = c[receipt.isna()]
        if waiting.empty or free.empty:
            break
        joined = pd.merge_asof(
            waiting.reset_index(),
            free,
            left_on="started_at",
            right_on="at",
            by="store",
            direction="forward",
            allow_exact_matches=True,
        )
        claims = joined[joined["at"].notna() & (joined["at"] < joined["deadline"])]
        won = claims.drop_duplicates("receipt", keep="first")
        if won.empty:
            break
        receipt[won["index"].to_numpy()] = won["receipt"].to_numpy()
        free = free[~free["receipt"].isin(set(won["receipt"]))]
    return _outcome(c, receipt.notna(), receipt)


def with_deadlines(consultations: pd.DataFrame, limit: pd.Timedelta) -> pd.DataFrame:
    """Consultations with `deadline`: the seller's next start or start + limit, whichever
    comes first; `_order` keeps the input order."""
    c = consultations.copy()
    c["started_at"] = _instants(c["started_at"])
    c["_order"] = np.arange(len(c))
    c = c.sort_values(["seller", "started_at", "_order"], kind="stable")
    next_start = c.groupby("seller", sort=False)["started_at"].shift(-1)
    deadline = c["started_at"] + limit
    # Series.where keeps the datetime type (np.minimum would go through Python objects).
    c["deadline"] = deadline.where(next_start.isna() | (deadline <= next_start), next_start)
    return c


def _sales(sales: pd.DataFrame, key: str) -> pd.DataFrame:
    s = sales[["id", key, "at"]].rename(columns={"id": "receipt"})
    s["at"] = _instants(s["at"])
    return s.sort_values("at", kind="stable")


def _outcome(c: pd.DataFrame, converted: pd.Series, receipt: pd.Series) -> pd.DataFrame:
    out = c[["id", "deadline", "_order"]].reset_index(drop=True)
    out.insert(1, "converted", converted.to_numpy(dtype=bool))
    out.insert(2, "receipt", pd.array(receipt.where(converted), dtype="Int64"))
    return out.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def _instants(times: pd.Series) -> pd.Series:
    """UTC times of one resolution: the as-of join needs both sides alike (an empty or
    database-read column may come with another unit, or none)."""
    return pd.to_datetime(times, utc=True).dt.as_unit("us")


def failure_quality(detected: pd.Series, actual: pd.Series) -> MatchQuality:
    """Compare detected failures with true ones; both boolean Series indexed by
    consultation id (True = failed)."""
    detected, actual = detected.align(actual, join="inner")
    return MatchQuality(
        true_positives=int((detected & actual).sum()),
        false_positives=int((detected & ~actual).sum()),
        false_negatives=int((~detected & actual).sum()),
    )


@dataclass(frozen=True)
class ActivityFigures:
    """A seller's (or store's) process figures over a period."""

    consultations: int
    converted: int  # consultations followed by a sale
    failed: int  # matched and not followed by a sale (сбой продаж)
    traffic: int | None  # visitors during the seller's shifts (the store's for a store)

    @property
    def coverage(self) -> float | None:
        """Уровень охвата: consultations per visitor."""
        return self.consultations / self.traffic if self.traffic else None

    @property
    def consultation_conversion(self) -> float | None:
        matched = self.converted + self.failed
        return self.converted / matched if matched else None
