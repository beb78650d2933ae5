"""The typed field readers of the import contract (cxm.imports.fields) on the values a
contract file can hold: each reader keeps what it must and refuses the rest with the same
words, whichever kind of value it meets first (the usual kinds take a shorter way)."""

import pytest

from cxm.imports import fields
from cxm.imports.records import RecordError

LONG = "x" * 41


@pytest.mark.parametrize(
    ("data", "options", "expected"),
    [
        ({"f": "  Касса 1 "}, {}, "Касса 1"),
        ({"f": 12}, {}, "12"),
        ({"f": -3}, {}, "-3"),
        ({"f": 0}, {}, "0"),
        ({"f": LONG[:40]}, {"max_length": 40}, LONG[:40]),
        ({"f": f" {LONG[:40]} "}, {"max_length": 40}, LONG[:40]),
        ({}, {"required": False}, ""),
        ({"f": None}, {"required": False}, ""),
        ({"f": " \t"}, {"required": False}, ""),
        ({"f": ""}, {"required": False}, ""),
    ],
)
def test_text_keeps_strings_and_whole_numbers_stripped(data, options, expected):
    assert fields.text(data, "f", **options) == expected


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        ({}, {}, "is required"),
        ({"f": None}, {}, "is required"),
        ({"f": ""}, {}, "is required"),
        ({"f": "   "}, {}, "is required"),
        ({"f": True}, {}, "must be text, got bool"),
        ({"f": False}, {"required": False}, "must be text, got bool"),
        ({"f": 1.5}, {}, "must be text, got float"),
        ({"f": 2.0}, {"required": False}, "must be text, got float"),
        ({"f": ["a"]}, {}, "must be text, got list"),
        ({"f": {"a": 1}}, {}, "must be text, got dict"),
        ({"f": LONG}, {"max_length": 40}, "is longer than 40 characters"),
        ({"f": 10**41}, {"max_length": 40}, "is longer than 40 characters"),
    ],
)
def test_text_refuses_naming_its_field(data, options, message):
    with pytest.raises(RecordError) as refused:
        fields.text(data, "f", **options)
    assert (refused.value.field, refused.value.message) == ("f", message)


@pytest.mark.parametrize(
    ("data", "options", "expected"),
    [
        ({"f": 7}, {}, 7),
        ({"f": -7}, {}, -7),
        ({"f": 0}, {"minimum": 0}, 0),
        ({"f": 2.0}, {}, 2),
        ({"f": "12"}, {}, 12),
        ({"f": " 12 "}, {"minimum": 1}, 12),
        ({"f": "-4"}, {}, -4),
        ({}, {"default": 3}, 3),
        ({"f": None}, {"default": 0}, 0),
        ({"f": ""}, {"default": 5, "minimum": 1}, 5),
    ],
)
def test_integer_keeps_whole_numbers(data, options, expected):
    number = fields.integer(data, "f", **options)
    assert (number, type(number)) == (expected, int)


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        ({}, {}, "is required"),
        ({"f": None}, {}, "is required"),
        ({"f": ""}, {"minimum": 1}, "is required"),
        ({"f": True}, {}, "must be a whole number, got True"),
        ({"f": False}, {"default": 1}, "must be a whole number, got False"),
        ({"f": 2.5}, {}, "must be a whole number, got 2.5"),
        ({"f": "2.5"}, {}, "must be a whole number, got '2.5'"),
        ({"f": "seven"}, {}, "must be a whole number, got 'seven'"),
        ({"f": [1]}, {}, "must be a whole number, got [1]"),
        ({"f": {"n": 1}}, {}, "must be a whole number, got {'n': 1}"),
        ({"f": -1}, {"minimum": 0}, "must be at least 0, got -1"),
        ({"f": 0}, {"minimum": 1}, "must be at least 1, got 0"),
        ({"f": "-3"}, {"minimum": 1}, "must be at least 1, got -3"),
        ({"f": -2.0}, {"minimum": 0}, "must be at least 0, got -2"),
    ],
)
def test_integer_refuses_naming_its_field(data, options, message):
    with pytest.raises(RecordError) as refused:
        fields.integer(data, "f", **options)
    assert (refused.value.field, refused.value.message) == ("f", message)
