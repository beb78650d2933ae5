"""Контур.ОФД against its emulator: session login, renewal on 401, cursor paging."""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import running

from cxm_replicator.emulation import sample_receipts
from cxm_replicator.providers.base import AuthError
from cxm_replicator.providers.kontur.emulator import harness

REGISTER = "0000000003065868"


@pytest.fixture
def kontur(clock):
    with running("kontur", harness(max_limit=10), clock) as started:
        yield started


def day() -> tuple[datetime, datetime]:
    end = datetime.now(UTC)
    return end - timedelta(days=1), end


def fill(emulator, count: int) -> None:
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=12)
    for receipt, received in sample_receipts(
        REGISTER, count, start=start, step=timedelta(minutes=5)
    ):
        emulator.add(REGISTER, receipt, received_at=received)


def test_it_walks_the_cursor_until_it_stops_moving(kontur):
    h, provider = kontur
    fill(h.emulator, 25)
    docs = list(provider.documents(REGISTER, *day()))
    assert [d.receipt["fiscalDocumentNumber"] for d in docs] == list(range(1, 26))
    offsets = [r.query.get("offset") for r in h.emulator.requests if "by-period" in r.path]
    assert offsets[0] is None and len(offsets) == 4  # 10 + 10 + 5, then the empty page


def test_an_expired_session_is_renewed_without_the_admin(kontur):
    h, provider = kontur
    fill(h.emulator, 3)
    assert len(list(provider.documents(REGISTER, *day()))) == 3
    h.emulator.expire_sessions()
    assert len(list(provider.documents(REGISTER, *day()))) == 3
    assert h.emulator.logins == 2


def test_it_sends_the_integrator_key_and_the_password_only_to_login(kontur):
    h, provider = kontur
    provider.registers()
    login, data = h.emulator.requests[0], h.emulator.requests[1:]
    assert login.body.decode() == h.secrets["password"]
    assert all(h.secrets["password"] not in str(r.headers) + str(r.query) for r in data)
    assert all(r.headers["x-kontur-ofd-apikey"] == h.secrets["api_key"] for r in data)


def test_a_wrong_password_is_explained(kontur):
    h, provider = kontur
    h.emulator.password = "changed"
    with pytest.raises(AuthError, match="refused the login and password"):
        provider.registers()


def test_shift_reports_are_not_receipts(kontur):
    h, provider = kontur
    shift = {"openShift": {"code": 2, "receiveDateTimeUtc": "2026-03-02T09:00:00"}}
    h.emulator.add(REGISTER, raw=shift, received_at=datetime.now(UTC) - timedelta(hours=1))
    assert list(provider.documents(REGISTER, *day())) == []
