"""Watching a folder: new files are read, their receipts handed to the engine, and only
after the engine has stored them (`acknowledge`) are the files moved out of the way."""

import csv
import json
import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cxm_replicator.providers.base import Fetched, MappingError, ProviderContext, RegisterInfo
from cxm_replicator.providers.files import mapping

log = logging.getLogger(__name__)
PATTERNS = ("*.json", "*.jsonl", "*.ndjson", "*.csv")
ALL_REGISTERS = "files"  # the engine's one pseudo-register for this provider


class FolderProvider:
    max_window = timedelta(days=36500)  # one pass over the folder per cycle

    def __init__(self, context: ProviderContext) -> None:
        self.folder = Path(context.options["folder"]).expanduser()
        self._read: list[Path] = []
        self._unreadable: list[Path] = []

    def registers(self) -> list[RegisterInfo]:
        return [
            RegisterInfo(ALL_REGISTERS, "all registers in the exported files", str(self.folder))
        ]

    def documents(self, register: str, start: datetime, end: datetime) -> Iterator[Fetched]:
        if not self.folder.is_dir():
            raise FileNotFoundError(f"the export folder {self.folder} does not exist")
        files = sorted({p for pattern in PATTERNS for p in self.folder.glob(pattern)})
        for path in files:
            received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            try:
                values = list(_values(path))
            except (ValueError, UnicodeDecodeError, csv.Error) as exc:
                log.warning("file %s cannot be read: %s", path.name, exc)
                self._unreadable.append(path)
                continue
            for n, raw in enumerate(mapping.receipts_in(values), start=1):
                ref = f"{path.name} #{n}"
                try:
                    yield Fetched(ref, received, mapping.to_receipt(raw))
                except MappingError as exc:
                    yield Fetched(ref, received, error=str(exc))
            self._read.append(path)

    def acknowledge(self) -> None:
        """The engine stored what was read: move the files so they are not read again."""
        for paths, where in ((self._read, "done"), (self._unreadable, "rejected")):
            for path in paths:
                target = self.folder / where
                target.mkdir(exist_ok=True)
                shutil.move(str(path), target / path.name)
            paths.clear()

    def close(self) -> None:
        pass


def _values(path: Path) -> Iterator[Any]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle, delimiter=_delimiter(path)):
                yield _csv_row(row)
        return
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix in (".jsonl", ".ndjson"):
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)
    else:
        yield json.loads(text)


def _delimiter(path: Path) -> str:
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    return ";" if header.count(";") > header.count(",") else ","


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in row.items() if k and v != ""}
    for key in ("items", "properties"):
        if key in out:
            try:
                out[key] = json.loads(out[key])
            except json.JSONDecodeError as exc:
                out[key] = f"unreadable JSON: {exc}"  # the mapping rejects it with its name
    return out
