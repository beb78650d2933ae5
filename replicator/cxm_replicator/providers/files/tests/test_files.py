"""The folder provider: exports in, files moved only after their receipts are stored."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from cxm_replicator.clock import ScaledClock
from cxm_replicator.emulation import sample_receipts
from cxm_replicator.engine import Replicator, SyncSettings
from cxm_replicator.providers import create_provider
from cxm_replicator.providers.base import ProviderContext

REGISTER = "0000000000000001"


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "exports"
    path.mkdir()
    return path


def engine_for(folder, outbox) -> Replicator:
    clock = ScaledClock()
    provider = create_provider(
        "files", ProviderContext({"folder": str(folder)}, {}.__getitem__, clock)
    )
    return Replicator(
        provider,
        outbox,
        None,
        clock,
        ["files"],
        "files",
        "r-files",
        SyncSettings(first_sync=timedelta(days=1)),
    )


def receipts(count: int, first: int = 1) -> list[dict]:
    return [
        r
        for r, _ in sample_receipts(
            REGISTER, count, start=datetime(2026, 3, 2, 10), first_number=first
        )
    ]


def test_fns_app_exports_json_lines_and_csv_all_arrive_and_move_to_done(folder, outbox):
    export = [{"_id": 1, "ticket": {"document": {"receipt": r}}} for r in receipts(2)]
    (folder / "fns-app.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    (folder / "more.jsonl").write_text(
        "\n".join(json.dumps(r) for r in receipts(2, 3)), encoding="utf-8"
    )
    row = receipts(1, 5)[0]
    header = "dateTime;operationType;totalSum;fiscalDriveNumber;fiscalDocumentNumber;kktRegId;items"
    line = (
        ";".join(str(row[k]) for k in header.split(";")[:-1])
        + ";"
        + json.dumps(row["items"], ensure_ascii=False).replace(";", ",")
    )
    (folder / "cabinet.csv").write_text(header + "\n" + line + "\n", encoding="utf-8")
    engine_for(folder, outbox).pull_register("files", None)
    assert [fd for (fd,) in outbox.db.execute("SELECT fd FROM outbox ORDER BY fd")] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        "cabinet.csv",
        "fns-app.json",
        "more.jsonl",
    ]


def test_an_unreadable_file_moves_aside_and_a_bad_receipt_is_reported(folder, outbox):
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    bad = receipts(1)[0] | {"totalSum": "много"}
    (folder / "one.json").write_text(json.dumps([bad, receipts(1, 2)[0]]), encoding="utf-8")
    engine_for(folder, outbox).pull_register("files", None)
    assert (folder / "rejected" / "broken.json").exists()
    assert [fd for (fd,) in outbox.db.execute("SELECT fd FROM outbox")] == [2]
    ((_, _, ref, reason),) = outbox.problems()
    assert ref == "one.json #1" and "totalSum" in reason


def test_a_file_stays_when_storing_its_receipts_fails(folder, outbox):
    (folder / "a.json").write_text(json.dumps(receipts(1)), encoding="utf-8")
    outbox.db.execute("DROP TABLE outbox")  # the store breaks before the commit
    with pytest.raises(sqlite3.OperationalError):
        engine_for(folder, outbox).pull_register("files", None)
    assert (folder / "a.json").exists()


def test_unix_time_means_the_registers_wall_time():
    from cxm_replicator.providers.files.mapping import to_receipt

    receipt = receipts(1)[0] | {
        "dateTime": int(datetime(2024, 9, 17, 18, 1, tzinfo=UTC).timestamp())
    }
    assert to_receipt(receipt)["dateTime"] == "2024-09-17T18:01:00"
    assert datetime.now(UTC) > datetime(2024, 9, 17, tzinfo=UTC)
