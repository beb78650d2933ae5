"""Traffic and sales of one store on one day, as numpy arrays ("day plans").

Every store-day draws from its own generators, seeded by (seed, stream, store, date), so the
traffic of a day is the same whether or not its receipts are generated, and a day's numbers do
not depend on where the simulated period starts. The one thing carried between days is each
store's pool of earlier sales that customers may bring back (returns)."""

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import NamedTuple

import numpy as np

from cxm.demo.simulator.catalog import CatalogArrays, Sampler

TRAFFIC_STREAM, SALES_STREAM = 1, 2

BASE_DAILY_VISITORS = 650.0
# Monday first: people shop at weekends.
WEEKDAY_FACTOR = np.array([0.85, 0.85, 0.9, 0.95, 1.1, 1.4, 1.25])
# January first: quiet after the holidays, Black Friday in November, gifts in December.
MONTH_FACTOR = np.array([0.8, 0.85, 0.9, 0.9, 0.95, 0.95, 0.95, 1.0, 1.0, 1.0, 1.15, 1.35])
SELF_CHECKOUT_SHARE = 0.03
RETURN_SHARE = 0.02  # of all receipts
CASH_SHARE, MIXED_SHARE = 0.22, 0.03
DISCOUNT_SHARE = 0.07
SELF_CHECKOUT_TICKET = 0.6  # nobody suggests an accessory at a kiosk
MAX_LINES = 5
RETURNABLE_PER_DAY, RETURNABLE_KEPT = 40, 400
FEW_CDF = np.array([0.75, 0.93, 0.98, 1.0])  # 1, 2, 3 or 4 pieces of a cheap accessory


@dataclass(frozen=True)
class StoreModel:
    """What generation needs to know about a store; size and conversion are hidden truth."""

    index: int
    code: str
    hours: tuple[tuple[int, int], ...]  # (open, close) hour by weekday, Monday first
    size: float  # traffic multiplier
    conversion: float  # base chance that a visitor buys, before seller and hour effects
    registers: int
    sellers: np.ndarray  # global seller indices
    seller_conversion: np.ndarray
    seller_ticket: np.ndarray
    anchors: Sampler  # first product: row = store-local seller, last row = self-checkout
    # Scales every store's visitors (and so all that follows them) for a thinner chain, e.g.
    # the 200-store year of the analytics benchmark; 1 is the demo's lifelike intensity.
    intensity: float = 1.0


@dataclass(frozen=True)
class DayTraffic:
    day: date
    open_hour: int
    visitors_in: np.ndarray  # per opening hour
    visitors_out: np.ndarray


@dataclass
class DayPlan:
    """One store-day's receipts, sorted by time. Lines of receipt i are
    line_*[line_offsets[i]:line_offsets[i + 1]]; quantities are in thousandths."""

    store: int
    day: date
    on_shift: np.ndarray  # global seller indices
    time_s: np.ndarray  # seconds after local midnight
    operation: np.ndarray  # 1 sale, 2 return
    seller: np.ndarray  # global seller index, -1 for self-checkout
    register: np.ndarray  # index into the store's registers
    cash: np.ndarray  # kopecks paid in cash (rest by card)
    total: np.ndarray
    fiscal_sign: np.ndarray
    line_offsets: np.ndarray
    line_product: np.ndarray
    line_price: np.ndarray
    line_qty: np.ndarray
    line_sum: np.ndarray


class Returns(NamedTuple):
    """A day's return receipts, one line each."""

    seconds: np.ndarray
    seller: np.ndarray
    product: np.ndarray
    price: np.ndarray
    qty: np.ndarray


@dataclass
class Returnable:
    """Lines of earlier sales that may come back, per store (oldest first)."""

    # (product, price paid, quantity in thousandths), oldest first
    lines: deque = field(default_factory=lambda: deque(maxlen=RETURNABLE_KEPT))


def _rng(seed: int, stream: int, store: int, day: date) -> np.random.Generator:
    return np.random.default_rng([seed, stream, store, day.toordinal()])


def _hour_weights(open_hour: int, close_hour: int) -> np.ndarray:
    """Visitors by hour: a lunchtime and a larger after-work peak over a base level."""
    mid = np.arange(open_hour, close_hour) + 0.5
    return (
        0.35
        + 0.9 * np.exp(-(((mid - 13.5) / 1.6) ** 2))
        + 1.1 * np.exp(-(((mid - 18.5) / 1.8) ** 2))
    )


def day_traffic(store: StoreModel, day: date, seed: int) -> DayTraffic:
    rng = _rng(seed, TRAFFIC_STREAM, store.index, day)
    open_hour, close_hour = store.hours[day.weekday()]
    weights = _hour_weights(open_hour, close_hour)
    daily = (
        BASE_DAILY_VISITORS
        * store.size
        * store.intensity
        * WEEKDAY_FACTOR[day.weekday()]
        * MONTH_FACTOR[day.month - 1]
        * (close_hour - open_hour)
        / 12.0
        * rng.lognormal(0.0, 0.08)
    )
    # Gamma noise on each hour's mean makes counts over-dispersed, as real counters are.
    mean = daily * weights / weights.sum() * rng.gamma(20.0, 1.0 / 20.0, size=len(weights))
    ins = rng.poisson(mean)
    # Most visitors leave within the hour they came; the rest the next hour; all by closing.
    leave_now = rng.binomial(ins, 0.6)
    outs = leave_now.copy()
    outs[1:] += (ins - leave_now)[:-1]
    outs[-1] += ins[-1] - leave_now[-1]
    return DayTraffic(day, open_hour, ins, outs)


def _on_shift(n: int, rng: np.random.Generator) -> np.ndarray:
    """Store-local indices of the sellers working today (about 3–4 of 5)."""
    if n <= 2:
        return np.arange(n)
    k = int(rng.integers(ceil(0.6 * n), ceil(0.8 * n) + 1))
    return np.sort(rng.choice(n, size=k, replace=False))


def _sales_counts(
    store: StoreModel, traffic: DayTraffic, shift: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sales by (hour, on-shift seller): visitors are shared among the sellers working, each
    converts them at store conversion × seller skill × hour effect."""
    hours = len(traffic.visitors_in)
    served = rng.multinomial(traffic.visitors_in, np.full(len(shift), 1.0 / len(shift)))
    # Evening visitors come with a purpose more often than lunchtime browsers.
    hour_effect = 0.85 + 0.3 * np.arange(hours) / max(hours - 1, 1)
    p = store.conversion * hour_effect[:, None] * store.seller_conversion[shift][None, :]
    return rng.binomial(served, np.clip(p, 0.0, 0.95))


def _extras(
    cat: CatalogArrays, anchor: np.ndarray, ticket: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Extra lines per basket (count, then products drawn from the anchor group's pool)."""
    group = cat.group[anchor]
    n_extra = np.minimum(rng.poisson(cat.attach_rate[group] * ticket**1.5), MAX_LINES - 1)
    return n_extra, cat.extras.draw(np.repeat(group, n_extra), rng)


def _lines(
    cat: CatalogArrays,
    anchor: np.ndarray,
    n_extra: np.ndarray,
    extra: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """Basket lines (receipt, product, price, quantity in thousandths); a product drawn twice
    for one basket becomes one line with a larger quantity."""
    n = len(anchor)
    receipt = np.repeat(np.arange(n), 1 + n_extra)
    product = np.empty(len(receipt), dtype=np.int64)
    # Where each basket's lines start (none on a day without sales, at a thin chain's store).
    starts = (np.cumsum(1 + n_extra) - (1 + n_extra)).astype(np.int64)
    is_anchor = np.zeros(len(receipt), dtype=bool)
    is_anchor[starts] = True
    product[is_anchor] = anchor
    product[~is_anchor] = extra
    key = receipt * len(cat.names) + product
    _, first, count = np.unique(key, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")  # keep the anchor first, extras in drawn order
    first, count = first[order], count[order]
    receipt, product = receipt[first], product[first]
    qty = _quantities(cat, product, rng) * count
    price = cat.price[product]
    discounted = rng.random(len(price)) < DISCOUNT_SHARE
    off = rng.integers(1, 4, size=int(discounted.sum())) * 0.05  # 5, 10 or 15 % off
    price[discounted] = np.round(price[discounted] * (1.0 - off) / 100.0).astype(np.int64) * 100
    return receipt, product, price, qty


def _quantities(cat: CatalogArrays, product: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kind = cat.qty_kind[product]
    qty = np.full(len(product), 1000, dtype=np.int64)
    few = kind == 1
    pieces = np.searchsorted(FEW_CDF, rng.random(int(few.sum())), side="right") + 1
    qty[few] = np.minimum(pieces, len(FEW_CDF)) * 1000
    metre = kind == 2  # sold by the metre, in half metres
    qty[metre] = rng.integers(2, 21, size=int(metre.sum())) * 500
    return qty


def day_plan(
    store: StoreModel,
    cat: CatalogArrays,
    traffic: DayTraffic,
    returnable: Returnable,
    seed: int,
) -> DayPlan:
    """A store-day's receipts: sales drawn from traffic, plus returns of earlier sales."""
    rng = _rng(seed, SALES_STREAM, store.index, traffic.day)
    shift = _on_shift(len(store.sellers), rng)
    counts = _sales_counts(store, traffic, shift, rng)
    hour = np.repeat(np.repeat(np.arange(counts.shape[0]), counts.shape[1]), counts.ravel())
    slot = np.repeat(np.tile(np.arange(len(shift)), counts.shape[0]), counts.ravel())
    slot[rng.random(len(slot)) < SELF_CHECKOUT_SHARE] = -1
    local = np.where(slot >= 0, shift[np.maximum(slot, 0)], len(store.sellers))
    anchor = store.anchors.draw(local, rng)
    ticket = np.where(slot >= 0, store.seller_ticket[shift][slot], SELF_CHECKOUT_TICKET)
    n_extra, extra = _extras(cat, anchor, ticket, rng)
    receipt, product, price, qty = _lines(cat, anchor, n_extra, extra, rng)
    seconds = (traffic.open_hour + hour) * 3600 + rng.integers(0, 3600, size=len(hour))
    seller = np.where(slot >= 0, store.sellers[shift][np.maximum(slot, 0)], -1)

    ret = _returns(store, traffic, shift, returnable, len(hour), rng)
    _remember(cat, returnable, product, price, qty, rng)
    n_sales, n_ret = len(hour), len(ret.seconds)
    time_s = np.concatenate((seconds, ret.seconds))
    order = np.argsort(time_s, kind="stable")
    lengths = np.concatenate((np.bincount(receipt, minlength=n_sales), np.ones(n_ret, int)))
    line_product = np.concatenate((product, ret.product))
    line_price = np.concatenate((price, ret.price))
    line_qty = np.concatenate((qty, ret.qty))
    line_order, offsets = _regroup(lengths, order)
    line_sum = line_price[line_order] * line_qty[line_order] // 1000
    total = np.add.reduceat(line_sum, offsets[:-1]) if len(order) else line_sum
    return DayPlan(
        store=store.index,
        day=traffic.day,
        on_shift=store.sellers[shift],
        time_s=time_s[order],
        operation=np.concatenate((np.ones(n_sales, int), np.full(n_ret, 2)))[order],
        seller=np.concatenate((seller, ret.seller))[order],
        register=rng.integers(0, store.registers, size=len(order)),
        cash=_cash(total, rng),
        total=total,
        fiscal_sign=rng.integers(1_000_000_000, 4_294_967_296, size=len(order)),
        line_offsets=offsets,
        line_product=line_product[line_order],
        line_price=line_price[line_order],
        line_qty=line_qty[line_order],
        line_sum=line_sum,
    )


def _returns(
    store: StoreModel,
    traffic: DayTraffic,
    shift: np.ndarray,
    returnable: Returnable,
    n_sales: int,
    rng: np.random.Generator,
) -> "Returns":
    """Returns today: one line of an earlier sale each (whole quantity, the price paid),
    handled by a seller on shift at a random time while the store is open."""
    pool = returnable.lines
    n = min(int(rng.binomial(n_sales, RETURN_SHARE / (1 - RETURN_SHARE))), len(pool))
    picked = sorted(rng.choice(len(pool), size=n, replace=False).tolist(), reverse=True)
    lines = [pool[i] for i in picked]
    for i in picked:  # each sale comes back at most once
        del pool[i]
    close_hour = store.hours[traffic.day.weekday()][1]
    seconds = rng.integers(traffic.open_hour * 3600, close_hour * 3600, size=n)
    seller = store.sellers[shift][rng.integers(0, len(shift), size=n)]
    columns = np.array(lines, dtype=np.int64).reshape(n, 3)
    return Returns(seconds, seller, columns[:, 0], columns[:, 1], columns[:, 2])


def _remember(
    cat: CatalogArrays,
    returnable: Returnable,
    product: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Keep a sample of today's goods lines (services are not brought back) for returns."""
    goods = np.flatnonzero(~cat.is_service[product])
    if not len(goods):
        return
    keep = rng.choice(goods, size=min(RETURNABLE_PER_DAY, len(goods)), replace=False)
    for i in np.sort(keep).tolist():
        returnable.lines.append((int(product[i]), int(price[i]), int(qty[i])))


def _regroup(lengths: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line indices that put receipts' lines in `order`, and the new line offsets."""
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    new_lengths = lengths[order]
    offsets = np.concatenate(([0], np.cumsum(new_lengths))).astype(np.int64)
    within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], new_lengths)
    return np.repeat(starts[order], new_lengths) + within, offsets


def _cash(total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cash part of each payment: all, none, or whole hundreds of roubles with the rest by
    card."""
    u = rng.random(len(total))
    share = rng.uniform(0.2, 0.8, size=len(total))
    part = (total * share // 10_000).astype(np.int64) * 10_000
    return np.where(u < CASH_SHARE, total, np.where(u < CASH_SHARE + MIXED_SHARE, part, 0))


def iter_day_plans(
    stores: list[StoreModel], cat: CatalogArrays, days: list[date], seed: int
) -> Iterator[tuple[DayTraffic, DayPlan]]:
    """All store-days, day by day and store by store within a day."""
    returnable = [Returnable() for _ in stores]
    for day in days:
        for store in stores:
            traffic = day_traffic(store, day, seed)
            yield traffic, day_plan(store, cat, traffic, returnable[store.index], seed)
