"""Import request bodies: copied to a spooled temporary file (memory for small bodies, disk
for large ones) within a size limit, checked, then read record by record with the same
readers as `cxm import` — so a 50 MB body never becomes 50 MB of Python objects at once."""

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import ijson
from django.http import HttpRequest

from cxm.imports.records import Record, read_json_document, read_json_lines

MAX_IMPORT_BYTES = 50 * 1024 * 1024
# No record nests this deep; 40 KB of `[[[[…` would cost ijson's item builder gigabytes.
MAX_JSON_DEPTH = 64
_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})
_IN_MEMORY_BYTES = 1024 * 1024
_CHUNK = 64 * 1024

JSON_TYPES = frozenset({"application/json"})
JSON_LINES_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)


class BodyError(ValueError):
    """The body as a whole cannot be read; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class ImportBody:
    """A received import body that can be read as records more than once."""

    def __init__(self, file: IO[bytes], reader: Callable[[IO[bytes]], Iterator[Record]]):
        self._file = file
        self._reader = reader

    def records(self) -> Iterator[Record]:
        self._file.seek(0)
        yield from self._reader(self._file)


@contextmanager
def receive_import_body(request: HttpRequest, limit: int | None = None) -> Iterator[ImportBody]:
    """The body in a spooled file, for the duration of the `with` block. JSON must parse as
    a whole (a body cut short or mistyped is refused before anything is written); in JSON
    Lines each line is its own record, and a bad line is rejected by position like any
    other bad record — the same as `cxm import` does with files."""
    limit = limit or MAX_IMPORT_BYTES
    _check_declared_length(request, limit)
    with tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES) as file:
        _spool(request, file, limit)
        if not file.tell():
            raise BodyError(400, "the body is empty: send a JSON array of records or one object")
        reader = _reader_for(request.content_type)
        if reader is read_json_document:
            _check_json(file)
        yield ImportBody(file, reader)


def _reader_for(content_type: str | None) -> Callable[[IO[bytes]], Iterator[Record]]:
    media_type = (content_type or "").lower()
    if media_type in JSON_TYPES:
        return read_json_document
    if media_type in JSON_LINES_TYPES:
        return read_json_lines
    raise BodyError(
        415,
        f"unsupported Content-Type {media_type or '(none)'!r}: send application/json "
        "(an array or one object) or application/x-ndjson (JSON Lines)",
    )


def _too_big(limit: int) -> BodyError:
    return BodyError(
        413, f"the body is larger than {limit // (1024 * 1024)} MB: send it in smaller batches"
    )


def _check_declared_length(request: HttpRequest, limit: int) -> None:
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_big(limit)


def _spool(request: HttpRequest, file: IO[bytes], limit: int) -> None:
    size = 0
    # request.read() streams; request.body would hold it all and trip Django's 2.5 MB cap.
    while chunk := request.read(_CHUNK):
        size += len(chunk)
        if size > limit:  # a chunked body declares no length
            raise _too_big(limit)
        file.write(chunk)


def _check_json(file: IO[bytes]) -> None:
    file.seek(0)
    seen = False
    depth = 0
    try:
        for _, event, _ in ijson.parse(file):
            seen = True
            depth += event in _OPEN
            depth -= event in _CLOSE
            if depth > MAX_JSON_DEPTH:
                raise BodyError(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        raise BodyError(400, f"the body is not valid JSON: {exc}") from None
    if not seen:
        raise BodyError(400, "the body holds no JSON value: send an array of records or one object")
