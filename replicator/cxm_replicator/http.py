"""HTTP calls with the politeness every OFD asks for: honour `Retry-After` on 429/503
(header, or Платформа ОФД's body "Retry after: 60s"), back off exponentially on 5xx and
network errors, and give up after a bounded number of attempts so one bad register does
not stall the others."""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from cxm_replicator.clock import Clock

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_BODY_RETRY = re.compile(r"retry after:?\s*(\d+)\s*s", re.IGNORECASE)
MAX_RETRY_AFTER = 600.0  # a server asking for an hour is treated as "not now" instead


class RemoteError(RuntimeError):
    """The remote side kept failing; `status` is the last HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff: float = 1.0  # seconds before the second attempt, doubled each time
    max_backoff: float = 120.0


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, from the header or a documented body text."""
    header = response.headers.get("Retry-After", "").strip()
    if header.isdigit():
        return min(float(header), MAX_RETRY_AFTER)
    match = _BODY_RETRY.search(response.text[:500])
    if match:
        return min(float(match.group(1)), MAX_RETRY_AFTER)
    return None


def send(
    call: Callable[[], httpx.Response],
    clock: Clock,
    policy: RetryPolicy,
    what: str,
) -> httpx.Response:
    """`call()` until it answers something other than a retryable status; that answer is
    returned (the caller judges 4xx). `what` names the call in logs — never a URL, which
    may carry a provider's token in its query."""
    delay = policy.backoff
    for attempt in range(1, policy.attempts + 1):
        try:
            response = call()
        except httpx.TransportError as exc:
            status, wait, reason = None, delay, type(exc).__name__
        else:
            if response.status_code not in RETRY_STATUSES:
                return response
            status, reason = response.status_code, f"HTTP {response.status_code}"
            asked = retry_after(response)
            wait = delay if asked is None else asked
        if attempt == policy.attempts:
            raise RemoteError(f"{what}: {reason} after {attempt} attempts", status)
        log.warning("%s: %s, retrying in %.0f s (attempt %d)", what, reason, wait, attempt)
        clock.sleep(wait)
        delay = min(delay * 2, policy.max_backoff)
    raise AssertionError("unreachable")
