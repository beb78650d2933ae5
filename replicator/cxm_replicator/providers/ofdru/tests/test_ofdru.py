"""OFD.ru against its emulator: AuthToken with an expiry, renewed before and after it
lapses; the PascalCase dialect."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import running, start_provider

from cxm_replicator.emulation import sample_receipts
from cxm_replicator.providers.ofdru import mapping
from cxm_replicator.providers.ofdru.emulator import harness

REGISTER = "0000000000000042"


@pytest.fixture
def ofdru(clock):
    h = harness()
    h.emulator.token_life = timedelta(minutes=30)
    with running("ofdru", h, clock) as started:
        yield started


def window() -> tuple[datetime, datetime]:
    end = datetime.now(UTC)
    return end - timedelta(days=2), end


def fill(emulator, count: int) -> None:
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=20)
    for receipt, received in sample_receipts(REGISTER, count, start=start):
        emulator.add(REGISTER, receipt, received_at=received)


def test_a_revoked_token_is_renewed_once_and_the_call_repeated(ofdru):
    h, provider = ofdru
    fill(h.emulator, 4)
    assert len(list(provider.documents(REGISTER, *window()))) == 4
    h.emulator.expire_tokens()
    assert len(list(provider.documents(REGISTER, *window()))) == 4
    assert h.emulator.logins == 2


def test_a_token_close_to_its_expiry_is_renewed_before_use(ofdru, clock):
    h, provider = ofdru
    provider.registers()
    provider._expires = datetime.now(UTC) + timedelta(minutes=2)  # as if 28 minutes passed
    provider.registers()
    assert h.emulator.logins == 2
    assert not any(
        r.path.endswith("kkts") and r.query.get("AuthToken") == [None] for r in h.emulator.requests
    )


def test_an_api_key_needs_no_login(clock):
    h = harness()
    key = "apikey-2-0-deadbeef"
    h.emulator.tokens[key] = datetime.now(UTC) + timedelta(days=365)
    h.secrets = {"api_key": key}
    provider = start_provider("ofdru", h, clock)
    try:
        assert provider.registers() == []
        assert h.emulator.logins == 0
    finally:
        provider.close()
        h.emulator.stop()


def test_mapping_reads_operation_words_and_extra_properties():
    receipt, received = next(
        sample_receipts(REGISTER, 1, start=datetime(2026, 3, 2, 12), first_number=17)
    )
    receipt["properties"] = [{"key": "seller", "value": "S7"}]
    raw = mapping.from_receipt(receipt, received, "raw-1")
    assert raw["OperationType"] == "Refund income"
    back = mapping.to_receipt(raw)
    assert back["operationType"] == 2
    assert back["properties"] == [{"key": "seller", "value": "S7"}]
    assert back["items"] == receipt["items"]


def test_a_busy_register_is_asked_in_pieces_of_a_bounded_answer(ofdru, monkeypatch):
    """OFD.ru answers a period in one piece, without pages: memory stays bounded only if
    the pieces are narrow enough. After the first, no answer holds much more than
    ANSWER_SIZE receipts, and every receipt of the month arrives."""
    from cxm_replicator.emulation import sample_series
    from cxm_replicator.providers.ofdru import transport

    monkeypatch.setattr(transport, "ANSWER_SIZE", 100)
    h, provider = ofdru
    end = datetime.now(UTC)
    start = end - timedelta(days=30)
    first = (start + timedelta(hours=3, minutes=5)).replace(tzinfo=None)  # Moscow wall time
    sample_series(h.emulator, REGISTER, 6000, start=first, step=timedelta(minutes=7))
    sizes = []
    handle = h.emulator.handle

    def measured(request):
        answer = handle(request)
        if isinstance(answer.body, dict) and "Data" in answer.body:
            sizes.append(len(answer.body["Data"]))
        return answer

    h.emulator.handle = measured
    docs = list(provider.documents(REGISTER, start, end))
    assert {d.receipt["fiscalDocumentNumber"] for d in docs} == set(range(1, 6001))
    assert sizes[0] > 100 and max(sizes[1:]) <= 2 * 100
