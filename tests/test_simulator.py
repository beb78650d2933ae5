"""The simulator: contract-valid records, internal consistency, determinism, and a ground
truth that matches what the emitted records add up to. Plain pytest, no database."""

import json
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from cxm.demo.simulator import (
    CATALOG,
    CATEGORIES,
    SELF_CHECKOUT,
    SimulationConfig,
    simulate_chain,
    write_contract_files,
)

END = date(2026, 8, 31)
SMALL = SimulationConfig(stores=3, sellers_per_store=5, days=10, seed=7, end_date=END)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(scope="module")
def small():
    chain = simulate_chain(SMALL)
    return chain, list(chain.iter_receipts()), list(chain.iter_traffic())


@pytest.fixture(scope="module")
def default_chain():
    return simulate_chain(SimulationConfig(end_date=END))


def test_same_config_same_records():
    config = SimulationConfig(stores=4, days=5, seed=3, end_date=END)
    a, b = simulate_chain(config), simulate_chain(config)
    assert a.stores == b.stores and a.sellers == b.sellers
    assert list(a.iter_receipts()) == list(b.iter_receipts())
    assert list(a.iter_traffic()) == list(b.iter_traffic())
    # and iterating twice over one chain starts afresh
    assert list(islice(a.iter_receipts(), 50)) == list(islice(b.iter_receipts(), 50))


def test_other_seed_other_records():
    a = simulate_chain(SimulationConfig(stores=2, days=3, seed=1, end_date=END))
    b = simulate_chain(SimulationConfig(stores=2, days=3, seed=2, end_date=END))
    assert list(a.iter_receipts()) != list(b.iter_receipts())


def test_period_ends_yesterday_by_default():
    chain = simulate_chain(SimulationConfig(stores=1, days=3))
    assert chain.end_date == date.today() - timedelta(days=1)
    assert len(chain.dates) == 3 and chain.dates[-1] == chain.end_date


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        SimulationConfig(stores=0)
    with pytest.raises(ValueError, match="intensity"):
        SimulationConfig(intensity=0)


def test_a_thin_chain_has_fewer_visitors_and_days_without_a_sale():
    """At 1 % of the demo's visitors (the 200-store benchmark's kind of chain) many
    store-days sell nothing; they are simulated, not a crash."""
    full = simulate_chain(SimulationConfig(stores=2, days=14, seed=5, end_date=END))
    thin = simulate_chain(SimulationConfig(stores=2, days=14, seed=5, end_date=END, intensity=0.01))
    visitors = [sum(r["visitors_in"] for r in chain.iter_traffic()) for chain in (full, thin)]
    assert visitors[1] == pytest.approx(visitors[0] * 0.01, rel=0.3)
    truth = thin.truth().store_days
    assert any(figures.receipts == 0 for figures in truth.values())
    assert sum(f.receipts for f in truth.values()) == sum(
        1 for r in thin.iter_receipts() if r["operationType"] == 1
    )


def test_store_records(default_chain):
    stores = default_chain.stores
    assert len(stores) == 12
    assert len({s["code"] for s in stores}) == 12 and len({s["name"] for s in stores}) == 12
    assert len({s["city"] for s in stores}) >= 4
    assert len({s["timezone"] for s in stores}) >= 3
    registers = [r for s in stores for r in s["registers"]]
    assert len(registers) == len(set(registers))
    for store in stores:
        ZoneInfo(store["timezone"])  # a valid IANA zone
        assert store["region"] and store["city"] in store["address"]
        assert 41 < store["lat"] < 70 and 19 < store["lon"] < 180
        assert 1 <= len(store["registers"]) <= 2
        assert all(len(r) == 16 and r.isdigit() for r in store["registers"])
        assert list(store["opening_hours"]) == list(WEEKDAYS)
        for opens, closes in store["opening_hours"].values():
            assert time.fromisoformat(opens) < time.fromisoformat(closes)
        assert set(store["review_links"]) == {"yandex", "2gis", "google"}
        assert all(u.startswith("https://") for u in store["review_links"].values())


def test_time_zones_fit_the_cities(default_chain):
    zones = {s["city"]: s["timezone"] for s in default_chain.stores}
    assert zones["Москва"] == zones["Санкт-Петербург"] == zones["Казань"] == "Europe/Moscow"
    assert zones["Екатеринбург"] == "Asia/Yekaterinburg"
    assert zones["Новосибирск"] == "Asia/Novosibirsk"
    assert zones["Владивосток"] == "Asia/Vladivostok"


def test_seller_records(default_chain):
    sellers = default_chain.sellers
    assert len(sellers) == 60
    assert len({s["code"] for s in sellers}) == 60
    store_codes = {s["code"] for s in default_chain.stores}
    aliases = [a for s in sellers for a in s["aliases"]]
    assert len(aliases) == len(set(aliases))  # every alias names one seller
    for seller in sellers:
        assert seller["store"] in store_codes and seller["code"].startswith(seller["store"])
        assert len(seller["name"].split()) == 3
        assert seller["aliases"] and SELF_CHECKOUT not in seller["aliases"]
    assert set(default_chain.seller_skill) == {s["code"] for s in sellers}


def test_larger_chains_cycle_through_cities():
    chain = simulate_chain(SimulationConfig(stores=200, sellers_per_store=1, days=1, end_date=END))
    assert len({s["code"] for s in chain.stores}) == 200
    assert len({s["name"] for s in chain.stores}) == 200
    assert len({s["city"] for s in chain.stores}) >= 10


def test_receipts_are_consistent(small):
    chain, receipts, _ = small
    stores = {s["name"]: s for s in chain.stores}
    per_drive: dict[str, list[int]] = defaultdict(list)
    for r in receipts:
        assert r["totalSum"] == sum(item["sum"] for item in r["items"])
        assert r["cashTotalSum"] + r["ecashTotalSum"] == r["totalSum"]
        assert r["cashTotalSum"] >= 0 and r["ecashTotalSum"] >= 0
        assert 1 <= len(r["items"]) <= 5 and r["operationType"] in (1, 2)
        for item in r["items"]:
            assert item["sum"] == item["price"] * item["quantity"] > 0
        store = stores[r["retailPlace"]]
        assert r["kktRegId"] in store["registers"]
        assert r["retailPlaceAddress"] == store["address"]
        assert len(r["fiscalDriveNumber"]) == 16 and len(r["fiscalSign"]) == 10
        assert len(r["userInn"]) == 10
        assert len(r["operatorInn"]) == (0 if r["operator"] == SELF_CHECKOUT else 12)
        per_drive[r["fiscalDriveNumber"]].append(r["fiscalDocumentNumber"])
    for numbers in per_drive.values():  # unique and consecutive from 1, in emission order
        assert numbers == list(range(1, len(numbers) + 1))


def test_receipts_fall_in_opening_hours(small):
    chain, receipts, _ = small
    stores = {s["name"]: s for s in chain.stores}
    for r in receipts:
        moment = datetime.fromisoformat(r["dateTime"])
        assert moment.tzinfo is None  # FNS local wall time
        assert END - timedelta(days=SMALL.days) < moment.date() <= END
        opens, closes = stores[r["retailPlace"]]["opening_hours"][WEEKDAYS[moment.weekday()]]
        assert time.fromisoformat(opens) <= moment.time() < time.fromisoformat(closes)


def test_fiscal_drive_numbers_follow_time(small):
    _, receipts, _ = small
    last: dict[str, str] = {}
    for r in receipts:
        drive = r["fiscalDriveNumber"]
        assert r["dateTime"] >= last.get(drive, "")
        last[drive] = r["dateTime"]


def test_operators_shares_and_returns(small):
    chain, receipts, _ = small
    sellers_of = {a: s for s in chain.sellers for a in s["aliases"]}
    stores = {s["name"]: s["code"] for s in chain.stores}
    kinds = Counter(r["operationType"] for r in receipts)
    kiosk = sum(r["operator"] == SELF_CHECKOUT for r in receipts)
    assert 0.005 < kinds[2] / len(receipts) < 0.04
    assert 0.01 < kiosk / len(receipts) < 0.06
    for r in receipts:
        if r["operator"] != SELF_CHECKOUT:
            assert sellers_of[r["operator"]]["store"] == stores[r["retailPlace"]]
        else:
            assert r["operationType"] == 1
    # about 3–4 of a store's 5 sellers work each day
    working = defaultdict(set)
    for r in receipts:
        if r["operator"] != SELF_CHECKOUT:
            working[(r["retailPlace"], r["dateTime"][:10])].add(r["operator"])
    assert all(2 <= len(names) <= 4 for names in working.values())


def test_baskets_look_like_an_electronics_store(default_chain):
    products = {p.name: p for p in CATALOG}
    receipts = list(islice(default_chain.iter_receipts(), 20_000))
    sales = [r for r in receipts if r["operationType"] == 1]
    firsts = Counter(products[r["items"][0]["name"]].category for r in sales)
    assert set(firsts) >= set(CATEGORIES) - {"Услуги"}
    ticket = sum(r["totalSum"] for r in sales) / len(sales) / 100
    assert 5_000 < ticket < 30_000  # roubles
    phones = [r for r in sales if products[r["items"][0]["name"]].category == "Смартфоны"]
    others = [r for r in sales if products[r["items"][0]["name"]].group == "accessory"]
    attached = sum(len(r["items"]) > 1 for r in phones) / len(phones)
    assert attached > 2 * sum(len(r["items"]) > 1 for r in others) / len(others)


def test_catalog_is_large_and_categorised():
    assert len(CATALOG) >= 60
    assert len({p.name for p in CATALOG}) == len(CATALOG)
    assert {p.category for p in CATALOG} == set(CATEGORIES)
    assert all(p.price > 0 and p.price % 100 == 0 for p in CATALOG)


def test_traffic_records(small):
    chain, _, traffic = small
    stores = {s["code"]: s for s in chain.stores}
    seen = set()
    for t in traffic:
        start = datetime.fromisoformat(t["start"])
        store = stores[t["store"]]
        assert start.utcoffset() == start.replace(tzinfo=ZoneInfo(store["timezone"])).utcoffset()
        opens, closes = store["opening_hours"][WEEKDAYS[start.weekday()]]
        assert time.fromisoformat(opens) <= start.time() < time.fromisoformat(closes)
        assert t["minutes"] == 60 and t["visitors_in"] >= 0 and t["visitors_out"] >= 0
        seen.add((t["store"], t["start"]))
    assert len(seen) == len(traffic)
    days = defaultdict(lambda: [0, 0])
    for t in traffic:
        day = days[(t["store"], t["start"][:10])]
        day[0] += t["visitors_in"]
        day[1] += t["visitors_out"]
    assert all(vin == vout for vin, vout in days.values())  # everyone leaves by closing


def test_weekends_busier_than_weekdays(default_chain):
    truth = default_chain.truth()
    by_weekday = defaultdict(list)
    for (_, day), figures in truth.store_days.items():
        by_weekday[day.weekday() >= 5].append(figures.traffic)
    weekend = sum(by_weekday[True]) / len(by_weekday[True])
    weekday = sum(by_weekday[False]) / len(by_weekday[False])
    assert weekend > 1.15 * weekday


def _recompute(chain, receipts, traffic):
    """Truth figures rebuilt from the emitted records alone."""
    store_of_place = {s["name"]: s["code"] for s in chain.stores}
    seller_of = {a: s["code"] for s in chain.sellers for a in s["aliases"]}
    stores = defaultdict(
        lambda: {"revenue": 0, "receipts": 0, "returns": 0, "units": Decimal(0), "traffic": 0}
    )
    sellers = defaultdict(lambda: {"revenue": 0, "receipts": 0, "returns": 0, "units": Decimal(0)})
    for r in receipts:
        day = date.fromisoformat(r["dateTime"][:10])
        sign = 1 if r["operationType"] == 1 else -1
        units = sum(Decimal(str(i["quantity"])) for i in r["items"])
        targets = [stores[(store_of_place[r["retailPlace"]], day)]]
        if r["operator"] != SELF_CHECKOUT:
            targets.append(sellers[(seller_of[r["operator"]], day)])
        for figures in targets:
            figures["revenue"] += sign * r["totalSum"]
            figures["receipts" if sign == 1 else "returns"] += 1
            figures["units"] += sign * units
    for t in traffic:
        stores[(t["store"], date.fromisoformat(t["start"][:10]))]["traffic"] += t["visitors_in"]
    return stores, sellers


def test_truth_matches_the_records(small):
    chain, receipts, traffic = small
    truth = chain.truth()
    stores, sellers = _recompute(chain, receipts, traffic)
    assert {k: f.as_dict() for k, f in truth.store_days.items()} == dict(stores)
    assert len(truth.store_days) == SMALL.stores * SMALL.days
    for key, figures in truth.seller_days.items():
        expected = sellers.get(key, {"revenue": 0, "receipts": 0, "returns": 0, "units": 0})
        got = figures.as_dict()
        assert got.pop("traffic") is None
        assert got == expected
    assert set(sellers) <= set(truth.seller_days)
    totals = truth.totals()
    assert totals.revenue == sum(f["revenue"] for f in stores.values())
    assert totals.traffic == sum(t["visitors_in"] for t in traffic)
    assert sum(f.receipts for f in truth.store_totals().values()) == totals.receipts
    assert isinstance(totals.units, Decimal)


def test_conversion_is_plausible(default_chain):
    for code, figures in default_chain.truth().store_totals().items():
        assert 0.1 < figures.receipts / figures.traffic < 0.5, code


def test_skilled_sellers_convert_more(default_chain):
    """Within each store, the seller with the highest hidden conversion skill sells more
    receipts per shift than the one with the lowest (shifts share traffic equally)."""
    truth = default_chain.truth()
    shifts, receipts = Counter(), Counter()
    for (code, _), figures in truth.seller_days.items():
        shifts[code] += 1
        receipts[code] += figures.receipts
    wins = 0
    for store in default_chain.stores:
        mine = [s["code"] for s in default_chain.sellers if s["store"] == store["code"]]
        best = max(mine, key=lambda c: truth.seller_skill[c].conversion)
        worst = min(mine, key=lambda c: truth.seller_skill[c].conversion)
        wins += receipts[best] / shifts[best] > receipts[worst] / shifts[worst]
    assert wins >= 10


def test_contract_files(tmp_path, small):
    chain, receipts, traffic = small
    paths = write_contract_files(chain, tmp_path)
    assert set(paths) == {"stores", "sellers", "traffic", "receipts"}
    lines = paths["receipts"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == receipts
    assert "ТехноМир" in lines[0]  # ensure_ascii=False
    assert len(paths["traffic"].read_text(encoding="utf-8").splitlines()) == len(traffic)
    stores = [json.loads(line) for line in paths["stores"].read_text("utf-8").splitlines()]
    assert stores == chain.stores
