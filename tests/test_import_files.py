"""File readers: JSON Lines, JSON arrays streamed, CSV, and the `cxm import` command."""

import io
import json
import math

import pytest
from django.core.management import call_command

from cxm.imports.records import read_csv, read_json_document, read_json_lines
from tests.factories import receipt


def test_json_lines_report_the_line_of_a_broken_record():
    data = b'{"a": 1}\n\n{broken\n{"b": 2}\n'
    records = list(read_json_lines(io.BytesIO(data)))
    assert [(r.position, r.error is None) for r in records] == [
        ("line 1", True),
        ("line 3", False),
        ("line 4", True),
    ]


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.consumed += n
        return n


def test_a_json_array_is_streamed_not_loaded_whole():
    body = json.dumps([{"n": i, "pad": "x" * 200} for i in range(20000)]).encode()
    reader = CountingReader(body)
    first = next(read_json_document(reader))
    assert first.data["n"] == 0
    assert reader.consumed < len(body) / 10


def test_csv_columns_holding_json_are_decoded():
    text = 'code,name,registers\nA,Магазин,"[""0001""]"\n'
    [record] = list(read_csv(io.StringIO(text)))
    assert record.data == {"code": "A", "name": "Магазин", "registers": ["0001"]}


def test_the_import_command_prints_counts_and_rejections_and_exits_1(chain, tmp_path, capsys):
    path = tmp_path / "receipts.jsonl"
    bad = receipt(2)
    bad["items"][0]["quantity"] = -1
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [receipt(1), bad]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "receipts", str(path))
    out = capsys.readouterr()
    assert exit_info.value.code == 1
    assert "1 accepted" in out.out and "1 rejected" in out.out
    assert "line 2" in out.err and "items[0].quantity" in out.err


def test_a_clean_import_exits_0(chain, tmp_path, capsys):
    path = tmp_path / "receipts.json"
    path.write_text(json.dumps([receipt(1), receipt(2)], ensure_ascii=False))
    call_command("import", "receipts", str(path))
    assert "2 accepted" in capsys.readouterr().out


def test_what_orjson_refuses_the_json_module_reads_as_before():
    data = b'{"a": NaN}\n{"b": "\\ud800"}\n{broken\n'
    records = list(read_json_lines(io.BytesIO(data)))
    assert math.isnan(records[0].data["a"])
    assert records[1].data == {"b": "\ud800"}
    assert records[2].error.startswith("not valid JSON: Expecting property name")


def test_a_whole_number_beyond_64_bits_is_refused_naming_its_field(chain, tmp_path, capsys):
    # orjson reads it as a float (docs/import-contract.md); the receipt reader refuses that.
    path = tmp_path / "receipts.jsonl"
    huge = json.dumps(receipt(1)).replace(
        '"fiscalDocumentNumber": 1', '"fiscalDocumentNumber": 1' + "0" * 25
    )
    path.write_text(huge + "\n" + json.dumps(receipt(2)))
    with pytest.raises(SystemExit):
        call_command("import", "receipts", str(path))
    out = capsys.readouterr()
    assert "1 accepted" in out.out and "1 rejected" in out.out
    assert "line 1, fiscalDocumentNumber: fiscalDocumentNumber must be a whole number" in out.err
