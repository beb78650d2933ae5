"""A seeded, deterministic simulated retail chain with known ground truth (DESIGN.md §5).

Usage:

chain = simulate_chain(SimulationConfig(stores=12, days=120, seed=42))
chain.stores, chain.sellers          # contract records (lists of dicts)
chain.iter_traffic()                 # traffic contract records, streamed
chain.iter_receipts()                # native FNS receipt dicts, streamed
chain.truth()                        # ChainTruth: per store-day and seller-day figures
"""

from cxm.demo.simulator.catalog import CATALOG, CATEGORIES, Product
from cxm.demo.simulator.chain import (
    SimulatedChain,
    SimulationConfig,
    simulate_chain,
    write_contract_files,
)
from cxm.demo.simulator.people import SELF_CHECKOUT, SellerSkill
from cxm.demo.simulator.truth import ChainTruth, Figures, StoreParameters

__all__ = [
    "CATALOG",
    "CATEGORIES",
    "SELF_CHECKOUT",
    "ChainTruth",
    "Figures",
    "Product",
    "SellerSkill",
    "SimulatedChain",
    "SimulationConfig",
    "StoreParameters",
    "simulate_chain",
    "write_contract_files",
]
