"""Import of the contract kind `transcripts` (DESIGN.md §2), idempotent by `id`.

A transcript is analysed as it arrives (cxm.speech.analysis) and its store-days are linked
to the consultations, receipts and feedback around them (cxm.speech.linking) before the
import returns; data arriving later relinks only the store-days it touches. Rejected,
naming the field: an empty transcript, a word without its times, a turn with an unknown
speaker or no text, turns and a text that say different things, an unknown store, seller
or consultation, a time in the future, and a transcript overlapping another of the same
seller — one person cannot hold two conversations at once, so one of them is misattributed.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q

from cxm.imports import fields
from cxm.imports.records import ImportResult, Record, RecordError, run_in_batches
from cxm.metrics.speech import SPEAKERS
from cxm.org.models import Chain, Store
from cxm.rollups import versions
from cxm.speech.analysis import analyse
from cxm.speech.linking import LinkRun, link_stale
from cxm.speech.models import Transcript
from cxm.speech.rules import phrase_book
from cxm.staff.importers import EventDirectory, past_moment

log = logging.getLogger(__name__)
MAX_TEXT = 100_000  # characters: about ten hours of speech
# Engines round word times; a word may end this far past the transcript's end.
WORD_TIME_TOLERANCE_S = 2.0


def import_transcripts(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)
    fingerprint, book = phrase_book(chain)
    days: dict[int, set] = defaultdict(set)

    def handle(batch: list[Record], result: ImportResult) -> None:
        directory.read_consultations(batch)
        parse = partial(_transcript, chain, directory=directory)
        fresh = _without_overlaps(new_rows(chain, Transcript, batch, parse, result), result)
        for row in fresh:
            analyse(row, book, fingerprint)
            days[row.store_id].add(row.day)
        with transaction.atomic():
            Transcript.objects.bulk_create(fresh)
            versions.mark_written({(row.store_id, row.day) for row in fresh}, [versions.SPEECH])
        result.accepted += len(fresh)

    result = run_in_batches("transcripts", records, settings.CXM_IMPORT_BATCH, handle)
    # The new transcripts' store-days only: the others' fingerprints did not change.
    run = LinkRun()
    if days:
        every_day = set().union(*days.values())
        run = link_stale(list(days), min(every_day), max(every_day))
    if run.store_days:
        log.info(
            "transcripts: linked %d store-days (%d transcripts) in %.3f s, "
            "of which %.3f s matching their consultations to sales",
            run.store_days,
            run.transcripts,
            run.seconds,
            run.matching_seconds,
        )
    return result


Row = TypeVar("Row", bound=Model)


def new_rows(
    chain: Chain,
    model: type[Row],
    batch: list[Record],
    parse: Callable[[dict], Row],
    result: ImportResult,
) -> list[tuple[str, Row]]:
    """(position, row) of a batch's records that parse and whose `code` is new to the
    chain; the others are rejected, or counted as duplicates."""
    rows: dict[str, tuple[str, Row]] = {}
    for record in batch:
        try:
            row = parse(record.data)
        except RecordError as exc:
            result.reject(record.position, exc.field, exc.message)
            continue
        if row.code in rows:
            result.duplicates += 1
        else:
            rows[row.code] = (record.position, row)
    known = set(
        model.objects.filter(chain=chain, code__in=list(rows)).values_list("code", flat=True)
    )
    result.duplicates += len(known)
    return [pair for code, pair in rows.items() if code not in known]


def _transcript(chain: Chain, data: dict, directory: EventDirectory) -> Transcript:
    code = fields.text(data, "id", max_length=100)
    store = directory.store(data)
    seller = directory.seller(data, required=True)
    started = past_moment(data, "started_at", store)
    ended = past_moment(data, "ended_at", store)
    if ended < started:
        raise RecordError("ended_at", "is before started_at")
    duration = (ended - started).total_seconds()
    words = _words(data, duration)
    turns = _turns(data, duration)
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise RecordError("text", f"must be text, got {type(text).__name__}")
    text = (text or "").strip()
    stored_turns: list[list] = []
    if turns:
        said = "\n".join(t for _, t, _ in turns)
        if text and text.split() != said.split():
            raise RecordError(
                "text", "differs from the turns' text: with turns, leave the text out"
            )
        text, position = said, 0
        for speaker, turn_text, at in turns:
            stored_turns.append([speaker, position, position + len(turn_text), at])
            position += len(turn_text) + 1
    text = text or " ".join(w for w, _ in words)
    if not text.strip():
        raise RecordError("text", "is empty: a transcript needs its text, its words or its turns")
    if len(text) > MAX_TEXT:
        raise RecordError("text", f"is longer than {MAX_TEXT} characters")
    local = started.astimezone(store.tz)
    return Transcript(
        chain=chain,
        code=code,
        store=store,
        seller=seller,
        started_at=started.astimezone(UTC),
        ended_at=ended.astimezone(UTC),
        day=local.date(),
        hour=local.hour,
        text=text,
        word_times=[start for _, start in words],
        turns=stored_turns,
        consultation_id=directory.consultation_id(data),
    )


def _turns(data: dict, duration: float) -> list[tuple[str, str, float | None]]:
    """(speaker, text, start seconds or None) of the engine's speaker turns, in order."""
    turns = data.get("turns")
    if turns in (None, ""):
        return []
    if not isinstance(turns, list):
        raise RecordError("turns", "must be a list of {speaker, text, start, end}")
    result = []
    for index, turn in enumerate(turns):
        where = f"turns[{index}]"
        if not isinstance(turn, dict):
            raise RecordError(where, "must be an object {speaker, text, start, end}")
        speaker = turn.get("speaker")
        if not isinstance(speaker, str) or speaker.strip().lower() not in SPEAKERS:
            raise RecordError(
                f"{where}.speaker",
                f"unknown speaker {speaker!r}: each turn is the seller's or the customer's "
                f"({' or '.join(SPEAKERS)})",
            )
        said = turn.get("text")
        if not isinstance(said, str) or not said.strip():
            raise RecordError(f"{where}.text", "is empty: a turn holds what was said")
        times = []
        for name in ("start", "end"):
            try:
                times.append(
                    fields.number(turn, name, low=0, high=duration + WORD_TIME_TOLERANCE_S)
                )
            except RecordError as exc:
                raise RecordError(f"{where}.{name}", exc.message) from None
        if None not in times and times[1] < times[0]:
            raise RecordError(f"{where}.end", "is before its start")
        result.append((speaker.strip().lower(), " ".join(said.split()), times[0]))
    if sum(len(t) + 1 for _, t, _ in result) > MAX_TEXT:
        raise RecordError("turns", f"hold more than {MAX_TEXT} characters")
    return result


def _words(data: dict, duration: float) -> list[tuple[str, float]]:
    """(word, start seconds) of the engine's words; each must carry its times."""
    words = data.get("words")
    if words in (None, ""):
        return []
    if not isinstance(words, list):
        raise RecordError("words", "must be a list of {w, start, end}")
    result = []
    for index, word in enumerate(words):
        where = f"words[{index}]"
        if not isinstance(word, dict):
            raise RecordError(where, "must be an object {w, start, end}")
        text = fields.text(word, "w", max_length=100)
        times = []
        for name in ("start", "end"):
            if word.get(name) in (None, ""):
                raise RecordError(
                    f"{where}.{name}", "is required: seconds from the transcript's started_at"
                )
            try:
                times.append(
                    fields.number(word, name, low=0, high=duration + WORD_TIME_TOLERANCE_S)
                )
            except RecordError as exc:
                raise RecordError(f"{where}.{name}", exc.message) from None
        if times[1] < times[0]:
            raise RecordError(f"{where}.end", "is before its start")
        result.append((text, times[0]))
    return result


def _without_overlaps(
    candidates: list[tuple[str, Transcript]], result: ImportResult
) -> list[Transcript]:
    """Reject a transcript that overlaps a stored one, or an earlier one of the batch, of
    the same seller."""
    if not candidates:
        return []
    taken: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    start = min(t.started_at for _, t in candidates)
    end = max(t.ended_at for _, t in candidates)
    stored = Transcript.objects.filter(
        Q(seller_id__in={t.seller_id for _, t in candidates}),
        started_at__lt=end,
        ended_at__gt=start - timedelta(seconds=1),
    ).values_list("seller_id", "started_at", "ended_at", "code")
    for seller_id, started, ended, code in stored:
        taken[seller_id].append((started, ended, code))
    fresh = []
    for position, row in sorted(candidates, key=lambda pair: pair[1].started_at):
        other = next(
            (
                code
                for started, ended, code in taken[row.seller_id]
                if started < row.ended_at and row.started_at < ended
            ),
            None,
        )
        if other is not None:
            result.reject(
                position,
                "started_at",
                f"overlaps transcript {other!r} of the same seller: one of them is misattributed",
            )
            continue
        taken[row.seller_id].append((row.started_at, row.ended_at, row.code))
        fresh.append(row)
    return fresh
