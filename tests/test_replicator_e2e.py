"""The replicator end to end, all real processes on loopback: an OFD emulator speaking the
provider's documented API, `cxm-replicator` configured by its own `init`, and CXM served by
waitress with its own database. Only the OFD is played, because it is the one part that is
not on this machine."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cxm_replicator.emulation import sample_receipts
from cxm_replicator.providers.ofdru.emulator import harness as ofdru_harness
from cxm_replicator.providers.platforma.emulator import harness as platforma_harness

from tests.conftest import STORES
from tests.replicator_stack import (
    CxmServer,
    RecordingProxy,
    ReplicatorProcess,
    wait_until,
)

# CXM runs in its own process on a database of its own, made on the server under test.
pytestmark = pytest.mark.database

REGISTERS = [register for store in STORES for register in store["registers"]]
# Short intervals so that restarts and retries take fractions of a second.
FAST = {"poll_seconds": 0.2, "retry_attempts": 3, "retry_backoff_seconds": 0.2}


def fill(emulator, per_register: int, drives: str) -> set[tuple[str, int]]:
    """Receipts over the last three days in every register, on fiscal drives whose numbers
    start with `drives` (each test its own); returns their identities."""
    expected = set()
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=3)
    step = timedelta(days=3) / (per_register + 1)
    for n, register in enumerate(REGISTERS):
        drive = f"{drives}{n:02d}"
        for receipt, received in sample_receipts(
            register, per_register, start=start, fiscal_drive=drive, step=step
        ):
            emulator.add(register, receipt, received_at=received)
            expected.add((drive, receipt["fiscalDocumentNumber"]))
    return expected


@pytest.fixture(scope="module")
def cxm(tmp_path_factory):
    """One CXM for the module (its start-up is the slow part); each test its own drives."""
    server = CxmServer(tmp_path_factory.mktemp("cxm"), "e2e")
    token = server.prepare(STORES)
    server.start()
    proxy = RecordingProxy(server.url)
    yield server, proxy, token
    proxy.close()
    server.close()


@pytest.fixture
def stack(cxm, tmp_path: Path):
    server, proxy, token = cxm
    proxy.requests.clear()
    replicator = ReplicatorProcess(tmp_path / "replicator")
    yield server, proxy, replicator, token
    replicator.kill()


def test_killing_the_replicator_and_cxm_loses_and_doubles_nothing(stack):
    cxm, proxy, replicator, token = stack
    h = platforma_harness()
    emulator = h.emulator.start()
    emulator.delay = 0.01  # slow enough that the kills land in the middle of the work
    expected = fill(emulator, 400, "9999078900000")
    replicator.init(
        [proxy.url, token, "platforma", emulator.url, h.secrets["token"], "all"],
        batch_size=50,
        **FAST,
    )
    try:
        replicator.start()
        wait_until(lambda: sum(replicator.outbox_counts().values()) > 0, 60, "a first window")
        replicator.kill()  # mid-batch: pulling and pushing are in full swing
        assert len([k for k in cxm.receipt_keys() if k in expected]) < len(expected)

        replicator.start()
        proxy.swallow = 2  # two batches committed by CXM whose answers are lost
        wait_until(lambda: replicator.outbox_counts()["sent"] > 200, 60, "pushes to resume")
        cxm.kill()  # mid-push
        assert replicator.outbox_counts()["pending"] > 0
        cxm.start()
        wait_until(
            lambda: (
                replicator.outbox_counts()["pending"] == 0
                and sum(replicator.outbox_counts().values()) == len(expected)
            ),
            90,
            "the outbox to drain",
        )
        replicator.stop()
    finally:
        emulator.stop()
    keys = [k for k in cxm.receipt_keys() if k[0].startswith("9999078900000")]
    assert len(keys) == len(set(keys)), "a receipt arrived twice"
    assert set(keys) == expected


def test_credentials_appear_nowhere_but_the_credential_store(stack):
    cxm, proxy, replicator, token = stack
    h = ofdru_harness()
    emulator = h.emulator.start()
    expected = fill(emulator, 30, "9999078911111")
    emulator.add(
        REGISTERS[0],
        raw={"Id": "broken", "CDateUtc": "2026-01-01T00:00:00"},
        received_at=datetime.now(UTC) - timedelta(hours=1),
    )
    # A receipt the replicator passes on but CXM refuses (a quantity that rounds to zero).
    odd, received = next(
        sample_receipts(
            REGISTERS[1],
            1,
            start=datetime(2026, 3, 2, 12),
            fiscal_drive="9999078922222",
            first_number=7,
        )
    )
    odd["items"] = [{**odd["items"][0], "quantity": "0.0001"}]
    odd["totalSum"] = odd["items"][0]["sum"]
    emulator.add(REGISTERS[1], odd, received_at=datetime.now(UTC) - timedelta(minutes=30))
    login, password = h.secrets["login"], h.secrets["password"]
    replicator.init(
        [proxy.url, token, "ofdru", emulator.url, h.options["inn"], login, password, "", "all"],
        **FAST,
    )
    try:
        done = replicator.command("run", "--once")
        assert done.returncode == 0, done.stderr
        status = replicator.command("status").stdout
        doctor = replicator.command("doctor")
        shown = replicator.command("config", "show").stdout
    finally:
        emulator.stop()
    assert {k for k in cxm.receipt_keys() if k[0].startswith("9999078911111")} == expected
    assert doctor.returncode == 0, doctor.stdout
    # Both the document the replicator could not read and the receipt CXM refused are listed.
    assert "Id broken" in status and "CXM: items[0].quantity" in status, status
    assert "1 rejected" in status

    secrets = [login, password, *emulator.tokens]  # and every session token the OFD issued
    assert emulator.tokens, "the OFD issued no token: the test would prove nothing"
    home = replicator.home
    places = {
        "console": done.stdout + done.stderr + status + doctor.stdout + shown,
        "requests to CXM": b"".join(proxy.requests).decode("utf-8", "replace"),
        "CXM database": cxm.dump(),
    }
    database = Path(cxm.database_url.removeprefix("sqlite:///")).parent
    for path in sorted(home.rglob("*")) + sorted(database.glob("cxm-*.sqlite3*")):
        if path.is_file() and path.name != "credentials.key":
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert any("logs" in name for name in places) and any("outbox" in name for name in places)
    for name, text in places.items():
        for secret in secrets:
            assert secret not in text, f"a credential leaked into {name}"
    assert "********" in shown
