"""What every HTTP provider must do against its OFD's emulator, whatever the OFD: every
document arrives once across windows and pages, Retry-After is honoured, late documents
are caught by the overlap window, and malformed documents are rejected with a reason while
the rest go on."""

import json
import logging
import random
from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from conftest import start_provider
from cxm_replicator.emulation import sample_receipts, sample_series
from cxm_replicator.engine import Replicator, SyncSettings

HTTP_PROVIDERS = ["platforma", "kontur", "ofdru"]
REGISTER = "0000000000000001"


@pytest.fixture(params=HTTP_PROVIDERS)
def ofd(request, clock):
    name = request.param
    emulator_module = import_module(f"cxm_replicator.providers.{name}.emulator")
    # Small pages so that a few hundred documents already need paging or splitting.
    harness = emulator_module.harness(50) if name != "ofdru" else emulator_module.harness()
    provider = start_provider(name, harness, clock)
    yield name, harness, provider
    provider.close()
    harness.emulator.stop()


def replicator_for(provider, outbox, clock, **settings) -> Replicator:
    return Replicator(
        provider=provider,
        outbox=outbox,
        cxm=None,  # pulling only: CXM is exercised in tests/test_replicator_*.py
        clock=clock,
        registers=[REGISTER],
        provider_name="test",
        replicator_id="r-test",
        settings=SyncSettings(first_sync=timedelta(days=20), **settings),
    )


def fill(emulator, count: int, days_back: float, first: int = 1) -> None:
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days_back)
    step = timedelta(days=days_back) / (count + 1)
    for receipt, received in sample_receipts(
        REGISTER, count, start=start, first_number=first, step=step
    ):
        emulator.add(REGISTER, receipt, received_at=received)


def numbers(outbox) -> list[int]:
    return [fd for (fd,) in outbox.db.execute("SELECT fd FROM outbox ORDER BY fd")]


def test_every_document_arrives_once_across_windows_and_pages(ofd, outbox, clock):
    _, harness, provider = ofd
    fill(harness.emulator, 240, days_back=16)  # > 2 Платформа windows, > 1 page everywhere
    engine = replicator_for(provider, outbox, clock)
    engine.pull_register(REGISTER, None)
    engine.pull_register(REGISTER, None)  # the overlap re-reads: nothing doubles
    assert numbers(outbox) == list(range(1, 241))


def test_a_lazy_series_is_served_like_documents_held_one_by_one(ofd, outbox, clock):
    """The benchmark's emulator makes documents from their index instead of holding them:
    paging, period limits and cursors must not tell the difference."""
    _, harness, provider = ofd
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=16)
    sample_series(harness.emulator, REGISTER, 200, start=start, step=timedelta(days=16) / 201)
    fill(harness.emulator, 40, days_back=16, first=201)  # held ones mixed in, later numbers
    engine = replicator_for(provider, outbox, clock)
    engine.pull_register(REGISTER, None)
    engine.pull_register(REGISTER, None)
    assert numbers(outbox) == list(range(1, 241))
    assert harness.emulator.registers() == [REGISTER]


def test_a_series_finds_its_period_by_arithmetic_exactly():
    from cxm_replicator.emulation import Emulator

    emulator = Emulator()
    first = datetime(2026, 3, 1, tzinfo=UTC)
    step = timedelta(seconds=7, microseconds=123457)  # not a round number of anything
    series = sample_series(emulator, REGISTER, 5000, start=datetime(2026, 3, 1, 3), step=step)
    assert series.received(0) == first + timedelta(minutes=1)
    times = [series.received(i) for i in range(series.count)]
    rng = random.Random(1)
    for _ in range(300):
        a = series.received(rng.randrange(-50, 5050)) + timedelta(
            microseconds=rng.choice([-1, 0, 1])
        )
        b = a + timedelta(seconds=rng.uniform(0, 9000))
        expected = [i for i, t in enumerate(times) if a <= t <= b]
        got = series.indexes(a, b)
        assert list(got) == expected
    page = emulator.page(REGISTER, times[10], times[99], after=series.first_number + 19, limit=5)
    assert [d.receipt["fiscalDocumentNumber"] for d in page] == [21, 22, 23, 24, 25]
    assert not emulator.held  # nothing was kept


def test_receipts_keep_the_fns_vocabulary_and_the_store_offset(ofd, outbox, clock):
    from zoneinfo import ZoneInfo

    _, harness, provider = ofd
    fill(harness.emulator, 3, days_back=1)
    replicator_for(provider, outbox, clock).pull_register(REGISTER, ZoneInfo("Asia/Novosibirsk"))
    (payload,) = outbox.db.execute("SELECT payload FROM outbox WHERE fd = 2").fetchone()
    receipt = json.loads(payload)
    assert receipt["kktRegId"] == REGISTER  # padding stripped
    assert receipt["dateTime"].endswith("+07:00")
    assert receipt["totalSum"] == sum(i["sum"] for i in receipt["items"])
    assert set(receipt["items"][0]) == {"name", "price", "quantity", "sum"}


@pytest.mark.parametrize("status", [429, 503])
def test_it_waits_as_long_as_retry_after_asks(ofd, outbox, clock, status):
    _, harness, provider = ofd
    fill(harness.emulator, 5, days_back=1)
    harness.emulator.fail_next(status, {"error": "slow down"}, {"Retry-After": "37"}, times=2)
    replicator_for(provider, outbox, clock).pull_register(REGISTER, None)
    assert clock.slept[:2] == [37.0, 37.0]
    assert numbers(outbox) == [1, 2, 3, 4, 5]


def test_documents_the_ofd_shows_late_arrive_through_the_overlap(ofd, outbox, clock):
    _, harness, provider = ofd
    fill(harness.emulator, 5, days_back=1)
    now = datetime.now(UTC)
    late_receipt, _ = next(
        sample_receipts(REGISTER, 1, start=datetime(2026, 1, 1), first_number=99)
    )
    # Received 20 minutes ago but still being processed: the OFD does not show it yet.
    late = harness.emulator.add(
        REGISTER,
        late_receipt,
        received_at=now - timedelta(minutes=20),
        visible_from=now + timedelta(hours=1),
    )
    engine = replicator_for(provider, outbox, clock, overlap=timedelta(hours=1))
    engine.pull({})
    assert 99 not in numbers(outbox)
    late.visible_from = None  # processing done; the watermark has passed its receive time
    engine.pull({})
    assert numbers(outbox) == [1, 2, 3, 4, 5, 99]


def test_malformed_documents_are_rejected_with_their_reason_and_the_rest_arrive(
    ofd, outbox, clock, caplog
):
    _, harness, provider = ofd
    fill(harness.emulator, 4, days_back=1)
    for raw in harness.malformed:
        harness.emulator.add(REGISTER, raw=raw, received_at=datetime.now(UTC) - timedelta(hours=1))
    with caplog.at_level(logging.WARNING):
        replicator_for(provider, outbox, clock).pull_register(REGISTER, None)
    assert numbers(outbox) == [1, 2, 3, 4]
    problems = outbox.problems()
    assert len(problems) >= len(harness.malformed) - 1  # a non-receipt type may be skipped
    assert all(reason for *_, reason in problems)
    assert caplog.text.count("rejected:") == len(problems)


def test_fuzzed_documents_never_stop_the_sync(ofd, outbox, clock, caplog):
    """Property: whatever a document looks like, the sync records it or its rejection (logged
    with the reason) and carries on; what it records is a receipt CXM can read."""
    name, harness, provider = ofd
    mapping = import_module(f"cxm_replicator.providers.{name}.mapping")
    rng = random.Random(6)
    receipts = list(sample_receipts(REGISTER, 120, start=datetime(2026, 1, 1), first_number=1000))
    received = datetime.now(UTC) - timedelta(hours=2)
    for n, (receipt, _) in enumerate(receipts):
        raw = mapping.from_receipt(receipt, received, f"{n}")
        harness.emulator.add(REGISTER, raw=_mutate(raw, rng), received_at=received)
    fill(harness.emulator, 3, days_back=1)
    with caplog.at_level(logging.WARNING):
        replicator_for(provider, outbox, clock).pull_register(REGISTER, None)
    assert {1, 2, 3} <= set(numbers(outbox))
    assert caplog.text.count("rejected:") == len(outbox.problems(500))
    for (payload,) in outbox.db.execute("SELECT payload FROM outbox"):
        receipt = json.loads(payload)
        assert isinstance(receipt["totalSum"], int) and receipt["totalSum"] >= 0
        assert isinstance(receipt["fiscalDocumentNumber"], int)
        assert receipt["fiscalDriveNumber"].strip() == receipt["fiscalDriveNumber"]
    assert outbox.problems(500), "120 mutations and not one rejected: the fuzzer is broken"


_JUNK = [None, "", "абв", -1, 1.5, 2**60, [], {}, True, "2026-13-45T99:00:00"]


def _mutate(value, rng: random.Random, depth: int = 0):
    """A copy of a JSON value with a few keys dropped or replaced by junk of another type."""
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            roll = rng.random()
            if roll < 0.04:
                continue
            out[key] = rng.choice(_JUNK) if roll < 0.08 else _mutate(inner, rng, depth + 1)
        return out
    if isinstance(value, list):
        return [_mutate(v, rng, depth + 1) for v in value]
    return value


def test_delivered_receipts_are_forgotten_only_far_behind_the_watermark(outbox):
    from cxm_replicator.providers.base import Fetched

    now = datetime.now(UTC)
    (first, _), (second, _) = sample_receipts(REGISTER, 2, start=datetime(2026, 1, 1))
    old = Fetched("r1", now - timedelta(days=40), first)
    recent = Fetched("r2", now - timedelta(hours=1), second)
    outbox.record_window(REGISTER, [old, recent], now, now)
    outbox.settle([row_id for row_id, _ in outbox.pending(10)], {}, now)
    assert outbox.prune(now - timedelta(days=30)) == 1
    assert numbers(outbox) == [2]
