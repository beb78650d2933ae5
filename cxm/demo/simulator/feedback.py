"""Customer voice of a simulated chain: feedback-terminal presses and QR survey answers, each
tied to a simulated sale receipt (its store, seller and fiscal identity), with known truth.

Every sale's customer has a hidden experience x ~ N(mood of the store, 1). Their 0–10
recommend answer is round(7.4 + 1.9·x + ε), ε ~ N(0, 1), clipped to 0…10; their rating of the
planted driver factor (`DRIVER`: the seller's courtesy) follows x closely, the other factors
do not depend on x at all. So the store's true NPS has a closed form (the recommend answer
before rounding is normal), and the driver is the one factor that explains NPS. A terminal
press follows x too (excellent … bad).

The other questions carry a planted dimension structure (the factor analysis's ground truth):
each customer also has a hidden opinion z ~ N(0, 1) of each dimension of the bank (physical
aspects, reliability, …), independent of x; a question's rating is 3.6 + 0.8·z of its
dimension + noise, so the questions of one dimension correlate (0.79 before rounding) and
those of different dimensions do not; each question's spread is what it was without them."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import stats

from cxm.feedback.banks import BANKS, FACTORS_PER_SURVEY

FEEDBACK_STREAM = 7
BANK = "rsqs"
DRIVER = "rsqs_personal_courtesy"
RECOMMEND_BASE, RECOMMEND_SLOPE, RECOMMEND_NOISE = 7.4, 1.9, 1.0
# A non-driver question: mean, spread, and its loading on its dimension's hidden opinion.
RATING_MEAN, RATING_SPREAD, DIMENSION_LOADING = 3.6, 0.9, 0.8
PRESS_LEVELS = ((1.0, "excellent"), (0.2, "good"), (-0.5, "neutral"), (-1.2, "poor"))
PRESS_DELAY_S = 30  # a customer presses half a minute after paying, at their till's terminal
TERMINAL_BUSY_S = 10  # the chain's default repeat interval: a terminal this busy is skipped
FLOOD_SHARE = 0.01  # a child drums on the screen: a few extra presses within seconds
# One seller hands the QR code only to customers who look happy (selective surveying).
SELECTIVE_HAPPY_EDGE, SELECTIVE_BOOST = 0.3, 8.0
# After answering, everyone sees the store's review links; promoters follow them far more.
PROMOTER_CLICK, OTHER_CLICK = 0.3, 0.03
# Most unhappy customers answer the terminal's follow-up question; waiting is the top reason.
REASONS, REASON_WEIGHTS, REASON_ANSWERED = (
    ("wait", "staff", "assortment", "price", "other"),
    (0.35, 0.25, 0.2, 0.15, 0.05),
    0.6,
)


@dataclass(frozen=True)
class StoreVoice:
    """Hidden per-store parameters of customer voice."""

    mood: float  # mean customer experience
    response_rate: float  # share of sale receipts whose customer opens the QR survey
    decline_share: float  # of those, the share who press "decline"
    press_rate: float  # share of sale receipts followed by a terminal press


def true_nps(mood: float) -> float:
    """The store's population NPS: 100·(P(answer ≥ 9) − P(answer ≤ 6))."""
    spread = float(np.hypot(RECOMMEND_SLOPE, RECOMMEND_NOISE))
    mean = RECOMMEND_BASE + RECOMMEND_SLOPE * mood
    promoters = stats.norm.sf(8.5, mean, spread)
    detractors = stats.norm.cdf(6.5, mean, spread)
    return float(100 * (promoters - detractors))


def recommend_scores(experience: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    raw = (
        RECOMMEND_BASE
        + RECOMMEND_SLOPE * experience
        + rng.normal(0, RECOMMEND_NOISE, len(experience))
    )
    return np.clip(np.rint(raw), 0, 10).astype(int)


@dataclass
class VoiceTruth:
    bank: str = BANK
    driver: str = DRIVER
    selective_seller: str | None = None  # the seller who surveys only happy customers
    store_voice: dict[str, StoreVoice] = field(default_factory=dict)
    store_nps: dict[str, float] = field(default_factory=dict)  # true population NPS
    # The planted dimension of each question but the driver (which follows the experience).
    dimensions: dict[str, str] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)  # answered, per store
    declined: dict[str, int] = field(default_factory=dict)
    positive: dict[str, int] = field(default_factory=dict)  # counted presses, per store
    negative: dict[str, int] = field(default_factory=dict)
    receipts: dict[str, int] = field(default_factory=dict)  # sale receipts, per store
    # Review-link clicks after answers (outside the import contract: the page counts them):
    # (store, platform, promoter, the answer's `id`).
    clicks: list[tuple[str, str, bool, str]] = field(default_factory=list)

    def iel(self, store: str) -> float:
        return 100 * (self.positive[store] - self.negative[store]) / self.receipts[store]


def store_voices(codes: list[str], rng: np.random.Generator) -> dict[str, StoreVoice]:
    return {
        code: StoreVoice(
            mood=round(float(rng.normal(0.0, 0.35)), 3),
            response_rate=round(float(rng.uniform(0.04, 0.1)), 3),
            decline_share=round(float(rng.uniform(0.1, 0.3)), 3),
            press_rate=round(float(rng.uniform(0.1, 0.25)), 3),
        )
        for code in codes
    }


class VoiceGenerator:
    """Turns a stream of simulated receipts into `presses` and `survey_responses` records."""

    def __init__(self, stores: list[dict], sellers: list[dict], seed: int):
        self.seed = seed
        self.store_of_register = {reg: s["code"] for s in stores for reg in s["registers"]}
        self.seller_of_alias = {a: s["code"] for s in sellers for a in s["aliases"]}
        voices = store_voices([s["code"] for s in stores], _rng(seed, 0))
        self.truth = VoiceTruth(
            store_voice=voices, store_nps={c: true_nps(v.mood) for c, v in voices.items()}
        )
        for counter in ("responses", "declined", "positive", "negative", "receipts"):
            setattr(self.truth, counter, dict.fromkeys(voices, 0))
        self._factors = [q.code for q in BANKS[BANK]]
        self.truth.dimensions = {q.code: q.dimension for q in BANKS[BANK] if q.code != DRIVER}
        # Hidden opinions of the dimensions from a stream of their own: the other draws
        # (and so every other figure of the chain) are those of a chain without them.
        self._opinions = _rng(seed, 2)
        self._last_press: dict[str, datetime] = {}
        last_store = stores[-1]["code"]
        self.truth.selective_seller = next(s["code"] for s in sellers if s["store"] == last_store)

    def records(self, receipts: Iterator[dict]) -> Iterator[tuple[str, dict]]:
        """(kind, record) for every press and survey answer, in receipt order."""
        rng = _rng(self.seed, 1)
        for receipt in receipts:
            if receipt["operationType"] != 1:
                continue
            store = self.store_of_register[receipt["kktRegId"]]
            self.truth.receipts[store] += 1
            voice = self.truth.store_voice[store]
            experience = rng.normal(voice.mood, 1.0)
            press_draw, survey_draw = rng.random(2)
            if press_draw < voice.press_rate:
                yield from self._presses(receipt, store, experience, rng)
            if survey_draw < self._survey_rate(receipt, voice, experience):
                yield "survey_responses", self._answer(receipt, store, voice, experience, rng)

    def _survey_rate(self, receipt: dict, voice: StoreVoice, experience: float) -> float:
        if self.seller_of_alias.get(receipt["operator"]) != self.truth.selective_seller:
            return voice.response_rate
        happy = experience > SELECTIVE_HAPPY_EDGE
        return voice.response_rate * SELECTIVE_BOOST if happy else 0.0

    def _common(self, receipt: dict, store: str, prefix: str, delay_s: int) -> dict:
        at = datetime.fromisoformat(receipt["dateTime"]) + timedelta(seconds=delay_s)
        return {
            "id": f"{prefix}-{receipt['fiscalDriveNumber']}-{receipt['fiscalDocumentNumber']}",
            "store": store,
            "at": at.isoformat(),
        }

    def _presses(
        self, receipt: dict, store: str, x: float, rng: np.random.Generator
    ) -> Iterator[tuple[str, dict]]:
        """The customer's press, skipped while the till's terminal was just pressed; now and
        then a flood of repeats that the import must ignore (and the truth does not count)."""
        terminal = receipt["kktRegId"]
        at = datetime.fromisoformat(receipt["dateTime"]) + timedelta(seconds=PRESS_DELAY_S)
        last = self._last_press.get(terminal)
        if last is not None and (at - last).total_seconds() < TERMINAL_BUSY_S:
            return
        self._last_press[terminal] = at
        press = self._press(receipt, store, x, rng)
        yield "presses", press
        if rng.random() < FLOOD_SHARE:
            for extra in range(1, int(rng.integers(2, 6))):
                again = at + timedelta(seconds=extra)
                yield "presses", {**press, "id": f"{press['id']}-{extra}", "at": again.isoformat()}

    def _press(self, receipt: dict, store: str, x: float, rng: np.random.Generator) -> dict:
        level = x + rng.normal(0, 0.5)
        button = next((name for edge, name in PRESS_LEVELS if level > edge), "bad")
        if button in ("excellent", "good"):
            self.truth.positive[store] += 1
        elif button in ("poor", "bad"):
            self.truth.negative[store] += 1
        record = {
            **self._common(receipt, store, "P", PRESS_DELAY_S),
            "terminal": receipt["kktRegId"],
            "button": button,
        }
        if button in ("poor", "bad") and rng.random() < REASON_ANSWERED:
            record["reason"] = str(rng.choice(REASONS, p=REASON_WEIGHTS))
        seller = self.seller_of_alias.get(receipt["operator"])
        if seller and rng.random() < 0.4:  # some customers also pick the seller's photo
            record["seller"] = seller
        return record

    def _answer(
        self, receipt: dict, store: str, voice: StoreVoice, x: float, rng: np.random.Generator
    ) -> dict:
        record = {
            **self._common(receipt, store, "Q", int(rng.integers(60, 3 * 3600))),
            "channel": "qr",
            "receipt": {"fn": receipt["fiscalDriveNumber"], "fd": receipt["fiscalDocumentNumber"]},
        }
        if rng.random() < voice.decline_share:
            self.truth.declined[store] += 1
            self._click(store, record["id"], False, rng)
            return {**record, "declined": True}
        self.truth.responses[store] += 1
        asked = rng.choice(len(self._factors), size=FACTORS_PER_SURVEY, replace=False)
        dimensions = sorted(set(self.truth.dimensions.values()))
        opinion = dict(zip(dimensions, self._opinions.normal(size=len(dimensions)), strict=True))
        own_spread = float(np.sqrt(RATING_SPREAD**2 - DIMENSION_LOADING**2))
        answers = {}
        for i in sorted(asked.tolist()):
            code = self._factors[i]
            if code == DRIVER:
                mean, noise = 3.2 + 1.1 * x, 0.6
            else:
                mean = RATING_MEAN + DIMENSION_LOADING * opinion[self.truth.dimensions[code]]
                noise = own_spread
            answers[code] = int(np.clip(np.rint(mean + rng.normal(0, noise)), 1, 5))
        nps = int(recommend_scores(np.array([x]), rng)[0])
        self._click(store, record["id"], nps >= 9, rng)
        return {**record, "nps": nps, "answers": answers}

    def _click(self, store: str, answer: str, promoter: bool, rng: np.random.Generator) -> None:
        if rng.random() < (PROMOTER_CLICK if promoter else OTHER_CLICK):
            platform = ("yandex", "2gis", "google")[int(rng.integers(0, 3))]
            self.truth.clicks.append((store, platform, promoter, answer))


def _rng(seed: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, FEEDBACK_STREAM, purpose])


def simulate_voice(chain) -> tuple[dict[str, list[dict]], VoiceTruth]:
    """Presses and survey answers of a SimulatedChain's sales, by import kind, with the truth."""
    generator = VoiceGenerator(chain.stores, chain.sellers, chain.config.seed)
    records: dict[str, list[dict]] = {"presses": [], "survey_responses": []}
    for kind, record in generator.records(chain.iter_receipts()):
        records[kind].append(record)
    return records, generator.truth
