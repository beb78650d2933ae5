"""Benchmark: the OFD replicator syncing N receipts from a Платформа ОФД emulator into a
running CXM (waitress on loopback, fresh database), end to end: from `cxm-replicator run`
starting to the last receipt acknowledged by CXM. Prints receipts/s, the replicator's peak
RSS, and next to it CXM's own import of the same receipts from a JSON Lines file (the
foundation's baseline, bench/import_receipts.py).

    .venv/bin/python bench/replicator_sync.py --receipts 1000000 --db sqlite

Medians over --repeat runs, each on a fresh database and a fresh replicator home.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")

from cxm_replicator.emulation import sample_receipts, sample_series  # noqa: E402
from cxm_replicator.providers.platforma.emulator import harness  # noqa: E402
from import_receipts import measure_import  # noqa: E402

from tests.replicator_stack import CxmServer, ReplicatorProcess, wait_until  # noqa: E402


def stores(count: int) -> list[dict]:
    return [
        {
            "code": f"B-{n:03d}",
            "name": f"Магазин {n}",
            "region": "Центр",
            "timezone": "Europe/Moscow",
            "registers": [f"{n:016d}"],
        }
        for n in range(1, count + 1)
    ]


def fill(emulator, shops: list[dict], receipts: int, jsonl: Path) -> None:
    """The same receipts into the emulator and into a file for the import baseline,
    received over the last six days (inside the replicator's first sync). The emulator
    holds each register's receipts as a lazy series (made from their index when a call
    answers with them), so a million of them cost the benchmark no memory; the file is
    written as they are made."""
    per_register = receipts // len(shops)
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=6)
    step = timedelta(days=6) / (per_register + 1)
    with jsonl.open("w", encoding="utf-8") as out:
        for n, shop in enumerate(shops):
            register = shop["registers"][0]
            drive = f"99990789{n:08d}"
            sample_series(
                emulator, register, per_register, start=start, fiscal_drive=drive, step=step
            )
            for receipt, _ in sample_receipts(
                register, per_register, start=start, fiscal_drive=drive, step=step
            ):
                out.write(json.dumps(receipt, ensure_ascii=False) + "\n")


def peak_rss_mb(pid: int) -> float:
    """The process's high-water resident set (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_sync(workdir: Path, run: int, emulator, token_for, shops, receipts: int, batch: int):
    cxm = CxmServer(workdir, f"sync{run}")
    token = cxm.prepare(shops)
    cxm.start()
    replicator = ReplicatorProcess(workdir / f"replicator-{run}")
    try:
        replicator.init(
            [cxm.url, token, "platforma", emulator.url, token_for, "all"],
            batch_size=batch,
            poll_seconds=0.5,
        )
        started = time.perf_counter()
        replicator.start()
        wait_until(
            lambda: replicator.outbox_counts()["sent"] >= receipts,
            timeout=3600,
            what="every receipt acknowledged by CXM",
            step=0.2,
        )
        seconds = time.perf_counter() - started
        rss = peak_rss_mb(replicator.process.pid)
        try:
            replicator.stop()  # it finishes its cycle (heartbeat, pruning) first
        except subprocess.TimeoutExpired:
            replicator.kill()  # the clock has stopped already; the outbox is consistent
        arrived = len(cxm.receipt_keys())
        if arrived != receipts:
            raise SystemExit(f"CXM holds {arrived} receipts, expected {receipts}")
        print(
            f"sync run {run}: {receipts} receipts in {seconds:.0f} s"
            f" ({receipts / seconds:,.0f}/s), replicator peak RSS {rss:.0f} MB",
            flush=True,
        )
        return seconds, rss
    finally:
        replicator.kill()
        cxm.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument("--registers", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.db == "postgres" and not os.environ.get("CXM_DATABASE_URL", "").startswith("postgres"):
        url = subprocess.run(
            ["bash", str(ROOT / ".ci/postgres.sh")], capture_output=True, text=True, check=True
        ).stdout.strip()
        os.environ["CXM_DATABASE_URL"] = url
    elif args.db == "sqlite":
        os.environ.pop("CXM_DATABASE_URL", None)
    receipts = args.receipts - args.receipts % args.registers
    shops = stores(args.registers)
    h = harness()
    emulator = h.emulator.start()
    with tempfile.TemporaryDirectory(prefix="cxm-bench-repl-") as tmp:
        workdir = Path(tmp)
        jsonl = workdir / "receipts.jsonl"
        fill(emulator, shops, receipts, jsonl)
        (workdir / "sellers.json").write_text("[]", encoding="utf-8")
        (workdir / "stores-bench.json").write_text(json.dumps(shops, ensure_ascii=False))
        files = {
            "stores": workdir / "stores-bench.json",
            "sellers": workdir / "sellers.json",
            "receipts": jsonl,
        }
        syncs = [
            measure_sync(workdir, r, emulator, h.secrets["token"], shops, receipts, args.batch_size)
            for r in range(args.repeat)
        ]
        imports = []
        for r in range(args.repeat):
            imports.append(measure_import(args.db, files, workdir, r))
            seconds, rss = imports[-1]
            print(
                f"import run {r}: {receipts} receipts in {seconds:.0f} s"
                f" ({receipts / seconds:,.0f}/s), peak RSS {rss:.0f} MB",
                flush=True,
            )
    emulator.stop()
    t_sync = statistics.median(s for s, _ in syncs)
    t_import = statistics.median(s for s, _ in imports)
    result = {
        "receipts": receipts,
        "db": args.db,
        "sync_receipts_per_s": round(receipts / t_sync),
        "replicator_peak_rss_mb": round(max(m for _, m in syncs)),
        "cxm_import_receipts_per_s": round(receipts / t_import),
        "cxm_import_peak_rss_mb": round(max(m for _, m in imports)),
        "sync_vs_import": round(t_import / t_sync, 3),
        "runs": args.repeat,
    }
    print(
        f"{receipts} receipts on {args.db}: replicator end to end "
        f"{result['sync_receipts_per_s']:,}/s (peak RSS {result['replicator_peak_rss_mb']} MB); "
        f"CXM file import {result['cxm_import_receipts_per_s']:,}/s; "
        f"ratio {result['sync_vs_import']:.2f}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
