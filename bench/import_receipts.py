"""Benchmark: importing contract files through `cxm import` — receipts (the simulator's:
1.4 lines each), traffic, consultations and presses — against the database's own bulk path
for the same rows in the same run (SQLite: executemany; PostgreSQL: COPY;
bench/bulk_baseline.py).
Prints records/s, the ratio, peak memory and what the worker's tick does after the import,
timed on its own: for consultations the sales-failure matching per new store-day, for traffic
the summing of the visitor counts into the rollups (cxm.rollups.visitors), with the ratio of
the import and that summing together.

    .venv/bin/python bench/import_receipts.py --receipts 1000000 --db sqlite postgres \
        --kinds receipts traffic consultations presses

Each measured import and each baseline runs in a fresh process on a fresh database (stores
and sellers imported first; for consultations the receipts of the same days too, untimed),
so peak RSS is the import's own. `command` is the whole `cxm import` after the interpreter
started (Django's start-up included, about a second here: it loads the analysis libraries);
`import` leaves the start-up out. Medians over --repeat runs.
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("receipts", "traffic", "consultations", "presses")


def make_files(count: int, directory: Path, kinds: list[str]) -> dict[str, Path]:
    """Contract files from the simulator: the first `count` records of each kind."""
    sys.path.insert(0, str(ROOT))
    from cxm.demo.simulator import SimulationConfig, simulate_chain
    from cxm.demo.simulator.feedback import VoiceGenerator
    from cxm.demo.simulator.staff import StaffSimulation

    # A store opens about 12 hours a day: enough stores that a year holds `count` intervals.
    stores = max(12, count // 20000, count // 4000 if "traffic" in kinds else 0)
    chain = simulate_chain(SimulationConfig(stores=stores, days=365, seed=7))
    voice = VoiceGenerator(chain.stores, chain.sellers, seed=7)
    sources = {
        "stores": iter(chain.stores),
        "sellers": iter(chain.sellers),
        "receipts": chain.iter_receipts(),
        "traffic": chain.iter_traffic(),
        "consultations": StaffSimulation(chain).iter_consultations(),
        "presses": (r for kind, r in voice.records(chain.iter_receipts()) if kind == "presses"),
    }
    wanted = {"stores", "sellers", *kinds}
    if "consultations" in kinds:
        wanted.add("receipts")  # their sales-failure matching reads the receipts
    paths = {}
    for kind in sources:
        if kind not in wanted:
            continue
        path = paths[kind] = directory / f"{kind}.jsonl"
        written = 0
        with path.open("w", encoding="utf-8") as out:
            for record in islice(sources[kind], count):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
        if kind not in ("stores", "sellers") and written < count:
            raise SystemExit(f"the simulator made only {written} {kind}; raise its size")
    return paths


def fresh_database(db: str, workdir: Path, tag: str) -> dict[str, str]:
    env = dict(os.environ, CXM_DATA_DIR=str(workdir / f"data-{tag}"))
    if db == "postgres":
        url = subprocess.run(
            ["bash", str(ROOT / ".ci/postgres.sh")], capture_output=True, text=True, check=True
        ).stdout.strip()
        base, _, _ = url.rpartition("/")
        name = f"bench_{tag}".replace("-", "_")
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        env["CXM_DATABASE_URL"] = f"{base}/{name}"
    else:
        env["CXM_DATABASE_URL"] = f"sqlite:///{workdir / f'{tag}.sqlite3'}"
    cxm(env, "migrate", "--verbosity", "0")
    return env


def cxm(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "cxm", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepared_database(db: str, kind: str, files: dict[str, Path], workdir: Path, tag: str):
    env = fresh_database(db, workdir, tag)
    cxm(env, "import", "stores", str(files["stores"]))
    cxm(env, "import", "sellers", str(files["sellers"]))
    if kind == "consultations":
        cxm(env, "import", "receipts", str(files["receipts"]))
    return env


# The child times Django's start-up and the command apart; then what the worker's tick (or the
# first reader) does after the import, timed on its own: after consultations, the sales-failure
# matching of the store-days they brought (cxm.staff.matching.refresh_matches); after traffic,
# summing the visitor counts into the rollups (cxm.rollups.visitors.drain_backlog).
CHILD = """
import json, os, resource, sys, time
t0 = time.perf_counter()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
import django
django.setup()
from django.db.models import Max, Min
from cxm.cli import main
from cxm.org.models import Store
from cxm.rollups.visitors import drain_backlog
from cxm.staff.matching import refresh_matches
from cxm.staff.models import Consultation
t1 = time.perf_counter()
main(["import", sys.argv[1], sys.argv[2]])
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
after = {"seconds": 0.0, "store_days": 0}
if sys.argv[1] == "consultations":
    days = Consultation.objects.aggregate(first=Min("day"), last=Max("day"))
    stores = list(Store.objects.values_list("pk", flat=True))
    after["store_days"] = refresh_matches(stores, days["first"], days["last"])
elif sys.argv[1] == "traffic":
    after["store_days"] = drain_backlog()
after["seconds"] = time.perf_counter() - t2
print(json.dumps({"command": t2 - t0, "import": t2 - t1, "rss": rss, **after}), file=sys.stderr)
"""


def measure_import(
    db: str, kind: str, files: dict[str, Path], workdir: Path, run: int, chosen: Path | None = None
) -> dict:
    """The import's times; with `chosen`, the values it chose are written there afterwards."""
    env = prepared_database(db, kind, files, workdir, f"{db}-{kind}-import-{run}")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(files[kind])],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if chosen is not None:
        write_chosen_values(env["CXM_DATABASE_URL"], chosen)
    return json.loads(done.stderr.strip().splitlines()[-1])


# What a receipt import chose that the baseline cannot know without doing CXM's work: the
# seller of each cashier (INN and printed name) and the category of each line's name.
CHOSEN = {
    "sellers": "SELECT DISTINCT operator_inn, operator, seller_id FROM sales_receipt",
    "categories": "SELECT DISTINCT name, category_id FROM sales_receiptitem",
}


def write_chosen_values(url: str, path: Path) -> None:
    """CHOSEN from the database an import filled (untimed), for the baseline's SAME_ROWS."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        found = {name: conn.execute(sql).fetchall() for name, sql in CHOSEN.items()}
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url) as pg:
            found = {name: pg.execute(sql).fetchall() for name, sql in CHOSEN.items()}
    path.write_text(json.dumps({name: [list(row) for row in rows] for name, rows in found.items()}))


def measure_baseline(
    db: str, kind: str, files: dict[str, Path], workdir: Path, run: int | str, chosen: Path | None
) -> float:
    env = prepared_database(db, kind, files, workdir, f"{db}-{kind}-base-{run}")
    same_rows = [str(chosen)] if chosen else []
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bulk_baseline.py"), kind, str(files[kind])]
        + same_rows,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=1_000_000, help="records of each kind")
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--kinds", nargs="+", default=["receipts"], choices=KINDS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.receipts
    with tempfile.TemporaryDirectory(prefix="cxm-bench-") as tmp:
        workdir = Path(tmp)
        files = make_files(n, workdir, args.kinds)
        for kind in args.kinds:
            print(f"{kind}: {n} records, {files[kind].stat().st_size / 2**20:.0f} MB of JSON Lines")
        results: dict[str, dict] = {}
        for db in args.db:
            for kind in args.kinds:
                # Receipts: the baseline writes the sellers and categories the import chose.
                chosen = workdir / f"chosen-{db}.json" if kind == "receipts" else None
                imports = [
                    measure_import(db, kind, files, workdir, r, chosen if r == 0 else None)
                    for r in range(args.repeat)
                ]
                bases = [
                    measure_baseline(db, kind, files, workdir, r, chosen)
                    for r in range(args.repeat)
                ]
                t_command = statistics.median(i["command"] for i in imports)
                t_import = statistics.median(i["import"] for i in imports)
                t_base = statistics.median(bases)
                r = results[f"{db} {kind}"] = {
                    "command_per_s": round(n / t_command),
                    "import_per_s": round(n / t_import),
                    "baseline_per_s": round(n / t_base),
                    "ratio_command": round(t_base / t_command, 3),
                    "ratio_import": round(t_base / t_import, 3),
                    "peak_rss_mb": round(max(i["rss"] for i in imports)),
                    "runs": args.repeat,
                }
                line = (
                    f"{db:9s} {kind:13s} command {r['command_per_s']:>8,}/s  "
                    f"import {r['import_per_s']:>8,}/s  baseline {r['baseline_per_s']:>8,}/s  "
                    f"ratio {r['ratio_command']:.2f} (without start-up {r['ratio_import']:.2f})  "
                    f"peak RSS {r['peak_rss_mb']} MB"
                )
                if chosen is not None:
                    # The baseline of earlier measurements: sellers and categories left empty.
                    empty = [
                        measure_baseline(db, kind, files, workdir, f"{r}-empty", None)
                        for r in range(args.repeat)
                    ]
                    r["ratio_import_keys_empty"] = round(statistics.median(empty) / t_import, 3)
                    line += f"  (keys left empty: {r['ratio_import_keys_empty']:.2f})"
                per_day = [1000 * i["seconds"] / max(i["store_days"], 1) for i in imports]
                if kind == "consultations":
                    r["matching_ms_per_store_day"] = round(statistics.median(per_day), 2)
                    r["matched_store_days"] = imports[0]["store_days"]
                    line += (
                        f"  matching {r['matching_ms_per_store_day']} ms a new store-day "
                        f"({r['matched_store_days']} store-days)"
                    )
                if kind == "traffic":
                    r["summing_ms_per_store_day"] = round(statistics.median(per_day), 2)
                    r["summed_store_days"] = imports[0]["store_days"]
                    both = statistics.median(i["import"] + i["seconds"] for i in imports)
                    r["ratio_import_and_summing"] = round(t_base / both, 3)
                    line += (
                        f"  then the tick sums the visitor figures: "
                        f"{r['summing_ms_per_store_day']} ms a store-day "
                        f"({r['summed_store_days']} store-days; ratio of import and summing "
                        f"together {r['ratio_import_and_summing']:.2f})"
                    )
                print(line, flush=True)
        print(json.dumps(results))


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
