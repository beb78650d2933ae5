"""Import of the contract kind `transcripts` (DESIGN.md §2), idempotent by `id`.

A transcript is analysed as it arrives (cxm.speech.analysis) and tied to its consultation
and receipt when reports ask (cxm.speech.linking), since those may arrive later. Rejected,
naming the field: an empty transcript, a word without its times, an unknown store, seller
or consultation, a time in the future, and a transcript overlapping another of the same
seller — one person cannot hold two conversations at once, so one of them is misattributed.
"""

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
from cxm.org.models import Chain, Store
from cxm.speech.analysis import analyse
from cxm.speech.models import Transcript
from cxm.speech.rules import phrase_book
from cxm.staff.importers import EventDirectory, consultation_of, past_moment

MAX_TEXT = 100_000  # characters: about ten hours of speech
# Engines round word times; a word may end this far past the transcript's end.
WORD_TIME_TOLERANCE_S = 2.0


def import_transcripts(
    chain: Chain, records: Iterable[Record], *, default_store: Store | None = None
) -> ImportResult:
    directory = EventDirectory(chain, default_store)
    fingerprint, book = phrase_book(chain)

    def handle(batch: list[Record], result: ImportResult) -> None:
        parse = partial(_transcript, chain, directory=directory)
        fresh = _without_overlaps(new_rows(chain, Transcript, batch, parse, result), result)
        for row in fresh:
            analyse(row, book, fingerprint)
        with transaction.atomic():
            Transcript.objects.bulk_create(fresh)
        result.accepted += len(fresh)

    return run_in_batches("transcripts", records, settings.CXM_IMPORT_BATCH, handle)


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
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise RecordError("text", f"must be text, got {type(text).__name__}")
    text = (text or "").strip() or " ".join(w for w, _ in words)
    if not text.strip():
        raise RecordError("text", "is empty: a transcript needs its text or its words")
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
        consultation=consultation_of(chain, data),
    )


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
