"""Платформа ОФД against its emulator: what is particular to this OFD. The behaviours all
providers share (paging, Retry-After, late and malformed documents) are in
replicator/tests/test_provider_conformance.py."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import running

from cxm_replicator.emulation import sample_receipts
from cxm_replicator.providers.base import AuthError
from cxm_replicator.providers.platforma import mapping
from cxm_replicator.providers.platforma.emulator import harness

REGISTER = "0000316316055787"


@pytest.fixture
def platforma(clock):
    with running("platforma", harness(limit=40), clock) as started:
        yield started


def test_it_lists_registers_of_nested_branches_without_padding(platforma):
    h, provider = platforma
    for register in (REGISTER, "0000316316055788"):
        receipt, received = next(sample_receipts(register, 1, start=datetime(2026, 3, 2, 10)))
        h.emulator.add(register, receipt, received_at=received)
    assert sorted(r.kkt_reg_id for r in provider.registers()) == [REGISTER, "0000316316055788"]


def test_it_splits_a_period_the_ofd_answered_in_full(platforma):
    h, provider = platforma
    for receipt, received in sample_receipts(REGISTER, 100, start=datetime(2026, 3, 2, 9)):
        h.emulator.add(REGISTER, receipt, received_at=received)
    docs = list(
        provider.documents(
            REGISTER, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
        )
    )
    numbers = {d.receipt["fiscalDocumentNumber"] for d in docs}
    assert numbers == set(range(1, 101))  # every one, although one answer holds 40 at most


def test_after_a_cut_answer_it_asks_in_narrower_pieces(platforma):
    """A busy register fills an answer in a week: once halved, later periods start at the
    width that was answered whole, not at a week that comes back cut again."""
    h, provider = platforma
    for receipt, received in sample_receipts(REGISTER, 300, start=datetime(2026, 3, 2, 9)):
        h.emulator.add(REGISTER, receipt, received_at=received)
    day = timedelta(days=1)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    list(provider.documents(REGISTER, start, start + day))
    cut_first = sum(1 for r in h.emulator.requests if _answered(h, r) >= 40)
    h.emulator.requests.clear()
    docs = list(provider.documents(REGISTER, start + day, start + 2 * day))
    expected = {
        receipt["fiscalDocumentNumber"]
        for receipt, received in sample_receipts(REGISTER, 300, start=datetime(2026, 3, 2, 9))
        if start + day <= received <= start + 2 * day
    }
    # Pieces meet at their ends, so a document right there may come twice (the outbox
    # keeps it once); none is missed.
    assert {d.receipt["fiscalDocumentNumber"] for d in docs} == expected
    cut_then = sum(1 for r in h.emulator.requests if _answered(h, r) >= 40)
    assert cut_first >= 2 and cut_then <= 1


def _answered(h, request) -> int:
    """How many documents the emulator put in its answer to `request`."""
    answer = h.emulator.handle(request)
    return len(answer.body.get("receipts", [])) if isinstance(answer.body, dict) else 0


def test_it_asks_by_receive_time_in_moscow_time(platforma):
    h, provider = platforma
    list(
        provider.documents(
            REGISTER, datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 10, tzinfo=UTC)
        )
    )
    query = h.emulator.requests[-1].query
    assert query["dateType"] == ["2"]
    assert query["dateFrom"] == ["2026-03-02 12:00:00"]


def test_it_waits_as_long_as_too_many_requests_says(platforma, clock):
    h, provider = platforma
    h.emulator.fail_next(503, {"error": "Too many requests. Retry after: 60s"})
    assert (
        list(
            provider.documents(
                REGISTER, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
            )
        )
        == []
    )
    assert clock.slept == [60.0]


def test_receipts_in_processing_503_01_are_waited_for_as_retry_after_says(platforma, clock):
    """503-01: a document of the period is not processed yet; the OFD says when to ask
    again (Retry-After: 60), and the answer then holds it."""
    h, provider = platforma
    receipt, received = next(sample_receipts(REGISTER, 1, start=datetime(2026, 3, 2, 12)))
    doc = h.emulator.add(
        REGISTER, receipt, received_at=received, visible_from=datetime.now(UTC) + timedelta(days=1)
    )
    answers = []
    handle = h.emulator.handle

    def recorded(request):
        answers.append(handle(request))
        return answers[-1]

    h.emulator.handle = recorded
    waited = clock.sleep

    def processing_ends_while_we_wait(seconds):
        waited(seconds)
        doc.visible_from = None

    clock.sleep = processing_ends_while_we_wait
    docs = list(
        provider.documents(
            REGISTER, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
        )
    )
    assert [d.receipt["fiscalDocumentNumber"] for d in docs] == [1]
    assert clock.slept == [60.0]
    refused, answered = answers
    assert (refused.status, refused.body["exception"], refused.headers) == (
        503,
        "503-01",
        {"Retry-After": "60"},
    )
    assert answered.status == 200


def test_a_refused_token_stops_with_advice_and_without_the_token(platforma):
    h, provider = platforma
    h.emulator.token = "another"
    with pytest.raises(AuthError) as refused:
        provider.registers()
    assert "ask Платформа ОФД support" in str(refused.value)
    assert h.secrets["token"] not in str(refused.value)


def test_mapping_reads_the_documented_sample():
    raw = {
        "rqDate": "2018.04.01 12:37:13.000",
        "kktRegId": "0000316316055787    ",
        "fiscalDriveNumber": "8710000100088709",
        "fiscalDocumentNumber": 10244,
        "fiscalSign": 621574523,
        "receiptDate": "2018.04.01 11:36:00.000",
        "receiptCode": 3,
        "cashTotalSum": 18000,
        "ecashTotalSum": 0,
        "operator": "Кассир Иванова Ольга Владимировна",
        "totalSum": 18000,
        "items": [
            {"name": "дюраселл лр6", "price": 4500, "quantity": 4, "sum": 18000, "nds_1199": 5}
        ],
        "operationType": 1,
        "properties": [{"key": "Номер заказа", "value": "156"}],
    }
    receipt = mapping.to_receipt(raw)
    assert receipt["dateTime"] == "2018-04-01T11:36:00"
    assert receipt["kktRegId"] == "0000316316055787"
    assert receipt["fiscalSign"] == "621574523"
    assert receipt["items"] == [
        {"name": "дюраселл лр6", "price": 4500, "quantity": 4, "sum": 18000}
    ]
    assert mapping.received_at(raw) == datetime(2018, 4, 1, 9, 37, 13, tzinfo=UTC)
    assert mapping.received_at(raw) - timedelta(hours=0) < datetime(2018, 4, 2, tzinfo=UTC)
