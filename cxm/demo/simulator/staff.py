"""Simulated front-line staff: consultations consistent with the simulated receipts, and
service-standard checklists whose compliance drives consultation conversion.

Planted truth:

- Almost every sale of a seller (COVERED) is preceded by that seller's consultation, started
  1–25 minutes before it and after their previous sale. The others are quick sales nobody
  registered.
- Besides those, each seller has failed consultations (сбой продаж): placed between their
  sales, they end in no sale. The number is set by the seller's hidden standard level:
  consultation conversion ≈ 0.2 + 0.6 × level, so sellers who keep the standard convert more.
- Each failed consultation has a reason; "service" (the standard was not kept) is more
  likely for a seller with a low level, and on a recorded "service" failure the steps
  needs discovery and accessory offer are skipped far more often (the typical errors).
- Checklists: a mystery-shopper visit per store about once a week, and QA checklists of a
  sample of recorded consultations (source `recording`, linked to the consultation).
  Each item is kept with probability ≈ the seller's level.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from cxm.demo.simulator.chain import SimulatedChain
from cxm.demo.simulator.sales import DayPlan, DayTraffic

STAFF_STREAM = 3
COVERED = 0.97  # share of sales preceded by the seller's consultation
MIN_GAP_S = 120  # consultations of one seller are at least this far apart
MAX_LEAD_S = 25 * 60  # a converted consultation starts at most this long before its sale
VISIT_CHANCE = 1 / 7  # a mystery shopper per store-day
RECORDING_SHARE = 0.05  # consultations a QA person scores from the recording
REASONS = ("service", "browsing", "price", "out_of_stock")

TEMPLATE_CODE = "standard"
TEMPLATE_NAME = "Стандарт обслуживания ТехноМир"
# (code, factor, text, points, weight, critical, N/A allowed)
STANDARD_ITEMS: tuple[dict, ...] = tuple(
    dict(
        zip(
            ("code", "factor", "text", "points", "weight", "critical", "na_allowed"),
            row,
            strict=True,
        )
    )
    for row in (
        ("greet", "Приветствие", "Поздоровался в течение 30 секунд", 1, 1, True, False),
        ("smile", "Приветствие", "Улыбка, зрительный контакт", 1, 1, False, False),
        ("open_question", "Выявление потребностей", "Задал открытый вопрос", 2, 1.5, False, False),
        ("needs", "Выявление потребностей", "Уточнил бюджет и задачи", 2, 1.5, False, False),
        ("benefits", "Презентация", "Рассказал о выгодах, а не о свойствах", 2, 1, False, False),
        ("demo", "Презентация", "Предложил потрогать, включить товар", 1, 1, False, True),
        (
            "accessory",
            "Предложение аксессуаров",
            "Предложил аксессуар к покупке",
            2,
            1.5,
            False,
            True,
        ),
        ("service", "Предложение аксессуаров", "Предложил услугу или страховку", 1, 1, False, True),
        ("closing", "Завершение", "Предложил оформить покупку", 2, 1, False, False),
        ("farewell", "Завершение", "Попрощался, пригласил вернуться", 1, 0.5, False, False),
    )
)
# Steps skipped when a sale is lost for want of the standard.
TYPICAL_ERRORS = ("needs", "accessory")


@dataclass
class StaffTruth:
    failed: dict[str, bool] = field(default_factory=dict)  # consultation id → failed
    reason: dict[str, str] = field(default_factory=dict)  # failed consultation id → why
    # converted consultation id → the local moment of the sale it ended in (its receipt's)
    sale: dict[str, str] = field(default_factory=dict)
    seller_level: dict[str, float] = field(default_factory=dict)  # hidden standard level


def target_conversion(level: float) -> float:
    """The planted link: a seller's consultation conversion from their standard level."""
    return 0.2 + 0.6 * level


@dataclass
class StaffDay:
    consultations: list[dict]
    checklists: list[dict]
    failed: dict[str, bool]
    reason: dict[str, str]
    sale: dict[str, str]


class StaffSimulation:
    """Consultations and checklists of a simulated chain; deterministic from its seed."""

    def __init__(self, chain: SimulatedChain):
        self.chain = chain
        rng = np.random.default_rng([chain.config.seed, STAFF_STREAM])
        self.levels = {
            code: float(
                np.clip(0.5 + 0.5 * (skill.conversion - 1.0) + rng.normal(0, 0.05), 0.3, 0.95)
            )
            for code, skill in chain.seller_skill.items()
        }
        self._truth: StaffTruth | None = None

    def iter_days(self) -> Iterator[StaffDay]:
        for traffic, plan in self.chain.iter_plans():
            yield self._day(traffic, plan)

    def iter_consultations(self) -> Iterator[dict]:
        for day in self.iter_days():
            yield from day.consultations

    def iter_checklists(self) -> Iterator[dict]:
        for day in self.iter_days():
            yield from day.checklists

    def truth(self) -> StaffTruth:
        if self._truth is None:
            truth = StaffTruth(seller_level=dict(self.levels))
            for day in self.iter_days():
                truth.failed.update(day.failed)
                truth.reason.update(day.reason)
                truth.sale.update(day.sale)
            self._truth = truth
        return self._truth

    def _day(self, traffic: DayTraffic, plan: DayPlan) -> StaffDay:
        chain = self.chain
        store = chain.stores[plan.store]
        rng = np.random.default_rng(
            [chain.config.seed, STAFF_STREAM, plan.store, plan.day.toordinal()]
        )
        tz = ZoneInfo(store["timezone"])
        midnight = datetime.combine(plan.day, time(), tzinfo=tz)
        open_s = traffic.open_hour * 3600
        close_s = open_s + len(traffic.visitors_in) * 3600
        events = []  # (seconds, seller code, sale second or None, reason or None)
        for seller in plan.on_shift.tolist():
            code = chain.sellers[seller]["code"]
            sales = np.sort(plan.time_s[(plan.seller == seller) & (plan.operation == 1)])
            events += _seller_day(sales, open_s, close_s, self.levels[code], rng, code)
        events.sort(key=lambda e: (e[0], e[1]))
        day = StaffDay([], [], {}, {}, {})
        prefix = f"C-{store['code']}-{plan.day:%Y%m%d}"
        for n, (start, seller, sale, reason) in enumerate(events, start=1):
            cid = f"{prefix}-{n:04d}"
            end = (
                sale - int(rng.integers(0, 60))
                if sale is not None
                else start + int(rng.integers(120, 600))
            )
            day.consultations.append(
                {
                    "id": cid,
                    "store": store["code"],
                    "seller": seller,
                    "started_at": (midnight + timedelta(seconds=int(start))).isoformat(),
                    "ended_at": (midnight + timedelta(seconds=int(max(end, start)))).isoformat(),
                }
            )
            day.failed[cid] = sale is None
            if sale is not None:
                moment = midnight + timedelta(seconds=int(sale))
                day.sale[cid] = moment.strftime("%Y-%m-%dT%H:%M:%S")
            if reason:
                day.reason[cid] = reason
            if rng.random() < RECORDING_SHARE:
                at = midnight + timedelta(seconds=int(start))
                day.checklists.append(
                    self._checklist(f"R-{cid}", store, seller, at, rng, reason, cid)
                )
        if len(plan.on_shift) and rng.random() < VISIT_CHANCE:
            seller = chain.sellers[int(rng.choice(plan.on_shift))]["code"]
            at = midnight + timedelta(seconds=int(rng.integers(open_s, close_s)))
            cid = f"V-{store['code']}-{plan.day:%Y%m%d}"
            day.checklists.append(self._checklist(cid, store, seller, at, rng, None, None))
        return day

    def _checklist(
        self,
        cid: str,
        store: dict,
        seller: str,
        at: datetime,
        rng: np.random.Generator,
        reason: str | None,
        consultation: str | None,
    ) -> dict:
        level = self.levels[seller]
        answers = {}
        for item in STANDARD_ITEMS:
            if item["na_allowed"] and rng.random() < 0.1:
                answers[item["code"]] = "na"
                continue
            keep = level if not item["critical"] else 0.97
            if reason == "service" and item["code"] in TYPICAL_ERRORS:
                keep = 0.2
            answers[item["code"]] = "yes" if rng.random() < keep else "no"
        record = {
            "id": cid,
            "store": store["code"],
            "seller": seller,
            "at": at.isoformat(),
            "template": TEMPLATE_CODE,
            "answers": answers,
            "evaluator": "QA" if consultation else "Тайный покупатель",
            "source": "recording" if consultation else "visit",
        }
        if consultation:
            record["consultation"] = consultation
        return record


def _seller_day(
    sales: np.ndarray,
    open_s: int,
    close_s: int,
    level: float,
    rng: np.random.Generator,
    code: str,
) -> list[tuple[int, str, int | None, str | None]]:
    """One seller's consultations of a day: one before most sales, failed ones in between."""
    events: list[tuple[int, str, int | None, str | None]] = []
    gaps = []  # where a failed consultation may go: after a sale, before the next event
    previous = open_s
    for sale in sales.tolist():
        lower = previous + MIN_GAP_S
        start = None
        if rng.random() < COVERED and sale - lower >= MIN_GAP_S:
            start = sale - int(rng.integers(60, min(MAX_LEAD_S, sale - lower) + 1))
            events.append((start, code, sale, None))
        gaps.append((previous + MIN_GAP_S, (start if start is not None else sale) - MIN_GAP_S))
        previous = sale
    gaps.append((previous + MIN_GAP_S, close_s - MIN_GAP_S))
    gaps = [(a, b) for a, b in gaps if b > a]
    covered = len(events)
    q = target_conversion(level)
    n_failed = int(rng.poisson(max(covered, 1) * (1 - q) / q))
    if not gaps or not n_failed:
        return events
    lengths = np.array([b - a for a, b in gaps], dtype=float)
    picked = rng.choice(len(gaps), size=n_failed, p=lengths / lengths.sum())
    service_chance = float(np.clip(1.2 * (1 - level), 0.1, 0.8))
    placed: dict[int, list[int]] = {}
    for gap in picked.tolist():
        a, b = gaps[gap]
        start = int(rng.integers(a, b + 1))
        if any(abs(start - other) < MIN_GAP_S for other in placed.get(gap, [])):
            continue  # too close to another: the seller was still busy
        placed.setdefault(gap, []).append(start)
        other = str(rng.choice(REASONS[1:]))
        reason = "service" if rng.random() < service_chance else other
        events.append((start, code, None, reason))
    return events
