"""Simulated speech analytics and emotion monitoring, built on the simulated consultations.

Planted truth:

- A share of consultations is recorded and transcribed; the transcript spans the
  consultation, its seller is the consultation's.
- Each seller has a hidden offer habit `offer_p`, rising with their ticket skill: before a
  sale whose receipt holds a device, they offer a fitting accessory or service with that
  probability (always when the customer then bought one — it was offered). A share
  `wrong_form_p` of their offers is made as a closed negative question («чехол не нужен?»).
- Engaging opening with the seller's `opening_p`; on a single-item sale the promotion is
  named with `promo_p`.
- A failed consultation's transcript carries the customer's reason (cxm.demo.simulator.staff
  plants it): price, out of stock, or wanting to think (browsing); a "service" failure
  carries none — the customer just left. The seller names the product talked about: the
  sold category, or for a failed consultation one drawn by its reason (REASON_PRODUCTS:
  price complaints gather on TVs and laptops, missing stock on phones, thinking it over on
  appliances), so the reasons per category are planted too.
- Half the transcripts come with speaker turns (seller / customer), as a diarising engine
  gives them; in those the customer also says things that would read as the seller's offer,
  wrong form or promotion, or the seller as a price complaint, were turns ignored
  (CUSTOMER_ASIDES, SELLER_ASIDES) — the planted offers must still be recovered.
- Emotions: one observation of the seller and one of the customer per consultation; the
  seller smiles with their hidden `smile_p`, the customer is happy more often when the
  seller smiled.

Phrases are drawn from banks written apart from the default rules, with diminutives and
recognition-error spellings, so recovering the truth tests the matching too.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from cxm.demo.simulator.catalog import (
    APPLIANCES,
    AUDIO_CATEGORY,
    LAPTOPS,
    SMARTPHONES,
    TABLETS,
    TVS,
)
from cxm.demo.simulator.chain import SimulatedChain
from cxm.demo.simulator.staff import StaffSimulation

SPEECH_STREAM = 8
# Shares of consultations recorded and transcribed, and scored by the emotion camera: small,
# since the demo analyses every transcript as it starts; tests ask for more.
TRANSCRIBED = 0.02
OBSERVED = 0.03
SPEECH_RATE = 2.2  # words a second

OFFERS = {
    SMARTPHONES: (
        "давайте подберём к нему чехол",
        "рекомендую сразу наклеить защитное стекло",
        "есть чехольчики под эту модель",
        "можем оформить страховку от падения",
        "наушники беспроводные к нему посмотрите",
        "предложил бы чихол к нему",
        "зарядку быструю возьмите в комплект",
    ),
    TABLETS: ("к планшету советую чехол книжку", "стилус возьмёте для заметок"),
    TVS: (
        "к телевизору понадобится кронштейн",
        "кабель хдми возьмите сразу",
        "саундбар рекомендую для звука",
        "можем установить его у вас дома",
    ),
    LAPTOPS: (
        "к ноутбуку рекомендую сумку",
        "мышку беспроводную добавим",
        "антивирус на год поставим сразу",
    ),
    APPLIANCES: ("запасные фильтры к нему возьмите", "продлить гарантию можно недорого"),
    AUDIO_CATEGORY: ("к наушникам возьмите кейс", "кабель запасной пригодится"),
}
WRONG_OFFERS = {
    SMARTPHONES: ("чехол не нужен", "стекло защитное не хотите"),
    TABLETS: ("чехол на планшет не нужен",),
    TVS: ("кронштейн вам не нужен", "установку заказывать не будете"),
    LAPTOPS: ("мышка не нужна", "сумку брать не будете"),
    APPLIANCES: ("фильтры не нужны вам",),
    AUDIO_CATEGORY: ("чехол для наушников не нужен",),
}
OPENINGS = (
    "подскажите для каких задач выбираете",
    "расскажите что для вас важно в технике",
    "что присматриваете сегодня",
    "как планируете пользоваться",
)
CLOSED_OPENINGS = ("вам что нибудь подсказать", "могу помочь")
TALK = (
    "вот эта модель сейчас самая популярная",
    "посмотрите как удобно лежит в руке",
    "работает быстро и тихо",
    "цвет есть тёмный и светлый",
    "давайте я включу и покажу",
    "по отзывам покупатели довольны",
    "понимаю вас, давайте разберёмся вместе",
    "процессор у неё быстрый и диагональ большая",
)
PROMO = ("сейчас по акции второй товар со скидкой", "на эту покупку действует спецпредложение")
CLOSINGS = ("оплата на кассе", "спасибо за покупку", "пройдёмте к кассе")
REASONS = {
    "price": ("дороговато для меня", "в другом месте дешевле"),
    "out_of_stock": ("жаль что нет в наличии", "а этот цвет закончился"),
    "browsing": ("я пока подумаю", "посоветуюсь с женой и вернусь позже"),
}
# The staff simulator's failure reasons as the default leave-reason codes.
REASON_CODES = {"price": "price", "out_of_stock": "out_of_stock", "browsing": "think"}
# How the seller names the product (written apart from the default product rules).
PRODUCT_NAMES = {
    SMARTPHONES: ("смартфон", "телефончик", "айфон"),
    TVS: ("телевизор", "телевизор побольше"),
    LAPTOPS: ("ноутбук", "ноутбук для работы"),
    TABLETS: ("планшет",),
    APPLIANCES: ("пылесос", "холодильник", "стиральная машина"),
    AUDIO_CATEGORY: ("портативная колонка", "гарнитура"),
}
PRODUCT_ORDER = (SMARTPHONES, TVS, LAPTOPS, TABLETS, APPLIANCES, AUDIO_CATEGORY)
# The product a customer who left was looking at, by why they left (weights of PRODUCT_ORDER).
REASON_PRODUCTS = {
    "price": (1, 4, 3, 1, 1, 1),
    "out_of_stock": (5, 1, 1, 1, 1, 1),
    "browsing": (1, 1, 1, 1, 4, 1),
    None: (3, 2, 2, 1, 2, 1),
}
TURNS = 0.5  # share of transcripts with speaker turns
# With turns: what the customer says that would read as the seller's offer, wrong form or
# promotion without them; and the seller's words that would read as a price complaint.
CUSTOMER_ASIDES = (
    "чехол мне не нужен",
    "а зарядка в комплекте есть",
    "кабель у меня уже есть",
    "а скидка на него есть",
)
SELLER_ASIDES = ("это совсем не дорого для такой модели",)
SELLER, CUSTOMER = "seller", "customer"


@dataclass
class SellerSpeech:
    offer_p: float
    wrong_form_p: float
    opening_p: float
    promo_p: float
    smile_p: float


@dataclass
class SpeechTruth:
    habits: dict[str, SellerSpeech] = field(default_factory=dict)
    offered: dict[str, bool] = field(default_factory=dict)  # transcript → fitting offer made
    wrong_form: dict[str, bool] = field(default_factory=dict)
    opened: dict[str, bool] = field(default_factory=dict)  # transcript → engaging opening
    reason: dict[str, str] = field(default_factory=dict)  # transcript → leave reason code
    product: dict[str, str] = field(default_factory=dict)  # transcript → category named
    turned: set[str] = field(default_factory=set)  # transcripts sent with speaker turns
    # seller observation → (seller, smiled)
    smiled: dict[str, tuple[str, bool]] = field(default_factory=dict)


class SpeechSimulation:
    """Transcripts and emotion observations of a simulated chain; deterministic."""

    def __init__(
        self,
        chain: SimulatedChain,
        *,
        transcribed: float = TRANSCRIBED,
        observed: float = OBSERVED,
    ):
        self.chain = chain
        self.staff = StaffSimulation(chain)
        self.transcribed = transcribed
        self.observed = observed
        rng = np.random.default_rng([chain.config.seed, SPEECH_STREAM])
        self.habits = {}
        for code, skill in sorted(chain.seller_skill.items()):
            self.habits[code] = SellerSpeech(
                offer_p=float(
                    np.clip(0.45 + 0.9 * (skill.ticket - 1) + rng.normal(0, 0.1), 0.1, 0.95)
                ),
                wrong_form_p=float(rng.uniform(0.05, 0.5)),
                opening_p=float(rng.uniform(0.2, 0.9)),
                promo_p=float(rng.uniform(0.1, 0.8)),
                smile_p=float(rng.uniform(0.3, 0.95)),
            )
        self.truth = SpeechTruth(habits=dict(self.habits))

    def iter_records(self) -> Iterator[tuple[str, dict]]:
        """("transcripts" | "emotions", record), consultation by consultation."""
        reasons = self.staff.truth().reason
        for (_, plan), day in zip(self.chain.iter_plans(), self.staff.iter_days(), strict=True):
            sales = self._sales(plan)
            ends = _recording_ends(day.consultations)
            for consultation in day.consultations:
                rng = np.random.default_rng(
                    [self.chain.config.seed, SPEECH_STREAM, *map(ord, consultation["id"][-14:])]
                )
                if rng.random() < self.observed:
                    yield from self._emotions(consultation, rng)
                if rng.random() < self.transcribed:
                    sale = _sale_after(sales, consultation)
                    recorded = {**consultation, "ended_at": ends[consultation["id"]]}
                    yield (
                        "transcripts",
                        self._transcript(recorded, sale, reasons.get(consultation["id"]), rng),
                    )

    def _sales(self, plan) -> dict[str, list[tuple[int, frozenset[str], int]]]:
        """Per seller code: (second of the day, categories, lines) of each sale."""
        sales: dict[str, list[tuple[int, frozenset[str], int]]] = {}
        offsets = plan.line_offsets.tolist()
        products = plan.line_product.tolist()
        for i, (second, seller, operation) in enumerate(
            zip(plan.time_s.tolist(), plan.seller.tolist(), plan.operation.tolist(), strict=True)
        ):
            if seller < 0 or operation != 1:
                continue
            lines = products[offsets[i] : offsets[i + 1]]
            categories = frozenset(self.chain.catalog[p].category for p in lines)
            code = self.chain.sellers[seller]["code"]
            sales.setdefault(code, []).append((int(second), categories, len(lines)))
        return sales

    def _transcript(
        self, consultation: dict, sale, reason: str | None, rng: np.random.Generator
    ) -> dict:
        code = "T-" + consultation["id"]
        habit = self.habits[consultation["seller"]]
        # Draws of the product and the turns come from a stream of their own, so the offer,
        # opening and promotion draws are the same with or without them.
        side = np.random.default_rng(
            [self.chain.config.seed, SPEECH_STREAM, 1, *map(ord, consultation["id"][-14:])]
        )
        turned = bool(side.random() < TURNS)
        said: list[tuple[str, str]] = [(SELLER, "здравствуйте")]
        opened = bool(rng.random() < habit.opening_p)
        self.truth.opened[code] = opened
        said.append((SELLER, _pick(OPENINGS if opened else CLOSED_OPENINGS, rng)))
        product = self._product(sale, reason, side)
        said.append((SELLER, f"это {_pick(PRODUCT_NAMES[product], side)} из новой линейки"))
        self.truth.product[code] = product
        said += [(SELLER, _pick(TALK, rng)) for _ in range(int(rng.integers(2, 5)))]
        if turned and side.random() < 0.5:
            said.append((CUSTOMER, _pick(CUSTOMER_ASIDES, side)))
        offered = wrong = False
        if sale is not None:
            categories, lines = sale
            fitting = sorted(categories & set(OFFERS))
            if fitting:
                attached = lines > 1
                if attached or rng.random() < habit.offer_p:
                    offered = True
                    wrong = rng.random() < habit.wrong_form_p
                    bank = WRONG_OFFERS if wrong else OFFERS
                    said.append((SELLER, _pick(bank[fitting[0]], rng)))
            if lines == 1 and rng.random() < habit.promo_p:
                said.append((SELLER, _pick(PROMO, rng)))
            said.append((SELLER, _pick(CLOSINGS, rng)))
        elif reason in REASONS:
            if turned and side.random() < 0.5:
                said.append((SELLER, _pick(SELLER_ASIDES, side)))
            said.append((CUSTOMER, _pick(REASONS[reason], rng)))
            self.truth.reason[code] = REASON_CODES[reason]
        self.truth.offered[code] = offered
        self.truth.wrong_form[code] = wrong
        record = {
            "id": code,
            "store": consultation["store"],
            "seller": consultation["seller"],
            "started_at": consultation["started_at"],
            "ended_at": consultation["ended_at"],
        }
        if turned:
            self.truth.turned.add(code)
            record["turns"] = _turns(said)
            text = "\n".join(turn["text"] for turn in record["turns"])
        else:
            text = record["text"] = " ".join(s.capitalize() + "." for _, s in said)
        if rng.random() < 0.5:
            record["words"] = _words(text, consultation)
        return record

    def _product(self, sale, reason: str | None, rng: np.random.Generator) -> str:
        """The category the seller names: the sold one that offers fit (else any sold one
        with a name), or for a consultation without a sale one drawn by the reason."""
        if sale is not None:
            categories = sale[0]
            named = sorted(categories & set(OFFERS)) or sorted(categories & set(PRODUCT_NAMES))
            if named:
                return named[0]
        weights = np.array(REASON_PRODUCTS.get(reason, REASON_PRODUCTS[None]), dtype=float)
        return PRODUCT_ORDER[int(rng.choice(len(PRODUCT_ORDER), p=weights / weights.sum()))]

    def _emotions(self, consultation: dict, rng: np.random.Generator) -> Iterator[tuple[str, dict]]:
        habit = self.habits[consultation["seller"]]
        smiled = bool(rng.random() < habit.smile_p)
        happy = bool(rng.random() < (0.6 if smiled else 0.25))
        base = {"store": consultation["store"], "at": consultation["started_at"]}
        seller_code = "E-" + consultation["id"] + "-s"
        self.truth.smiled[seller_code] = (consultation["seller"], smiled)
        yield (
            "emotions",
            {
                **base,
                "id": seller_code,
                "seller": consultation["seller"],
                "subject": "seller",
                "emotion": "happy" if smiled else "neutral",
                "smile": round(float(rng.uniform(0.6, 1.0) if smiled else rng.uniform(0, 0.4)), 2),
            },
        )
        yield (
            "emotions",
            {
                **base,
                "id": "E-" + consultation["id"] + "-c",
                "seller": consultation["seller"],
                "subject": "customer",
                "emotion": "happy" if happy else str(rng.choice(["neutral", "sad", "surprised"])),
            },
        )


def _turns(said: list[tuple[str, str]]) -> list[dict]:
    """Speaker turns: a speaker's sentences in a row are one turn."""
    turns: list[dict] = []
    for who, sentence in said:
        sentence = sentence.capitalize() + "."
        if turns and turns[-1]["speaker"] == who:
            turns[-1]["text"] += " " + sentence
        else:
            turns.append({"speaker": who, "text": sentence})
    return turns


def _pick(bank: tuple[str, ...], rng: np.random.Generator) -> str:
    return bank[int(rng.integers(len(bank)))]


def _recording_ends(consultations: list[dict]) -> dict[str, str]:
    """A recording ends with its consultation, or when the seller's next one starts: a
    failed consultation may still be open in the staff data when the seller greets the
    next customer, but a voice recorder hears one conversation at a time."""
    ends = {}
    by_seller: dict[str, list[dict]] = {}
    for c in consultations:
        by_seller.setdefault(c["seller"], []).append(c)
    for rows in by_seller.values():
        rows.sort(key=lambda c: c["started_at"])
        for c, following in zip(rows, rows[1:] + [None], strict=True):
            end = datetime.fromisoformat(c["ended_at"])
            if following is not None:
                end = min(
                    end, datetime.fromisoformat(following["started_at"]) - timedelta(seconds=1)
                )
            ends[c["id"]] = max(end, datetime.fromisoformat(c["started_at"])).isoformat()
    return ends


def _sale_after(
    sales: dict[str, list[tuple[int, frozenset[str], int]]], consultation: dict
) -> tuple[frozenset[str], int] | None:
    """The sale a converted consultation led to: the staff simulator ends it up to a minute
    before that sale of its seller."""
    end = datetime.fromisoformat(consultation["ended_at"])
    second = end.hour * 3600 + end.minute * 60 + end.second
    for at, categories, lines in sales.get(consultation["seller"], ()):
        if 0 <= at - second <= 60:
            return categories, lines
    return None


def _words(text: str, consultation: dict) -> list[dict]:
    """The engine's words with times: at SPEECH_RATE, squeezed into the conversation."""
    words = text.replace(".", "").split()  # the turns' line breaks are spaces too
    span = (
        datetime.fromisoformat(consultation["ended_at"])
        - datetime.fromisoformat(consultation["started_at"])
    ).total_seconds()
    step = min(1 / SPEECH_RATE, span / max(len(words), 1))
    return [
        {"w": w, "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
        for i, w in enumerate(words)
    ]
