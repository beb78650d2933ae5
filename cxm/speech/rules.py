"""The chain's speech rules as a compiled phrase book, remembered per chain until the rules
change (the book remembers every spoken word it has resolved: keeping it is the cache)."""

import hashlib

from django.db import transaction

from cxm.metrics.phrases import PhraseBook
from cxm.org.models import Chain
from cxm.speech.default_rules import (
    DEFAULT_SPEECH_RULES,
    LEAVE_REASON_NAMES,
    phrases_of,
    with_speaker,
)
from cxm.speech.models import RuleKind, SpeechRule

_BOOKS: dict[int, tuple[str, PhraseBook]] = {}


def install_default_rules(chain: Chain) -> int:
    """Give a chain the default rules unless it has rules already; returns how many."""
    if SpeechRule.objects.filter(chain=chain).exists():
        return 0
    with transaction.atomic():
        SpeechRule.objects.bulk_create(
            SpeechRule(
                chain=chain,
                kind=kind,
                target=target,
                name=LEAVE_REASON_NAMES.get(target, "") if kind == RuleKind.LEAVE_REASON else "",
                phrases=phrases,
                speaker=speaker,
            )
            for kind, target, phrases, speaker in map(with_speaker, DEFAULT_SPEECH_RULES)
        )
    return len(DEFAULT_SPEECH_RULES)


def phrase_book(chain: Chain) -> tuple[str, PhraseBook]:
    """(fingerprint of the active rules, their book); the default rules are installed for a
    chain that has none."""
    install_default_rules(chain)
    rules = list(
        SpeechRule.objects.filter(chain=chain, active=True)
        .order_by("pk")
        .values_list("kind", "target", "phrases", "speaker")
    )
    fingerprint = hashlib.sha256(repr(rules).encode()).hexdigest()
    cached = _BOOKS.get(chain.pk)
    if cached is None or cached[0] != fingerprint:
        cached = (fingerprint, PhraseBook(phrases_of(rules)))
        _BOOKS[chain.pk] = cached
    return cached


def reason_names(chain: Chain) -> dict[str, str]:
    rows = SpeechRule.objects.filter(chain=chain, kind=RuleKind.LEAVE_REASON)
    return {target: name or target for target, name in rows.values_list("target", "name")}
