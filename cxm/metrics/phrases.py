"""Phrase detection in Russian speech transcripts, on lemmas rather than raw strings.

A phrase is a few words that must all occur close together, in any order («чехол
посмотрите» and «посмотрите чехол» are the same offer). A word of a phrase matches a spoken
word when

* they share a lemma (pymorphy3: «чехлы», «чехла» → «чехол»);
* the spoken word starts with the phrase word's stem — diminutives and derived forms:
  «чехольчик», «стёклышко», «гарантийный»;
* the spoken word is not in the dictionary (a recognition error such as «чихол»,
  «кранштейн») and is close to a form of the phrase word by edit similarity (rapidfuzz).
  Dictionary words are never matched fuzzily: «сумма» is not a misheard «сумка».

A phrase word may list alternatives with `|` («сумка|сумочка ноутбук»). An offer that is
negated — «чехол не нужен?», «не хотите защитное стекло?» — is found but flagged `negated`:
a closed negative question is the form to avoid (the customer's easy answer is «нет»).

Each distinct spoken word is resolved once per book and remembered, and the lemmatiser is
the cached one of cxm.sales.categorize, so a transcript costs little more than a few
dictionary look-ups per word. No Django here.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from cxm.sales.categorize import _analyzer, word_lemmas

_TOKEN = re.compile(r"[a-zа-яё]+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…]")
# Words that turn an offer into a closed negative question. Not «нет»: «в комплекте нет
# зарядки» states a fact and is an offer's best start.
NEGATIONS = frozenset({"не", "ни"})
# After the offer only a negated want or need makes it one: «чехол не нужен?», not «чехол,
# чтобы не поцарапался».
NEGATED_AFTER = frozenset(
    {"нужный", "нужно", "надо", "хотеть", "желать", "интересовать", "требоваться", "быть"}
)
# «не забудьте про чехол», «не пожалеете» negate the verb, not the offer.
NOT_NEGATING = frozenset(
    {"забыть", "пожалеть", "волноваться", "переживать", "сомневаться", "только", "бояться"}
)
NEGATION_BEFORE = 3  # words before the phrase where a negation counts
NEGATION_AFTER = 2  # words after it: «чехол не нужен?»
WORD_ORDER_SLACK = 2  # extra words a phrase may be spread over
MIN_STEM = 4  # shorter stems match too much by prefix
MAX_SUFFIX = 5  # a diminutive adds at most this many letters to the stem
FUZZY_MIN_LENGTH = 5
FUZZY_CUTOFF = 80.0  # rapidfuzz ratio (0–100) for out-of-dictionary words
_VOWEL_END = re.compile("[аеёиоуыэюяьй]$")


@dataclass(frozen=True, slots=True)
class Phrase:
    kind: str  # what it signals: cross_sell, promo, opening, wrong_form, leave_reason, …
    target: str  # what it is about: a category, a reason code; "" when nothing
    text: str  # as the rule writes it
    negatable: bool = True  # offers can be negated; «нет в наличии» is itself a reason
    # Whose turns it counts in when a transcript has speaker turns: "seller", "customer" or
    # "any"; "" leaves it to the kind (cxm.metrics.speech.DEFAULT_SPEAKER).
    speaker: str = ""


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # lowercase, ё → е
    start: int  # character offsets in the transcript text
    end: int
    sentence: int  # index of the sentence (punctuation) it belongs to


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: Phrase
    first: int  # token indices of the match, inclusive
    last: int
    negated: bool


def tokenize(text: str) -> list[Token]:
    """Words of a text with their character spans; ё folded to е, digits and signs dropped."""
    tokens = []
    sentence = 0
    position = 0
    for match in _TOKEN.finditer(text):
        sentence += len(_SENTENCE_END.findall(text, position, match.start()))
        position = match.end()
        word = match.group().lower().replace("ё", "е")
        tokens.append(Token(word, match.start(), match.end(), sentence))
    return tokens


def _stem(lemma: str) -> str:
    return lemma[:-1] if _VOWEL_END.search(lemma) else lemma


@lru_cache(maxsize=100_000)
def _known(word: str) -> bool:
    return _analyzer().word_is_known(word)


@lru_cache(maxsize=20_000)
def _forms(lemma: str) -> tuple[str, ...]:
    """Every inflected form of a word (its lexeme), for fuzzy comparison with misheard words."""
    forms = {lemma}
    for parse in _analyzer().parse(lemma)[:2]:
        forms.update(f.word.replace("ё", "е") for f in parse.lexeme)
    return tuple(sorted(forms))


class _Term:
    """One word of a phrase, with its alternatives."""

    def __init__(self, spelled: str):
        self.lemmas: frozenset[str] = frozenset().union(
            *(word_lemmas(w) for w in spelled.split("|"))
        )
        self.stems = tuple(s for s in {_stem(w) for w in spelled.split("|")} if len(s) >= MIN_STEM)
        self.forms = tuple(sorted({f for w in spelled.split("|") for f in _forms(w)}))


class PhraseBook:
    """Compiled phrases; `find` returns every phrase found in a transcript's tokens."""

    def __init__(self, phrases: Iterable[Phrase]):
        self.phrases = list(phrases)
        terms: dict[str, int] = {}
        self._terms: list[_Term] = []
        self._words: list[tuple[int, ...]] = []  # per phrase: its term ids
        for phrase in self.phrases:
            words = phrase.text.lower().replace("ё", "е").split()
            if not words:
                raise ValueError(f"phrase {phrase.text!r} of {phrase.kind} has no words")
            ids = []
            for word in words:
                if word not in terms:
                    terms[word] = len(self._terms)
                    self._terms.append(_Term(word))
                ids.append(terms[word])
            self._words.append(tuple(ids))
        self._by_term: dict[int, list[int]] = defaultdict(list)
        for index, ids in enumerate(self._words):
            self._by_term[ids[0]].append(index)
        self._fuzzy_forms = [(f, i) for i, t in enumerate(self._terms) for f in t.forms]
        self._fuzzy_choices = [f for f, _ in self._fuzzy_forms]
        # Lemma → terms and stem → terms, so a new word is resolved by a few look-ups.
        self._by_lemma: dict[str, set[int]] = defaultdict(set)
        self._by_stem: dict[str, set[int]] = defaultdict(set)
        for index, term in enumerate(self._terms):
            for lemma in term.lemmas:
                self._by_lemma[lemma].add(index)
            for stem in term.stems:
                self._by_stem[stem].add(index)
        self._cache: dict[str, frozenset[int]] = {}

    def terms_of(self, word: str) -> frozenset[int]:
        """The phrase words a spoken word stands for; remembered per book."""
        found = self._cache.get(word)
        if found is None:
            found = self._resolve(word)
            if len(self._cache) < 200_000:
                self._cache[word] = found
        return found

    def _resolve(self, word: str) -> frozenset[int]:
        found: set[int] = set()
        for lemma in word_lemmas(word):
            found |= self._by_lemma.get(lemma, set())
        # A stem the word starts with, leaving at most MAX_SUFFIX letters: «чехольчик».
        for end in range(max(MIN_STEM, len(word) - MAX_SUFFIX), len(word) + 1):
            found |= self._by_stem.get(word[:end], set())
        if not found and len(word) >= FUZZY_MIN_LENGTH and not _known(word):
            for _, _, index in process.extract(
                word, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
            ):
                found.add(self._fuzzy_forms[index][1])
        return frozenset(found)

    def find(self, tokens: Sequence[Token]) -> list[Hit]:
        positions: dict[int, list[int]] = defaultdict(list)
        for index, token in enumerate(tokens):
            for term in self.terms_of(token.text):
                positions[term].append(index)
        hits = []
        for first_term, phrase_ids in self._by_term.items():
            for start in positions.get(first_term, ()):
                for phrase_index in phrase_ids:
                    span = self._span(self._words[phrase_index], start, positions)
                    if span is None:
                        continue
                    phrase = self.phrases[phrase_index]
                    negated = phrase.negatable and _negated(tokens, *span)
                    hits.append(Hit(phrase, span[0], span[1], negated))
        return _distinct(hits)

    @staticmethod
    def _span(
        ids: tuple[int, ...], start: int, positions: dict[int, list[int]]
    ) -> tuple[int, int] | None:
        """The tokens a phrase covers around its first word at `start`, any order, within
        its length plus the slack; None when some word is missing there."""
        reach = len(ids) - 1 + WORD_ORDER_SLACK
        used = {start}
        for term in ids[1:]:
            near = [p for p in positions.get(term, ()) if abs(p - start) <= reach and p not in used]
            if not near:
                return None
            used.add(min(near, key=lambda p: abs(p - start)))
        return min(used), max(used)


def _negated(tokens: Sequence[Token], first: int, last: int) -> bool:
    sentence = tokens[first].sentence
    low, high = max(first - NEGATION_BEFORE, 0), min(last + NEGATION_AFTER, len(tokens) - 1)
    for index in range(low, high + 1):
        token = tokens[index]
        if token.text not in NEGATIONS or token.sentence != sentence:
            continue
        following = word_lemmas(tokens[index + 1].text) if index + 1 < len(tokens) else frozenset()
        if not NOT_NEGATING.isdisjoint(following):
            continue
        if index > last and NEGATED_AFTER.isdisjoint(following):
            continue
        return True
    return False


def _distinct(hits: list[Hit]) -> list[Hit]:
    """One hit per phrase and place (a phrase found from two of its words is one hit)."""
    seen: set[tuple[int, int, int]] = set()
    result = []
    for hit in sorted(hits, key=lambda h: (h.first, h.last)):
        key = (id(hit.phrase), hit.first, hit.last)
        if key not in seen:
            seen.add(key)
            result.append(hit)
    return result
