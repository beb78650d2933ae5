"""Typed field readers for contract records; each raises RecordError naming the field."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxm.imports.records import RecordError

# The readers run for every field of every record (a traffic import of 100,000 intervals
# calls `integer` and `moment` 400,000 times): the usual value — a string for text, a JSON
# whole number for a count — is tested first, by its exact type, and skips the other kinds'
# tests. What each reader accepts and how it words a refusal is the same either way.


def text(data: dict, name: str, *, required: bool = True, max_length: int = 200) -> str:
    value = data.get(name)
    if type(value) is not str:
        if value is not None and (not isinstance(value, str | int) or isinstance(value, bool)):
            raise RecordError(name, f"must be text, got {type(value).__name__}")
        value = "" if value is None else str(value)
    value = value.strip()
    if not value:
        if required:
            raise RecordError(name, "is required")
        return ""
    if len(value) > max_length:
        raise RecordError(name, f"is longer than {max_length} characters")
    return value


def integer(
    data: dict, name: str, *, minimum: int | None = None, default: int | None = None
) -> int:
    value = data.get(name)
    if type(value) is int:  # not a bool, whose type is bool
        number = value
    elif value is None or value == "":
        if default is None:
            raise RecordError(name, "is required")
        return default
    elif isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise RecordError(name, f"must be a whole number, got {value!r}")
    else:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise RecordError(name, f"must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise RecordError(name, f"must be at least {minimum}, got {number}")
    return number


def number(data: dict, name: str, *, low: float, high: float) -> float | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise RecordError(name, f"must be a number, got {value!r}") from None
    if not low <= result <= high:
        raise RecordError(name, f"must be between {low} and {high}, got {result}")
    return result


def timezone(data: dict, name: str, default: str) -> str:
    value = data.get(name) or default
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise RecordError(name, f"unknown IANA time zone {value!r}") from None
    return str(value)


def moment(data: dict, name: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 time; one without an offset is the store's local time."""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise RecordError(name, "is required as an ISO 8601 time, e.g. 2026-03-01T10:00:00+03:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(name, f"is not an ISO 8601 time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def mapping(data: dict, name: str) -> dict:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(name, f"must be an object, got {type(value).__name__}")
    return value


def string_list(data: dict, name: str) -> list[str]:
    value: Any = data.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.split("|")]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RecordError(name, "must be a list of strings")
    return [str(v).strip() for v in value if str(v).strip()]
