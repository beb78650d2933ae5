"""The simulated chain: configuration, stores and sellers (built eagerly, they are small), and
streaming generators for traffic and receipts (built lazily, they are not)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from cxm.demo.simulator.catalog import CATALOG, CatalogArrays, Product
from cxm.demo.simulator.fiscal import ReceiptFormatter, Register, SellerPrint, traffic_records
from cxm.demo.simulator.geography import StoreSite, build_stores
from cxm.demo.simulator.people import CHAIN_NAME, Person, SellerSkill, build_people, company_inn
from cxm.demo.simulator.sales import (
    DayPlan,
    DayTraffic,
    StoreModel,
    day_traffic,
    iter_day_plans,
)
from cxm.demo.simulator.truth import ChainTruth, StoreParameters, TruthAccumulator


@dataclass(frozen=True)
class SimulationConfig:
    stores: int = 12
    sellers_per_store: int = 5
    days: int = 120
    seed: int = 42
    end_date: date | None = None  # last simulated day (inclusive); None: yesterday
    # Visitors per store relative to the demo's lifelike chain (0 < intensity ≤ 1).
    intensity: float = 1.0

    def __post_init__(self) -> None:
        for name in ("stores", "sellers_per_store", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0 < self.intensity <= 1:
            raise ValueError("intensity must be above 0 and at most 1")


class SimulatedChain:
    """A chain with `stores` and `sellers` (contract records) and its period's data.

    `iter_traffic()` and `iter_receipts()` stream records day by day (stores in code order
    within a day); each call starts afresh and yields identical records. `truth()` gives the
    ground truth (see `cxm.demo.simulator.truth` for definitions)."""

    def __init__(self, config: SimulationConfig):
        self.config = config
        self.end_date = config.end_date or date.today() - timedelta(days=1)
        self.start_date = self.end_date - timedelta(days=config.days - 1)
        self.catalog: tuple[Product, ...] = CATALOG
        self.user = CHAIN_NAME
        self.user_inn = company_inn(_rng(config.seed, 1))
        sites = build_stores(config.stores, _rng(config.seed, 2))
        people = build_people(config.stores * config.sellers_per_store, _rng(config.seed, 3))
        self.stores: list[dict] = [site.record for site in sites]
        self.sellers: list[dict] = _seller_records(self.stores, people, config.sellers_per_store)
        self.seller_skill: dict[str, SellerSkill] = {
            record["code"]: person.skill
            for record, person in zip(self.sellers, people, strict=True)
        }
        self.registers = _registers(self.stores, _rng(config.seed, 4))
        self._arrays = CatalogArrays(self.catalog)
        self._models = _store_models(sites, people, config, self._arrays, _rng(config.seed, 5))
        self.store_parameters = {
            m.code: StoreParameters(round(m.size, 4), round(m.conversion, 4)) for m in self._models
        }
        self._people = people
        self._truth: ChainTruth | None = None

    @property
    def dates(self) -> list[date]:
        return [self.start_date + timedelta(days=i) for i in range(self.config.days)]

    def _plans(self) -> Iterator[tuple[DayTraffic, DayPlan]]:
        return iter_day_plans(self._models, self._arrays, self.dates, self.config.seed)

    def iter_plans(self) -> Iterator[tuple[DayTraffic, DayPlan]]:
        """Each store-day's traffic and receipts as arrays, for simulators built on them
        (consultations in cxm.demo.simulator.staff)."""
        return self._plans()

    def iter_traffic(self) -> Iterator[dict]:
        """Traffic records, one per store per opening hour."""
        zones = [ZoneInfo(s["timezone"]) for s in self.stores]
        for day in self.dates:
            for model in self._models:
                traffic = day_traffic(model, day, self.config.seed)
                yield from traffic_records(model.code, zones[model.index], traffic)

    def iter_receipts(self) -> Iterator[dict]:
        """Native FNS receipts (the `receipt` object of the FNS app's export)."""
        formatter = ReceiptFormatter(
            self.stores,
            [[self.registers[k] for k in s["registers"]] for s in self.stores],
            [SellerPrint(p.aliases, p.inn) for p in self._people],
            self._arrays.names,
            self._arrays.is_service.tolist(),
            self.user_inn,
        )
        for _, plan in self._plans():
            yield from formatter.receipts(plan)

    def truth(self) -> ChainTruth:
        """Ground truth, computed (once) from the generator's arrays, not from the records."""
        if self._truth is None:
            accumulator = TruthAccumulator(
                [s["code"] for s in self.stores], [s["code"] for s in self.sellers]
            )
            for traffic, plan in self._plans():
                accumulator.add(traffic, plan)
            accumulator.truth.seller_skill = dict(self.seller_skill)
            accumulator.truth.store_parameters = dict(self.store_parameters)
            self._truth = accumulator.truth
        return self._truth


def simulate_chain(config: SimulationConfig) -> SimulatedChain:
    """A deterministic simulated chain: the same config gives the same records."""
    return SimulatedChain(config)


def write_contract_files(chain: SimulatedChain, directory: Path | str) -> dict[str, Path]:
    """stores.jsonl, sellers.jsonl, traffic.jsonl and receipts.jsonl in `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    sources = {
        "stores": iter(chain.stores),
        "sellers": iter(chain.sellers),
        "traffic": chain.iter_traffic(),
        "receipts": chain.iter_receipts(),
    }
    paths = {}
    for kind, records in sources.items():
        path = paths[kind] = directory / f"{kind}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False))
                out.write("\n")
    return paths


def _rng(seed: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, 0, purpose])


def _seller_records(stores: list[dict], people: list[Person], per_store: int) -> list[dict]:
    records = []
    for i, person in enumerate(people):
        store = stores[i // per_store]["code"]
        records.append(
            {
                "code": f"{store}-S{i % per_store + 1}",
                "name": person.name,
                "store": store,
                "aliases": list(person.aliases),
            }
        )
    return records


def _registers(stores: list[dict], rng: np.random.Generator) -> dict[str, Register]:
    """Each register (kktRegId) with its fiscal drive's 16-digit number."""
    registers, drives = {}, set()
    for store in stores:
        for kkt in store["registers"]:
            drive = "7380440" + "".join(str(d) for d in rng.integers(0, 10, size=9))
            while drive in drives:
                drive = "7380440" + "".join(str(d) for d in rng.integers(0, 10, size=9))
            drives.add(drive)
            registers[kkt] = Register(kkt, drive)
    return registers


def _store_models(
    sites: list[StoreSite],
    people: list[Person],
    config: SimulationConfig,
    arrays: CatalogArrays,
    rng: np.random.Generator,
) -> list[StoreModel]:
    """Hidden store parameters: size drives traffic; bigger stores convert a little worse
    (more browsers per buyer)."""
    models = []
    per_store = config.sellers_per_store
    for index, site in enumerate(sites):
        size = float(np.clip(rng.lognormal(0.0, 0.3), 0.5, 2.0))
        conversion = float(np.clip(0.24 * rng.lognormal(0.0, 0.12) * size**-0.15, 0.12, 0.4))
        sellers = np.arange(index * per_store, (index + 1) * per_store)
        skills = [people[i].skill for i in sellers]
        models.append(
            StoreModel(
                index=index,
                code=site.record["code"],
                hours=site.hours,
                size=size,
                conversion=conversion,
                registers=len(site.record["registers"]),
                sellers=sellers,
                seller_conversion=np.array([s.conversion for s in skills]),
                seller_ticket=np.array([s.ticket for s in skills]),
                anchors=arrays.anchor_sampler([s.ticket for s in skills]),
                intensity=config.intensity,
            )
        )
    return models
