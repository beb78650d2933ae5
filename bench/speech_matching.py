"""Speech rule matching: quality on the labelled set and throughput per core.

Quality: precision and recall of offer detection (a fitting offer, any form) and of the
wrong form, over tests/data/speech_utterances.tsv — per part, and for the utterances with
speaker turns also as a turn-blind reading would score them.

Throughput: transcripts of about 150 words, assembled from the labelled utterances with
recognition-error spellings and unseen words mixed in, through lemmatisation and rule
matching on one core — first with fresh caches, then warm — next to a baseline that
lemmatises every word afresh with pymorphy3 (no cache) and matches the same book.

    .venv/bin/python bench/speech_matching.py [--transcripts 2000] [--words 150]
"""

import argparse
import csv
import random
import time
from pathlib import Path

from cxm.metrics.phrases import PhraseBook
from cxm.metrics.speech import Turn, hear, labelled_detection, labelled_turns
from cxm.sales.categorize import _analyzer, word_lemmas
from cxm.speech.default_rules import DEFAULT_SPEECH_RULES, phrases_of

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech_utterances.tsv"


def labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def quality(book: PhraseBook) -> None:
    rows = labelled()
    print(
        "labelled utterances (dev: seen while writing the rules; holdout: never; turns: "
        "those with speaker turns, of dev)"
    )
    turned = [r for r in rows if r["turns"]]
    parts = {
        "dev": [r for r in rows if r["set"] == "dev"],
        "holdout": [r for r in rows if r["set"] == "holdout"],
        "all": rows,
        "turns": turned,
        "turns, read blind": [{**r, "turns": ""} | _blind(r) for r in turned],
    }
    for part, chosen in parts.items():
        offers, wrong = labelled_detection(book, chosen)
        print(
            f"  {part:<18} n={offers.n:<4} offers: precision {offers.precision:.3f}, "
            f"recall {offers.recall:.3f}; wrong form: precision {wrong.precision:.3f}, "
            f"recall {wrong.recall:.3f}"
        )


def _blind(row: dict[str, str]) -> dict[str, str]:
    """A turn-tagged row as an engine without speaker turns gives it: all one text."""
    text, _ = labelled_turns(row)
    return {"text": text.replace("\n", " ")}


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("аеиоуы") + word[i + 1 :]


def transcripts(n: int, words: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    sentences = [r["text"] for r in labelled()]
    result = []
    for _ in range(n):
        text: list[str] = []
        while len(text) < words:
            sentence = rng.choice(sentences).split()
            if rng.random() < 0.2:  # a recognition error somewhere in the sentence
                k = rng.randrange(len(sentence))
                sentence[k] = _misspell(sentence[k], rng)
            text += sentence
        result.append(" ".join(text[:words]))
    return result


def with_turns(text: str, words_a_turn: int = 15) -> list[Turn]:
    """The text cut into turns of about `words_a_turn` words, seller and customer in turn."""
    turns, position, speakers = [], 0, ("seller", "customer")
    words = text.split(" ")
    for i in range(0, len(words), words_a_turn):
        chunk = " ".join(words[i : i + words_a_turn])
        turns.append(Turn(speakers[len(turns) % 2], position, position + len(chunk)))
        position += len(chunk) + 1
    return turns


def throughput(label: str, texts: list[str], run) -> float:
    start = time.perf_counter()
    for text in texts:
        run(text)
    rate = len(texts) / (time.perf_counter() - start)
    print(f"{label:<44} {rate:>9.0f} transcripts/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transcripts", type=int, default=2000)
    parser.add_argument("--words", type=int, default=150)
    args = parser.parse_args()
    book = PhraseBook(phrases_of(DEFAULT_SPEECH_RULES))
    quality(book)
    texts = transcripts(args.transcripts, args.words)
    print(f"\n{len(texts)} transcripts of {args.words} words, one core:")
    _analyzer()  # loading the dictionaries is a once-a-process cost, not a transcript's
    word_lemmas.cache_clear()
    cold_book = PhraseBook(phrases_of(DEFAULT_SPEECH_RULES))
    cold = throughput("CXM, fresh caches", texts, lambda t: hear(cold_book, t, 60.0))
    warm = throughput("CXM, warm caches", texts, lambda t: hear(cold_book, t, 60.0))
    turns = {t: with_turns(t) for t in texts}
    throughput(
        "CXM, warm caches, speaker turns (~15 words)",
        texts,
        lambda t: hear(cold_book, t, 60.0, None, turns[t]),
    )
    # The baseline: no word remembered — each spoken word resolved against the book and
    # lemmatised by pymorphy3 every time it occurs.
    baseline_book = PhraseBook(phrases_of(DEFAULT_SPEECH_RULES))
    baseline_book.terms_of = baseline_book._resolve  # type: ignore[method-assign]
    parse = _analyzer().parse

    def no_cache(text: str) -> None:
        for word in text.lower().split():
            parse(word)
        hear(baseline_book, text, 60.0)

    base = throughput("baseline: nothing remembered", texts[:200], no_cache)
    print(f"\nfresh-cache speed-up over the baseline: {cold / base:.1f}×; warm: {warm / base:.1f}×")
    print("target: ≥ 200 transcripts/s per core")


if __name__ == "__main__":
    main()
