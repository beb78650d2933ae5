"""Fixtures of the replicator's own tests: a clock that does not really sleep, an outbox
in a temporary folder, and a provider started against its emulator on loopback."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxm_replicator.clock import ScaledClock
from cxm_replicator.emulation import Harness
from cxm_replicator.http import RetryPolicy
from cxm_replicator.outbox import Outbox
from cxm_replicator.providers import create_provider
from cxm_replicator.providers.base import ProviderContext

FAST = RetryPolicy(attempts=4, backoff=1.0)


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=0.001)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3")
    yield box
    box.close()


def start_provider(name: str, harness: Harness, clock: ScaledClock, **extra):
    """The provider `name` talking to its started emulator."""
    harness.emulator.start()
    url = harness.emulator.url
    # Every address setting the harness left empty points at the emulator.
    options = {k: (url if k.endswith("_url") and not v else v) for k, v in harness.options.items()}
    options.update(extra)
    context = ProviderContext(options, harness.secrets.__getitem__, clock, FAST, timeout=10)
    return create_provider(name, context)
