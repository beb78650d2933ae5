"""Logging that cannot leak a secret: every credential read from the store is registered
here and masked in every log record, whatever code formats it; and the HTTP library's own
request logging (URLs, which for OFD.ru carry the token in the query) stays off."""

import logging
import logging.handlers
import sys
import threading
from pathlib import Path

MASK = "********"
_secrets: set[str] = set()
_lock = threading.Lock()


def hide(secret: str) -> str:
    """Register `secret` for masking and return it unchanged."""
    if secret and len(secret) >= 4:  # masking "a" would garble every log line
        with _lock:
            _secrets.add(secret)
    return secret


def redact(text: str) -> str:
    with _lock:
        for secret in sorted(_secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup(home: Path | None, level: int = logging.INFO) -> None:
    """Log to stderr and, when `home` is given, to a rotating file under home/logs."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if home is not None:
        (home / "logs").mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                home / "logs" / "replicator.log",
                maxBytes=5_000_000,
                backupCount=5,
                encoding="utf-8",
            )
        )
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
