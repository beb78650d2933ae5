"""Product categories from receipt item names, by rules a chain can edit.

A rule is either a set of lemmas that must all occur in the name (word order and inflection
do not matter: "защитный стекло" matches "Защитных стёкол 2 шт.") or a case-insensitive
regular expression searched in the raw name. The rule with the lowest priority number that
matches wins; among equal priorities the earlier rule wins. Accessory and service rules
therefore carry lower numbers than device rules: "Чехол для смартфона" names a smartphone
but is an accessory.

Pure Python (pymorphy3 for lemmas); no Django, so it runs in workers and tests alike.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

LEMMA, REGEX = "lemma", "regex"
KINDS = (LEMMA, REGEX)

_WORD = re.compile(r"[a-zа-я]+")  # after lowercasing and ё→е; digits split words and go
_CACHE_LIMIT = 100_000  # distinct item names remembered per Categorizer


@dataclass(frozen=True)
class CategoryRule:
    category: str  # e.g. "Смартфоны"
    kind: str  # "lemma" or "regex"
    pattern: str  # lemma: space-separated lemmas, all required; regex: Python regex
    priority: int = 100  # lower wins; ties → rule order

    def __post_init__(self) -> None:
        validate_rule(self)


def validate_rule(rule: CategoryRule) -> None:
    """ValueError naming the rule when it cannot work."""
    where = f"category rule {rule.category!r} {rule.kind} {rule.pattern!r}"
    if not rule.category or not rule.category.strip():
        raise ValueError(f"{where}: the category is empty")
    if rule.kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {rule.kind!r} (expected lemma or regex)")
    if rule.kind == REGEX:
        try:
            re.compile(rule.pattern, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"{where}: bad regular expression: {error}") from None
    elif not _words(rule.pattern):
        raise ValueError(f"{where}: no words to match")


@lru_cache(maxsize=1)
def _analyzer():
    # Loading the dictionaries takes a fraction of a second and tens of MB: once a process.
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("ё", "е"))


@lru_cache(maxsize=200_000)
def word_lemmas(word: str) -> frozenset[str]:
    """Normal forms of every reading pymorphy3 offers for one lowercase word, ё folded to е.
    All readings, not just the likeliest: the first guess for "кофемашина" is "кофемашин",
    for "стекло" sometimes the verb "стечь". Latin words come back as they are."""
    forms = {p.normal_form.replace("ё", "е") for p in _analyzer().parse(word)}
    forms.add(word)
    return frozenset(forms)


def lemmas(text: str) -> frozenset[str]:
    """The lemmas of a text: Cyrillic and Latin words, lowercased, ё→е, digits dropped."""
    result: set[str] = set()
    for word in _words(text):
        result |= word_lemmas(word)
    return frozenset(result)


class _LemmaMatcher:
    def __init__(self, pattern: str):
        # Each pattern word may itself be written inflected ("защитное"): any of its normal
        # forms found among the name's lemmas counts.
        self.alternatives = [word_lemmas(w) for w in _words(pattern)]

    def __call__(self, name: str, name_lemmas: frozenset[str]) -> bool:
        return all(not alt.isdisjoint(name_lemmas) for alt in self.alternatives)


class _RegexMatcher:
    def __init__(self, pattern: str):
        self.regex = re.compile(pattern, re.IGNORECASE)

    def __call__(self, name: str, name_lemmas: frozenset[str]) -> bool:
        return self.regex.search(name) is not None


class Categorizer:
    """Applies rules to item names; remembers answers, since receipts repeat products."""

    def __init__(self, rules: Iterable[CategoryRule]):
        ordered = sorted(enumerate(rules), key=lambda pair: (pair[1].priority, pair[0]))
        self.rules: list[CategoryRule] = []
        self._matchers = []
        for _, rule in ordered:
            validate_rule(rule)
            self.rules.append(rule)
            matcher = _LemmaMatcher if rule.kind == LEMMA else _RegexMatcher
            self._matchers.append((matcher(rule.pattern), rule.category))
        self._cache: dict[str, str | None] = {}

    def categorize(self, name: str) -> str | None:
        """The category of the first matching rule in priority order, or None."""
        if name in self._cache:
            return self._cache[name]
        name_lemmas = lemmas(name)
        found = next((cat for match, cat in self._matchers if match(name, name_lemmas)), None)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[name] = found
        return found
