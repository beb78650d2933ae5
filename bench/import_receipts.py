"""Benchmark: importing receipts (≈3 items each) from JSON Lines through `cxm import`,
against the database's own bulk path for the same rows in the same run
(SQLite: executemany; PostgreSQL: COPY). Prints receipts/s, peak memory and the ratio.

    .venv/bin/python bench/import_receipts.py --receipts 1000000 --db sqlite postgres

Each measured import runs in a fresh process on a fresh database, so peak RSS is the
import's own. Medians over --repeat runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_files(receipts: int, directory: Path) -> dict[str, Path]:
    """Contract files from the simulator, cut at the wanted number of receipts."""
    sys.path.insert(0, str(ROOT))
    from cxm.demo.simulator import SimulationConfig, simulate_chain, write_contract_files

    stores = max(12, receipts // 20000)
    chain = simulate_chain(SimulationConfig(stores=stores, days=365, seed=7))
    paths = write_contract_files(chain, directory)
    kept = directory / "receipts-cut.jsonl"
    with paths["receipts"].open() as src, kept.open("w") as dst:
        for n, line in enumerate(src):
            if n == receipts:
                break
            dst.write(line)
        else:
            raise SystemExit(f"the simulator made only {n + 1} receipts; raise its size")
    return {"stores": paths["stores"], "sellers": paths["sellers"], "receipts": kept}


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


def measure_import(db: str, files: dict[str, Path], workdir: Path, run: int) -> tuple[float, float]:
    env = fresh_database(db, workdir, f"{db}-import-{run}")
    cxm(env, "import", "stores", str(files["stores"]))
    cxm(env, "import", "sellers", str(files["sellers"]))
    code = (
        "import resource, sys, time\n"
        "from cxm.cli import main\n"
        "t = time.perf_counter()\n"
        "try:\n    main(['import', 'receipts', sys.argv[1]])\n"
        "finally:\n"
        "    print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(files["receipts"])],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, rss_kb = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(rss_kb) / 1024


def measure_baseline(db: str, files: dict[str, Path], workdir: Path, run: int) -> float:
    """The same receipts and items decoded and written with the driver's bulk path only:
    no validation, no store or seller lookup, no duplicate check, no categories."""
    env = fresh_database(db, workdir, f"{db}-base-{run}")
    cxm(env, "import", "stores", str(files["stores"]))
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
        "import bulk_baseline; bulk_baseline.main(sys.argv[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(files["receipts"])],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=1_000_000)
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxm-bench-") as tmp:
        workdir = Path(tmp)
        files = make_files(args.receipts, workdir)
        size = files["receipts"].stat().st_size / 2**20
        print(f"{args.receipts} receipts, {size:.0f} MB of JSON Lines")
        results = {}
        for db in args.db:
            imports = [measure_import(db, files, workdir, r) for r in range(args.repeat)]
            bases = [measure_baseline(db, files, workdir, r) for r in range(args.repeat)]
            t_import = statistics.median(s for s, _ in imports)
            t_base = statistics.median(bases)
            peak = max(m for _, m in imports)
            results[db] = {
                "import_receipts_per_s": round(args.receipts / t_import),
                "baseline_receipts_per_s": round(args.receipts / t_base),
                "ratio": round(t_base / t_import, 3),
                "peak_rss_mb": round(peak),
                "runs": args.repeat,
            }
            r = results[db]
            print(
                f"{db:9s} import {r['import_receipts_per_s']:>8,}/s   "
                f"baseline {r['baseline_receipts_per_s']:>8,}/s   "
                f"ratio {r['ratio']:.2f}   peak RSS {r['peak_rss_mb']} MB"
            )
        print(json.dumps(results))


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"({time.time() - started:.0f} s)", file=sys.stderr)
