"""Property tests of hostile input: the receipt parser either parses a receipt or refuses it
with a ReceiptError naming a field, and the import readers turn any bytes — wrong encodings,
deep nesting, huge lines — into records or per-record errors, never a crash."""

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxm.imports.records import read_csv, read_json_document, read_json_lines
from cxm.sales.ffd import ParsedReceipt, ReceiptError, parse_receipt
from tests.test_ffd import khabarovsk_receipt

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIELDS = list(khabarovsk_receipt())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def parses_or_names_a_field(raw) -> None:
    try:
        assert isinstance(parse_receipt(raw), ParsedReceipt)
    except ReceiptError as exc:
        assert exc.field and exc.message


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS)))
def test_a_receipt_of_arbitrary_fields_parses_or_names_a_field(raw):
    parses_or_names_a_field(raw)


@FUZZ
@given(st.sampled_from(FIELDS), json_values)
def test_a_real_receipt_with_one_field_spoiled_parses_or_names_a_field(field, value):
    raw = khabarovsk_receipt()
    raw[field] = value
    parses_or_names_a_field(raw)


@FUZZ
@given(st.integers(min_value=0, max_value=3), json_values)
def test_a_spoiled_item_parses_or_names_a_field(index, value):
    raw = khabarovsk_receipt()
    item = raw["items"][index % len(raw["items"])]
    item[sorted(item)[index % len(item)]] = value
    parses_or_names_a_field(raw)


def records_of(reader, data: bytes) -> list:
    records = list(reader(io.BytesIO(data)))
    for record in records:
        assert record.error is None or record.data is None
    return records


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_as_json_lines_or_a_document_give_records_or_errors(data):
    records_of(read_json_lines, data)
    records_of(read_json_document, data)


@FUZZ
@given(st.lists(json_values, max_size=5), st.sampled_from(["utf-8", "cp1251", "utf-16"]))
def test_json_in_a_wrong_encoding_is_refused_per_record_not_by_a_crash(items, encoding):
    text = "\n".join(json.dumps(i, ensure_ascii=False) for i in items)
    records_of(read_json_lines, text.encode(encoding, errors="replace"))
    records_of(
        read_json_document, json.dumps(items, ensure_ascii=False).encode(encoding, errors="replace")
    )


@FUZZ
@given(st.text(max_size=300))
def test_any_text_as_csv_gives_records_or_errors(text):
    for record in read_csv(io.StringIO(text, newline="")):  # as read_path opens files
        assert (record.data is None) == (record.error is not None)  # a row is never null


def test_deep_nesting_and_a_huge_line_are_records_or_errors():
    deep = b"[" * 100_000 + b"]" * 100_000
    assert records_of(read_json_lines, deep)[0].error
    assert records_of(read_json_document, b'{"a": ' + deep + b"}")[0].error
    huge = json.dumps({"name": "x" * 5_000_000}).encode()
    assert records_of(read_json_lines, huge)[0].data["name"] == "x" * 5_000_000
    cell = io.StringIO(f'code,name\nS1,"{"x" * 200_000}"\n', newline="")
    assert "not valid CSV" in list(read_csv(cell))[0].error
