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
