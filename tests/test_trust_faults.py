"""No answer lost under load and faults, in short: bench/fault_load.py for a few seconds, with
the web server killed once and the server and worker together once (SIGKILL), on the database
the suite runs on (SQLite, or a fresh database on the PostgreSQL server of CXM_DATABASE_URL).
Every request the server accepted is in the database exactly once."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.database


def test_killing_the_server_and_the_worker_under_load_loses_and_doubles_nothing():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench/fault_load.py"), "--seconds", "8", "--answers", "200"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "lost = 0, duplicated = 0" in done.stdout
    assert "SIGKILL server" in done.stdout and "SIGKILL both" in done.stdout
