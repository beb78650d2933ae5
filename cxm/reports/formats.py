"""One report, four shapes: table (for a terminal), JSON, CSV and Excel."""

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
from openpyxl import Workbook

FORMATS = ("table", "json", "csv", "xlsx")


def _plain(value: Any) -> Any:
    # A numpy float is a float to the json module, not to orjson.
    if isinstance(value, Decimal | float):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(report: dict[str, Any], *, indent: int | None = 1) -> str:
    """Indented for a person at a terminal; `indent=None`, compact, for the pages and the
    API, through orjson: a chain dashboard's 270 KB took 4–6 ms in the json module, a
    twentieth of the page. The same values either way; orjson writes no NaN (null: NaN is
    not JSON) and a small float in full (0.00001, not 1e-05)."""
    if indent is None:
        return orjson.dumps(report, default=_plain, option=orjson.OPT_NON_STR_KEYS).decode()
    return json.dumps(report, ensure_ascii=False, default=_plain, indent=indent)


def _columns(rows: list[dict]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return columns


def to_csv(report: dict[str, Any]) -> str:
    rows = report["rows"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def to_xlsx(report: dict[str, Any], filters: dict[str, Any] | None = None) -> bytes:
    """The rows on the first sheet; every other table of the report (an analysis' `points`,
    the revenue-source table's `stores`, …) on a sheet of its own, so the file carries the
    data the figures were computed from; the report's single values and the `filters` on
    the last sheet, `about`."""
    book = Workbook()
    _sheet(book.active, report["report"], report["rows"])
    for name, value in report.items():
        if name != "rows" and _is_table(value):
            _sheet(book.create_sheet(), name, value)
    about = book.create_sheet("about")
    about.append(["field", "value"])
    for name, value in _single_values({**report, **(filters or {})}):
        about.append([name, _cell(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _single_values(report: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(name, value) of each single value, a mapping's as `name.key`; tables left out."""
    for name, value in report.items():
        if isinstance(value, dict):
            yield from _single_values(value, f"{prefix}{name}.")
        elif not _is_table(value):
            yield f"{prefix}{name}", value


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _sheet(sheet, title: str, rows: list[dict[str, Any]]) -> None:
    sheet.title = re.sub(r"[][:*?/\\]", "-", title)[:31]
    columns = _columns(rows)
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])


def _cell(value: Any) -> Any:
    """A spreadsheet cell: money as a number, a nested list or mapping as its JSON text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list | tuple):
        return safe_cell(json.dumps(value, ensure_ascii=False, default=_plain))
    return safe_cell(value)


# A text cell starting with one of these is run as a formula by Excel and LibreOffice
# (CSV/formula injection): `=HYPERLINK(…)` in a customer's comment must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def safe_cell(value: Any) -> Any:
    """The value for a spreadsheet cell: text that a spreadsheet would take for a formula gets
    a leading apostrophe (OWASP's advice); numbers, and text that is just a number, stay."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_table(report: dict[str, Any]) -> str:
    rows = report["rows"]
    if not rows:
        return "(no rows)"
    columns = _columns(rows)
    cells = [[_show(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.2f}"
    return str(value)
