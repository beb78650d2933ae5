"""`cxm demo` as a person starts it: its own SQLite database, emptied on every run (but not
by `--help`), a simulated chain imported, and a login for each role."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def cxm(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CXM_DATABASE_URL"}
    env["CXM_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "cxm", *args], env=env, capture_output=True, text=True, timeout=300
    )


def receipts_in(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("select count(*) from sales_receipt").fetchone()[0]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, tuple[str, ...]]:
    data_dir = tmp_path_factory.mktemp("cxm-home")
    args = ("demo", "--stores", "2", "--days", "3", "--no-serve", "--password", "pw-demo")
    return data_dir, cxm(data_dir, *args), args


def test_the_demo_fills_its_own_database_and_prints_the_logins(demo_run):
    data_dir, run, _ = demo_run
    assert run.returncode == 0, run.stderr
    database = data_dir / "demo" / "cxm.sqlite3"
    assert receipts_in(database) > 0
    assert not (data_dir / "cxm.sqlite3").exists()  # the installation's own database untouched
    assert "Log in as director / pw-demo" in run.stdout
    assert "analyst, regional, manager, seller" in run.stdout
    assert "database is ready" in run.stdout and "Ctrl+C" not in run.stdout  # nothing serves


def test_help_keeps_the_demo_database_and_a_new_run_starts_afresh(demo_run):
    data_dir, _, args = demo_run
    database = data_dir / "demo" / "cxm.sqlite3"
    before = receipts_in(database)
    help_run = cxm(data_dir, "demo", "--help")
    assert help_run.returncode == 0 and "--stores" in help_run.stdout
    assert receipts_in(database) == before
    again = cxm(data_dir, *args)
    assert again.returncode == 0, again.stderr
    assert receipts_in(database) == before  # emptied and filled again, not doubled
