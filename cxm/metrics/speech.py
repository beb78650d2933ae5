"""What a seller's speech contained, judged against the receipt that followed it, and the
speech figures of a group of transcripts (DESIGN.md §3, analysis 7). No Django here.

* cross-sell offer rate — receipts whose preceding speech offered something fitting the
  receipt's categories / receipts (with speech) where an offer was expected;
* right-form rate — transcripts with a fitting offer and no form to avoid / transcripts
  with a fitting offer: «возьмите чехол» is right, «чехол не нужен?» is not;
* engagement-opening rate — transcripts with an open engaging question in their first
  30 seconds / transcripts;
* promo offer rate — single-item receipts whose speech named the promotion / single-item
  receipts with speech;
* average ticket with and without an offer, over receipts where an offer was expected.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cxm.metrics.kpi import kopecks_to_roubles, ratio
from cxm.metrics.phrases import Hit, PhraseBook, tokenize

CROSS_SELL, PROMO, OPENING, WRONG_FORM = "cross_sell", "promo", "opening", "wrong_form"
EMPATHY, EXPERTISE, LEAVE_REASON = "empathy", "expertise", "leave_reason"
OPENING_SECONDS = 30.0
WORDS_PER_SECOND = 2.5  # conversational Russian


@dataclass(frozen=True, slots=True)
class Mark:
    """A phrase heard: where it is in the text, for highlighting excerpts."""

    kind: str
    target: str
    start: int  # character offsets
    end: int
    at: float  # seconds from the transcript's start
    negated: bool = False


@dataclass(frozen=True)
class Heard:
    """What one transcript's speech contained."""

    offered: frozenset[str]  # categories something fitting was offered for, any form
    promo: bool
    opening: bool  # open engaging question in the first OPENING_SECONDS
    wrong_form: bool  # a form to avoid, or an offer made as a closed negative question
    empathy: bool
    expertise: bool
    leave_reasons: frozenset[str]
    marks: tuple[Mark, ...] = field(default=(), compare=False)

    def offer_for(self, categories: Iterable[str]) -> bool:
        return not self.offered.isdisjoint(categories)


def hear(
    book: PhraseBook,
    text: str,
    duration_s: float,
    word_times: Sequence[float] | None = None,
) -> Heard:
    """Find the book's phrases in a transcript. `word_times` are the start seconds of the
    engine's words; without them the words are taken at a talking pace from the start."""
    tokens = tokenize(text)
    hits = book.find(tokens)
    times = _token_times(len(tokens), duration_s, word_times)
    marks = tuple(_mark(hit, tokens, times) for hit in hits)
    kinds = {m.kind for m in marks}
    return Heard(
        offered=frozenset(m.target for m in marks if m.kind == CROSS_SELL),
        promo=PROMO in kinds,
        opening=any(m.kind == OPENING and m.at <= OPENING_SECONDS for m in marks),
        wrong_form=WRONG_FORM in kinds or any(m.negated for m in marks),
        empathy=EMPATHY in kinds,
        expertise=EXPERTISE in kinds,
        leave_reasons=frozenset(m.target for m in marks if m.kind == LEAVE_REASON),
        marks=marks,
    )


def _token_times(count: int, duration_s: float, word_times: Sequence[float] | None) -> list[float]:
    if word_times:
        # The text and the engine's words are the same speech: map by relative position.
        last = len(word_times) - 1
        return [
            float(word_times[min(round(i * last / max(count - 1, 1)), last)]) for i in range(count)
        ]
    # No times: words at a talking pace from the start, squeezed into the duration when the
    # text is denser than that; a long consultation's silences are not spread between them.
    return [min(i / WORDS_PER_SECOND, duration_s * i / max(count, 1)) for i in range(count)]


def _mark(hit: Hit, tokens, times: list[float]) -> Mark:
    return Mark(
        kind=hit.phrase.kind,
        target=hit.phrase.target,
        start=tokens[hit.first].start,
        end=tokens[hit.last].end,
        at=times[hit.first],
        negated=hit.negated,
    )


@dataclass(frozen=True)
class Contact:
    """One transcript with the receipt it led to (None: no sale followed)."""

    heard: Heard
    categories: frozenset[str] = frozenset()  # categories of the receipt's items
    expected: bool = False  # some receipt category has offers to expect
    items: int = 0  # lines of the receipt
    total: int = 0  # kopecks


@dataclass
class SpeechFigures:
    transcripts: int = 0
    openings: int = 0
    offers: int = 0  # transcripts with a fitting offer (receipt expected one)
    right_form: int = 0
    expected: int = 0  # receipts with speech where an offer was expected
    offered: int = 0
    single_item: int = 0
    promo_offered: int = 0
    with_offer_total: int = 0  # kopecks
    without_offer_total: int = 0
    empathy: int = 0
    expertise: int = 0

    def add(self, contact: Contact) -> None:
        heard = contact.heard
        self.transcripts += 1
        self.openings += heard.opening
        self.empathy += heard.empathy
        self.expertise += heard.expertise
        if contact.expected:
            offered = heard.offer_for(contact.categories)
            self.expected += 1
            self.offered += offered
            self.offers += offered
            self.right_form += offered and not heard.wrong_form
            if offered:
                self.with_offer_total += contact.total
            else:
                self.without_offer_total += contact.total
        if contact.items == 1:
            self.single_item += 1
            self.promo_offered += heard.promo

    @property
    def cross_sell_offer_rate(self) -> float | None:
        return ratio(self.offered, self.expected)

    @property
    def right_form_rate(self) -> float | None:
        return ratio(self.right_form, self.offers)

    @property
    def engagement_opening_rate(self) -> float | None:
        return ratio(self.openings, self.transcripts)

    @property
    def promo_offer_rate(self) -> float | None:
        return ratio(self.promo_offered, self.single_item)

    @property
    def average_ticket_with_offer(self) -> Decimal | None:
        return _ticket(self.with_offer_total, self.offered)

    @property
    def average_ticket_without_offer(self) -> Decimal | None:
        return _ticket(self.without_offer_total, self.expected - self.offered)

    def as_row(self) -> dict:
        return {
            "transcripts": self.transcripts,
            "offers_expected": self.expected,
            "offers_made": self.offered,
            "cross_sell_offer_rate": self.cross_sell_offer_rate,
            "right_form_rate": self.right_form_rate,
            "engagement_opening_rate": self.engagement_opening_rate,
            "single_item_receipts": self.single_item,
            "promo_offer_rate": self.promo_offer_rate,
            "average_ticket_with_offer": self.average_ticket_with_offer,
            "average_ticket_without_offer": self.average_ticket_without_offer,
            "empathy_rate": ratio(self.empathy, self.transcripts),
            "expertise_rate": ratio(self.expertise, self.transcripts),
        }


def _ticket(total: int, receipts: int) -> Decimal | None:
    return kopecks_to_roubles(Decimal(total) / receipts) if receipts else None


@dataclass(frozen=True)
class DetectionQuality:
    precision: float | None
    recall: float | None
    n: int


def detection_quality(predicted: Sequence[bool], actual: Sequence[bool]) -> DetectionQuality:
    """Precision and recall of a detector against labels."""
    pairs = list(zip(predicted, actual, strict=True))
    hits = sum(p and a for p, a in pairs)
    return DetectionQuality(
        ratio(hits, sum(p for p, _ in pairs)), ratio(hits, sum(a for _, a in pairs)), len(pairs)
    )


def labelled_detection(
    book: PhraseBook, rows: Sequence[dict[str, str]]
) -> tuple[DetectionQuality, DetectionQuality]:
    """Precision and recall of offers (fitting the row's `category`, any form) and of the
    wrong form, against rows labelled `offer` and `wrong_form` ("1" or "0")."""
    heard = [hear(book, row["text"], 10.0) for row in rows]
    offers = detection_quality(
        [h.offer_for({row["category"]}) for h, row in zip(heard, rows, strict=True)],
        [row["offer"] == "1" for row in rows],
    )
    wrong = detection_quality(
        [h.wrong_form for h in heard], [row["wrong_form"] == "1" for row in rows]
    )
    return offers, wrong
