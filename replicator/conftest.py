"""Fixtures of the replicator's own tests: a clock that does not really sleep and an
outbox in a temporary folder."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cxm_replicator.clock import ScaledClock
from cxm_replicator.emulation import Harness, connect
from cxm_replicator.http import RetryPolicy
from cxm_replicator.outbox import Outbox

FAST = RetryPolicy(attempts=4, backoff=1.0)


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=0.001)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def start_provider(name: str, harness: Harness, clock: ScaledClock, **options: str):
    return connect(name, harness, clock, FAST, **options)


@contextmanager
def running(name: str, harness: Harness, clock: ScaledClock) -> Iterator[tuple]:
    """(harness, provider) with the emulator started, both closed afterwards."""
    provider = start_provider(name, harness, clock)
    try:
        yield harness, provider
    finally:
        provider.close()
        harness.emulator.stop()
