"""What CXM heard in a transcript, under the chain's current rules."""

from collections.abc import Iterable

from cxm.metrics.phrases import PhraseBook
from cxm.metrics.speech import Heard, Mark, Turn, hear
from cxm.org.models import Chain
from cxm.speech.models import Transcript
from cxm.speech.rules import phrase_book

_BATCH = 500


def analyse(transcript: Transcript, book: PhraseBook, fingerprint: str) -> Heard:
    """Fill the transcript's analysis fields (not saved here)."""
    duration = (transcript.ended_at - transcript.started_at).total_seconds()
    turns = [Turn(*turn) for turn in transcript.turns or ()]
    heard = hear(book, transcript.text, duration, transcript.word_times or None, turns or None)
    transcript.rules = fingerprint
    transcript.offered = sorted(heard.offered)
    transcript.promo = heard.promo
    transcript.opening = heard.opening
    transcript.wrong_form = heard.wrong_form
    transcript.empathy = heard.empathy
    transcript.expertise = heard.expertise
    transcript.leave_reasons = sorted(heard.leave_reasons)
    transcript.product = heard.product
    transcript.marks = [_mark_dict(m) for m in heard.marks]
    return heard


def _mark_dict(mark: Mark) -> dict:
    return {
        "kind": mark.kind,
        "target": mark.target,
        "start": mark.start,
        "end": mark.end,
        "at": round(mark.at, 1),
        "negated": mark.negated,
        "speaker": mark.speaker,
    }


ANALYSIS_FIELDS = [
    "rules",
    "offered",
    "promo",
    "opening",
    "wrong_form",
    "empathy",
    "expertise",
    "leave_reasons",
    "product",
    "marks",
]


def reanalyse(chain: Chain, transcripts: Iterable[Transcript] | None = None) -> int:
    """Analyse again every transcript heard under other rules; returns how many."""
    fingerprint, book = phrase_book(chain)
    rows = transcripts
    if rows is None:
        rows = Transcript.objects.filter(chain=chain).exclude(rules=fingerprint).iterator()
    changed = []
    count = 0
    for row in rows:
        analyse(row, book, fingerprint)
        changed.append(row)
        if len(changed) >= _BATCH:
            Transcript.objects.bulk_update(changed, ANALYSIS_FIELDS)
            count += len(changed)
            changed = []
    Transcript.objects.bulk_update(changed, ANALYSIS_FIELDS)
    return count + len(changed)
