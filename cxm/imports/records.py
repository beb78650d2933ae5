"""Streaming readers for the import contract's files (JSON Lines, JSON, CSV), the loops
that feed their records to the importers batch by batch, and the result every import
reports: accepted, duplicate and rejected records, each rejection naming the record's
position and field."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, TypeVar

import ijson
import orjson
from django.db import connection, transaction

from cxm.imports.bulk import constraints_checked_meanwhile

T = TypeVar("T")

# CSV cells that carry structured values in the contract (lists and objects).
JSON_COLUMNS = {
    "items",
    "registers",
    "aliases",
    "opening_hours",
    "review_links",
    "answers",
    "receipt",
    "words",
    "turns",
    "properties",
}


# Not frozen: a frozen dataclass sets each field through object.__setattr__, a cost paid
# for every line of a large file; nothing changes a record once read.
@dataclass(slots=True)
class Record:
    position: str  # "line 12", "item 3", "row 7": how a person finds it in the file
    data: Any
    error: str | None = None  # the reader could not even decode it


@dataclass(frozen=True, slots=True)
class Rejection:
    position: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.position}, {self.field}" if self.field else self.position
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    kind: str
    accepted: int = 0
    duplicates: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def reject(self, position: str, field_name: str, message: str) -> None:
        self.rejected.append(Rejection(position, field_name, message))

    def merge(self, other: "ImportResult") -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.updated += other.updated
        self.rejected.extend(other.rejected)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "updated": self.updated,
            "rejected": len(self.rejected),
            "rejections": [
                {"position": r.position, "field": r.field, "message": r.message}
                for r in self.rejected
            ],
        }


# Records a transaction for the kinds of short rows (presses, consultations, visitor counts):
# with 2,000, the other kinds' CXM_IMPORT_BATCH, each batch's fixed statements — look-ups of
# ids and repeats, the rollup's sum, the commit — took a sixth of a PostgreSQL import of
# consultations and a twelfth of one of presses.
SHORT_ROWS_BATCH = 5000


class RecordError(ValueError):
    """A record is not acceptable; `field` names the offending field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def read_path(path: Path) -> Iterator[Record]:
    """Records of a file, chosen by extension: .jsonl/.ndjson, .json, .csv."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        with path.open("rb") as fh:
            yield from read_json_lines(fh)
    elif suffix == ".json":
        with path.open("rb") as fh:
            yield from read_json_document(fh)
    elif suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from read_csv(fh)
    else:
        raise ValueError(f"{path}: unknown file type {suffix!r} (use .jsonl, .json or .csv)")


def read_json_lines(fh: IO[bytes]) -> Iterator[Record]:
    for number, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            yield Record(f"line {number}", decode_json(line))
        # RecursionError: nesting deeper than Python's stack (`[[[[…`) is bad input too.
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            yield Record(f"line {number}", None, f"not valid JSON: {exc}")


def decode_json(data: bytes) -> Any:
    """One JSON value. orjson decodes several times faster than the json module, the largest
    share of a big import's reading; what it refuses (NaN, integers beyond 64 bits, lone
    surrogates) goes to the json module, which accepts it as before or words the error.
    One difference stays: orjson reads an integer beyond 64 bits as a float. No contract
    field can hold such a number (sums and counts that large are refused by the readers or
    by the column); an id sent as one is refused as not text instead of kept as digits."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def read_json_document(fh: IO[bytes]) -> Iterator[Record]:
    """A top-level array is streamed item by item; a single object is one record."""
    head = fh.read(1)
    while head and head.isspace():
        head = fh.read(1)
    if head != b"[":
        try:
            yield Record("document", decode_json(head + fh.read()))
        # RecursionError: nesting deeper than Python's stack (`[[[[…`) is bad input too.
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            yield Record("document", None, f"not valid JSON: {exc}")
        return
    stream = io.BufferedReader(_Prepend(head, fh))
    number = 0
    try:
        for number, item in enumerate(ijson.items(stream, "item", use_float=True), start=1):
            yield Record(f"item {number}", item)
    except ijson.JSONError as exc:
        yield Record(f"item {number + 1}", None, f"not valid JSON: {exc}")


class _Prepend(io.RawIOBase):
    """A byte stream with a few already-read bytes put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = len(self._head)
            buffer[:n] = self._head
            self._head = b""
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_csv(fh: IO[str]) -> Iterator[Record]:
    number = 1
    try:
        for number, row in enumerate(csv.DictReader(fh), start=2):
            yield _csv_record(number, row)
    except csv.Error as exc:  # e.g. a cell over the csv module's 128 KB limit: stop there
        yield Record(f"row {number + 1}", None, f"not valid CSV: {exc}")


def _csv_record(number: int, row: dict) -> Record:
    record = {}
    error = None
    for key, value in row.items():
        if key is None:
            error = "more cells than columns in the header"
            continue
        if value is None or value == "":
            continue
        if key in JSON_COLUMNS:
            try:
                value = json.loads(value)
            except ValueError:
                error = f"column {key!r} must hold JSON, got {value[:60]!r}"
        record[key] = value
    return Record(f"row {number}", record if error is None else None, error)


def read_payload(payload: Any) -> Iterator[Record]:
    """Records of an API body that was already decoded: a list or a single object."""
    items = payload if isinstance(payload, list) else [payload]
    for number, item in enumerate(items, start=1):
        yield Record(f"item {number}", item)


def batched(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def run_in_batches(
    kind: str,
    records: Iterable[Record],
    size: int,
    handle: Callable[[list[Record], ImportResult], None],
) -> ImportResult:
    """Feed decoded records to `handle` batch by batch; undecodable ones are rejected here."""
    result = ImportResult(kind)
    for batch in batched(records, size):
        if decoded := _decoded(batch, result):
            handle(decoded, result)
    return result


def write_in_batches(
    kind: str,
    records: Iterable[Record],
    size: int,
    check: Callable[[list[Record], ImportResult], T],
    write: Callable[[T, ImportResult], None],
) -> ImportResult:
    """For the kinds that come by the hundred thousand: each batch of decoded records is
    checked (`check`: what to write, its rejections in the result) and written (`write`, in
    its own transaction). On PostgreSQL a full batch is written in a transaction that stays
    open while the next batch is checked and the server checks the written rows' foreign keys
    (bulk.constraints_checked_meanwhile); its commit then has nothing left to check, where the
    importer used to wait through that work (docs/scaling.md §Ingest). A shorter batch is the
    last: it is written as `write` writes alone (a record a device pushes: one statement in
    autocommit), and so is every batch on SQLite and inside a caller's transaction. An error
    that stops the import (not a rejected record) rolls back the batch being written; the
    batches before it stay written, and sending the file again writes only what is missing."""
    result = ImportResult(kind)
    batches = _checked_batches(records, size, result, check)
    meanwhile = connection.vendor == "postgresql" and not connection.in_atomic_block
    following = next(batches, None)
    while following is not None:
        checked, full = following
        if meanwhile and full:
            with transaction.atomic():
                write(checked, result)
                with constraints_checked_meanwhile():
                    following = next(batches, None)
        else:
            write(checked, result)
            following = next(batches, None)
    return result


def _checked_batches(
    records: Iterable[Record],
    size: int,
    result: ImportResult,
    check: Callable[[list[Record], ImportResult], T],
) -> Iterator[tuple[T, bool]]:
    """Each batch checked, and whether it was a full one (more may follow)."""
    for batch in batched(records, size):
        if decoded := _decoded(batch, result):
            yield check(decoded, result), len(batch) == size


def _decoded(batch: list[Record], result: ImportResult) -> list[Record]:
    """The batch's records that decoded to a JSON object; the others are rejected."""
    decoded = []
    for record in batch:
        if record.error is not None:
            result.reject(record.position, "", record.error)
        elif not isinstance(record.data, dict):
            result.reject(record.position, "", "expected a JSON object")
        else:
            decoded.append(record)
    return decoded
