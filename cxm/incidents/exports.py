"""Exports that carry their filters: the rows of a report or list in CSV or XLSX, with the
applied filters written into the file (a header block in CSV, a sheet of their own in
Excel), so a printed or forwarded file still says what it shows."""

import csv
import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from cxm.reports.formats import _cell, _columns, safe_cell

EXPORT_FORMATS = ("csv", "xlsx")


def to_csv(rows: list[dict[str, Any]], filters: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for name, value in filters.items():
        writer.writerow([f"# {name}", safe_cell(value)])
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _excel(value: Any) -> Any:
    # Excel has no time zones: an aware moment is written as ISO text with its offset.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat(timespec="seconds")
    return _cell(value)


def to_xlsx(title: str, rows: list[dict[str, Any]], filters: dict[str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    columns = _columns(rows)
    sheet.append(columns)
    for row in rows:
        sheet.append([_excel(row.get(c)) for c in columns])
    about = book.create_sheet("filters")
    about.append(["filter", "value"])
    for name, value in filters.items():
        about.append([name, safe_cell(value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
