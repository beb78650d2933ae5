"""Time as the replicator sees it. Injected everywhere so that tests never sleep through a
real `Retry-After: 60` and can move "now" forward to make documents late."""

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ScaledClock(SystemClock):
    """Real time, but sleeps are shortened by `factor` (tests: Retry-After 60 s → 60 ms).
    Records every requested sleep so that tests can assert the delay was honoured."""

    def __init__(self, factor: float = 0.001) -> None:
        self.factor = factor
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        time.sleep(seconds * self.factor)
