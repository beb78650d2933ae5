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
* average ticket with and without an offer, over receipts where an offer was expected;
* feedback after the contact — ИЭЛ, NPS and checklist compliance of the contacts with and
  without an offer, an empathy marker … (the press, answer and checklist tied to them).

Speaker turns. A transcript may say who spoke when (seller or customer). Then a phrase
counts only in the turns of the speaker its rule names: offers, the promotion, openings,
forms to avoid and the empathy and expertise markers in the seller's turns (a customer's
«чехол не нужен» is their answer, not the seller's wrong form; their «а чехол к нему
есть?» is no offer), reasons for leaving in the customer's (a seller's «это недорого» is
no price complaint) unless a rule says `any` — the default «нет в наличии» does: a seller
reporting the stock is the reason heard best. Without turns every phrase counts, as said.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cxm.metrics.kpi import kopecks_to_roubles, ratio
from cxm.metrics.nps import nps_group
from cxm.metrics.phrases import Hit, PhraseBook, Token, tokenize
from cxm.metrics.satisfaction import emotional_loyalty_index

CROSS_SELL, PROMO, OPENING, WRONG_FORM = "cross_sell", "promo", "opening", "wrong_form"
EMPATHY, EXPERTISE, LEAVE_REASON = "empathy", "expertise", "leave_reason"
PRODUCT = "product"  # the product talked about: target = its receipt category
OPENING_SECONDS = 30.0
WORDS_PER_SECOND = 2.5  # conversational Russian

SELLER, CUSTOMER, ANY = "seller", "customer", "any"
SPEAKERS = (SELLER, CUSTOMER)
# Whose turns a kind's phrases count in, unless its rule names a speaker.
DEFAULT_SPEAKER = {LEAVE_REASON: CUSTOMER, PRODUCT: ANY}


def speaker_of(kind: str, speaker: str = "") -> str:
    return speaker or DEFAULT_SPEAKER.get(kind, SELLER)


@dataclass(frozen=True, slots=True)
class Turn:
    """Who spoke a stretch of the text: character offsets, and the start in seconds from
    the transcript's start when the engine gave it."""

    speaker: str
    start: int
    end: int
    at: float | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    """A phrase heard: where it is in the text, for highlighting excerpts."""

    kind: str
    target: str
    start: int  # character offsets
    end: int
    at: float  # seconds from the transcript's start
    negated: bool = False
    speaker: str | None = None  # whose turn; None without turns


@dataclass(frozen=True)
class Heard:
    """What one transcript's speech contained (with turns: what counted, see above)."""

    offered: frozenset[str]  # categories something fitting was offered for, any form
    promo: bool
    opening: bool  # open engaging question in the first OPENING_SECONDS
    wrong_form: bool  # a form to avoid, or an offer made as a closed negative question
    empathy: bool
    expertise: bool
    leave_reasons: frozenset[str]
    marks: tuple[Mark, ...] = field(default=(), compare=False)
    # The product category talked about most (the first named on a tie); "" when none.
    product: str = ""

    def offer_for(self, categories: Iterable[str]) -> bool:
        return not self.offered.isdisjoint(categories)


def hear(
    book: PhraseBook,
    text: str,
    duration_s: float,
    word_times: Sequence[float] | None = None,
    turns: Sequence[Turn] | None = None,
) -> Heard:
    """Find the book's phrases in a transcript. `word_times` are the start seconds of the
    engine's words; without them the words are taken at a talking pace from the start (or
    from their turn's start). With `turns`, phrases are looked for turn by turn and count
    only in their speaker's turns."""
    tokens = tokenize(text)
    times = _token_times(tokens, duration_s, word_times, turns)
    if not turns:
        marks = [_mark(hit, tokens, times, 0, None) for hit in book.find(tokens)]
    else:
        marks = []
        for turn, first, last in _turn_spans(tokens, turns):
            part = tokens[first:last]
            for hit in book.find(part):
                if speaker_of(hit.phrase.kind, hit.phrase.speaker) in (ANY, turn.speaker):
                    marks.append(_mark(hit, tokens, times, first, turn.speaker))
    kinds = {m.kind for m in marks}
    return Heard(
        offered=frozenset(m.target for m in marks if m.kind == CROSS_SELL),
        promo=PROMO in kinds,
        opening=any(m.kind == OPENING and m.at <= OPENING_SECONDS for m in marks),
        wrong_form=WRONG_FORM in kinds or any(m.negated for m in marks),
        empathy=EMPATHY in kinds,
        expertise=EXPERTISE in kinds,
        leave_reasons=frozenset(m.target for m in marks if m.kind == LEAVE_REASON),
        marks=tuple(marks),
        product=_product(marks),
    )


def _product(marks: Sequence[Mark]) -> str:
    named = [m.target for m in marks if m.kind == PRODUCT]
    if not named:
        return ""
    counts = Counter(named)
    return max(counts, key=lambda target: (counts[target], -named.index(target)))


def _turn_spans(tokens: Sequence[Token], turns: Sequence[Turn]) -> list[tuple[Turn, int, int]]:
    """(turn, first token, past its last token) of each turn that holds words."""
    spans = []
    index = 0
    for turn in sorted(turns, key=lambda t: t.start):
        while index < len(tokens) and tokens[index].start < turn.start:
            index += 1  # words outside every turn are nobody's
        first = index
        while index < len(tokens) and tokens[index].end <= turn.end:
            index += 1
        if index > first:
            spans.append((turn, first, index))
    return spans


def _token_times(
    tokens: Sequence[Token],
    duration_s: float,
    word_times: Sequence[float] | None,
    turns: Sequence[Turn] | None,
) -> list[float]:
    count = len(tokens)
    if word_times:
        # The text and the engine's words are the same speech: map by relative position.
        last = len(word_times) - 1
        return [
            float(word_times[min(round(i * last / max(count - 1, 1)), last)]) for i in range(count)
        ]
    # No times: words at a talking pace from the start, squeezed into the duration when the
    # text is denser than that; a long consultation's silences are not spread between them.
    times = [min(i / WORDS_PER_SECOND, duration_s * i / max(count, 1)) for i in range(count)]
    for turn, first, last in _turn_spans(tokens, turns or ()):
        if turn.at is not None:  # a timed turn: its words at the pace from its start
            for k in range(first, last):
                times[k] = min(turn.at + (k - first) / WORDS_PER_SECOND, duration_s)
    return times


def _mark(hit: Hit, tokens, times: list[float], offset: int, speaker: str | None) -> Mark:
    return Mark(
        kind=hit.phrase.kind,
        target=hit.phrase.target,
        start=tokens[offset + hit.first].start,
        end=tokens[offset + hit.last].end,
        at=times[offset + hit.first],
        negated=hit.negated,
        speaker=speaker,
    )


@dataclass(frozen=True)
class Contact:
    """One transcript with the receipt it led to (None: no sale followed) and the customer's
    feedback tied to it: the press after it, the survey answer, the checklist."""

    heard: Heard
    categories: frozenset[str] = frozenset()  # categories of the receipt's items
    expected: bool = False  # some receipt category has offers to expect
    items: int = 0  # lines of the receipt
    total: int = 0  # kopecks
    press: int | None = None  # +1 positive, 0 neutral, −1 negative button; None: no press
    nps: int | None = None  # the survey answer's 0–10; None: none, or declined
    checklist: tuple[float, float] | None = None  # (earned, possible) points


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
    right_form_total: int = 0  # kopecks of the receipts after a right-form offer
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
                if not heard.wrong_form:
                    self.right_form_total += contact.total
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

    @property
    def average_ticket_right_form(self) -> Decimal | None:
        return _ticket(self.right_form_total, self.right_form)

    @property
    def average_ticket_wrong_form(self) -> Decimal | None:
        wrong = self.offered - self.right_form
        return _ticket(self.with_offer_total - self.right_form_total, wrong)

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
            "average_ticket_right_form": self.average_ticket_right_form,
            "average_ticket_wrong_form": self.average_ticket_wrong_form,
            "empathy_rate": ratio(self.empathy, self.transcripts),
            "expertise_rate": ratio(self.expertise, self.transcripts),
        }


def _ticket(total: int, receipts: int) -> Decimal | None:
    return kopecks_to_roubles(Decimal(total) / receipts) if receipts else None


@dataclass
class FeedbackFigures:
    """What customers said after a group of contacts: ИЭЛ over the contacts (the feedback
    terminal's index with contacts in place of receipts: 100·(positive − negative presses)
    / contacts), NPS of the survey answers tied to them, checklist compliance."""

    contacts: int = 0
    presses: int = 0
    positive: int = 0
    negative: int = 0
    answers: int = 0
    promoters: int = 0
    detractors: int = 0
    checklists: int = 0
    earned: float = 0.0
    possible: float = 0.0

    def add(self, contact: Contact) -> None:
        self.contacts += 1
        if contact.press is not None:
            self.presses += 1
            self.positive += contact.press > 0
            self.negative += contact.press < 0
        if contact.nps is not None:
            group = nps_group(contact.nps)
            self.answers += 1
            self.promoters += group > 0
            self.detractors += group < 0
        if contact.checklist is not None:
            self.checklists += 1
            self.earned += contact.checklist[0]
            self.possible += contact.checklist[1]

    def as_row(self) -> dict:
        return {
            "contacts": self.contacts,
            "presses": self.presses,
            "iel": emotional_loyalty_index(self.positive, self.negative, self.contacts),
            "survey_answers": self.answers,
            "nps": None
            if not self.answers
            else 100.0 * (self.promoters - self.detractors) / self.answers,
            "checklists": self.checklists,
            "compliance": ratio(self.earned, self.possible) if self.possible else None,
        }


# Splits of contacts the feedback is compared across: name → (does the contact belong to
# the comparison, is it on the "with" side).
FEEDBACK_SPLITS: dict[str, tuple] = {
    "offer": (lambda c: c.expected, lambda c: c.heard.offer_for(c.categories)),
    "right_form": (
        lambda c: c.expected and c.heard.offer_for(c.categories),
        lambda c: not c.heard.wrong_form,
    ),
    "opening": (lambda c: True, lambda c: c.heard.opening),
    "empathy": (lambda c: True, lambda c: c.heard.empathy),
    "expertise": (lambda c: True, lambda c: c.heard.expertise),
}


class FeedbackSplits:
    """Feedback after the contacts with and without each speech feature (FEEDBACK_SPLITS):
    e.g. ИЭЛ and NPS of receipts where the expected offer was made vs where it was not."""

    def __init__(self) -> None:
        self.figures = {name: (FeedbackFigures(), FeedbackFigures()) for name in FEEDBACK_SPLITS}

    def add(self, contact: Contact) -> None:
        for name, (belongs, has) in FEEDBACK_SPLITS.items():
            if belongs(contact):
                with_, without = self.figures[name]
                (with_ if has(contact) else without).add(contact)

    def rows(self) -> list[dict]:
        return [
            {"split": name, "with": with_.as_row(), "without": without.as_row()}
            for name, (with_, without) in self.figures.items()
        ]


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


# How the labelled set writes turns: a row's `turns` is empty (no turns: today's engines
# without diarisation), `seller` or `customer` (one turn, the whole utterance), or
# `dialogue` — turns separated by " / ", each opened by «П:» (seller) or «К:» (customer).
_DIALOGUE_SPEAKERS = {"П": SELLER, "К": CUSTOMER}


def labelled_turns(row: dict[str, str]) -> tuple[str, list[Turn] | None]:
    """The text and turns of a labelled row."""
    text, kind = row["text"], row.get("turns") or ""
    if not kind:
        return text, None
    if kind in SPEAKERS:
        return text, [Turn(kind, 0, len(text))]
    if kind != "dialogue":
        raise ValueError(f"unknown turns {kind!r} in the labelled set: {text!r}")
    parts, turns, position = [], [], 0
    for piece in text.split(" / "):
        label, _, said = piece.partition(":")
        said = said.strip()
        turns.append(Turn(_DIALOGUE_SPEAKERS[label.strip()], position, position + len(said)))
        parts.append(said)
        position += len(said) + 1
    return "\n".join(parts), turns


def labelled_detection(
    book: PhraseBook, rows: Sequence[dict[str, str]]
) -> tuple[DetectionQuality, DetectionQuality]:
    """Precision and recall of the seller's offers (fitting the row's `category`, any form)
    and of the seller's wrong form, against rows labelled `offer` and `wrong_form` ("1" or
    "0"); rows with `turns` are heard turn by turn."""
    heard = [hear(book, *_text_and_turns(row)) for row in rows]
    offers = detection_quality(
        [h.offer_for({row["category"]}) for h, row in zip(heard, rows, strict=True)],
        [row["offer"] == "1" for row in rows],
    )
    wrong = detection_quality(
        [h.wrong_form for h in heard], [row["wrong_form"] == "1" for row in rows]
    )
    return offers, wrong


def _text_and_turns(row: dict[str, str]) -> tuple[str, float, None, list[Turn] | None]:
    text, turns = labelled_turns(row)
    return text, 10.0, None, turns
