"""Logs without secrets or personal data: a filter that masks bearer tokens, CXM tokens,
passwords, e-mail addresses and phone numbers in every record, and a JSON-lines formatter
for log collectors (CXM_LOG_FORMAT=json)."""

import json
import logging
import re

MASK = "***"
_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|token)(\s+|=|:\s*)[\w.~+/=-]+"), rf"\1\2{MASK}"),
    (re.compile(r"\bcxmd?_[\w-]{8,}"), MASK),
    (
        re.compile(r"(?i)\b(password|passwd|secret|api_key|key)(\"?\s*[=:]\s*\"?)[^\s\"&,;]+"),
        rf"\1\2{MASK}",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "***@***"),
    # Russian and international numbers: +7 912 345-67-89, 8(912)3456789, +49 30 1234567.
    (re.compile(r"(?<![\w.])(\+|\b8)[\s(]*\d{1,3}[\s)-]*\d{2,4}([\s-]*\d{2,4}){2,3}\b"), "+***"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites the record's message (arguments merged in) and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)
