"""Sales-failure matching at scale: 1,000,000 consultations against 1,000,000 sale receipts,
CXM's as-of join (cxm.metrics.consultations.match_consultations, pandas) next to a DuckDB
ASOF JOIN baseline of the same rule on the same data, checked to agree.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/match_consultations.py [--n 1000000] [--sellers 5000]
"""

import argparse
import time

import duckdb
import numpy as np
import pandas as pd

from cxm.metrics.consultations import match_consultations

LIMIT_MINUTES = 40


def synthetic(n: int, sellers: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n consultations and n receipts spread over sellers and 90 days; about half of the
    consultations are followed by their seller's receipt a few minutes later."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01", tz="UTC")
    seconds = rng.integers(0, 90 * 86400, size=n)
    consultations = pd.DataFrame(
        {
            "id": np.arange(n),
            "seller": rng.integers(0, sellers, size=n),
            "started_at": start + pd.to_timedelta(seconds, unit="s"),
        }
    )
    follows = rng.random(n) < 0.5
    sale_seconds = np.where(
        follows, seconds + rng.integers(60, 30 * 60, size=n), rng.integers(0, 90 * 86400, size=n)
    )
    receipts = pd.DataFrame(
        {
            "id": np.arange(n),
            "seller": np.where(follows, consultations["seller"], rng.integers(0, sellers, size=n)),
            "at": start + pd.to_timedelta(sale_seconds, unit="s"),
        }
    )
    return consultations, receipts


BASELINE_SQL = f"""
WITH c AS (
    SELECT id, seller, started_at,
           LEAST(COALESCE(LEAD(started_at) OVER (PARTITION BY seller ORDER BY started_at, id),
                          started_at + INTERVAL {LIMIT_MINUTES} MINUTE),
                 started_at + INTERVAL {LIMIT_MINUTES} MINUTE) AS deadline
    FROM consultations
)
SELECT c.id, (s.at IS NOT NULL AND s.at < c.deadline) AS converted,
       CASE WHEN s.at < c.deadline THEN s.id END AS receipt
FROM c ASOF LEFT JOIN receipts s ON c.seller = s.seller AND s.at >= c.started_at
ORDER BY c.id
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sellers", type=int, default=5000)
    args = parser.parse_args()
    consultations, receipts = synthetic(args.n, args.sellers)

    t0 = time.perf_counter()
    ours = match_consultations(consultations, receipts, pd.Timedelta(minutes=LIMIT_MINUTES))
    t_ours = time.perf_counter() - t0

    con = duckdb.connect()
    con.register("consultations", consultations)
    con.register("receipts", receipts)
    t0 = time.perf_counter()
    baseline = con.execute(BASELINE_SQL).df()
    t_duck = time.perf_counter() - t0

    ours = ours.sort_values("id").reset_index(drop=True)
    same = (ours["converted"].to_numpy() == baseline["converted"].to_numpy()).all()
    print(f"{args.n:,} consultations × {len(receipts):,} receipts, {args.sellers:,} sellers")
    print(f"CXM (pandas as-of join): {t_ours:7.2f} s, {ours['converted'].mean():.3f} converted")
    print(f"DuckDB ASOF JOIN:        {t_duck:7.2f} s")
    print(f"ratio CXM / DuckDB:      {t_ours / t_duck:7.2f}; same outcomes: {bool(same)}")


if __name__ == "__main__":
    main()
