"""Real processes for the end-to-end tests and benchmarks that kill things: CXM served by
waitress on loopback (as `cxm demo` serves it) with a fresh database of its own (SQLite file,
or a new database on the PostgreSQL server named by CXM_DATABASE_URL) and, when asked, its
task worker; a recording proxy in front of it that keeps every byte the replicator sends to
CXM, and `cxm-replicator` as a subprocess."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(step)


class CxmServer:
    """CXM with its own database, its web server and its task worker started and killed as
    real processes. `env` adds settings (e.g. CXM_RATE_LIMITS="off" for a benchmark)."""

    def __init__(self, workdir: Path, tag: str, threads: int = 4, **env: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.threads = threads
        self.database_url = _fresh_database(workdir, tag)
        self.env = dict(
            os.environ,
            CXM_DATA_DIR=str(workdir / f"data-{tag}"),
            CXM_DATABASE_URL=self.database_url,
            CXM_LOG_LEVEL="ERROR",
            **env,
        )
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def cxm(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [PY, "-m", "cxm", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            raise RuntimeError(f"cxm {' '.join(args)} failed: {done.stderr[-2000:]}")
        return done.stdout

    def prepare(self, stores: list[dict]) -> str:
        """Migrate, import the stores with their registers, and return a replicator token:
        one Django process for the three steps, which each cost a start-up otherwise."""
        path = self.workdir / "stores.json"
        path.write_text(json.dumps(stores, ensure_ascii=False), encoding="utf-8")
        code = (
            "from django.core.management import call_command as c; "
            "c('migrate', verbosity=0); "
            f"c('import', 'stores', {str(path)!r}); "
            f"c('replicator_token', 'create', 'e2e-{secrets.token_hex(3)}')"
        )
        return self.cxm("shell", "-c", code).strip().splitlines()[-1]

    def start(self) -> None:
        code = (
            "from waitress import serve; from cxm.wsgi import application; "
            f"serve(application, listen='127.0.0.1:{self.port}', threads={self.threads}, "
            "_quiet=True)"
        )
        self.process = subprocess.Popen([PY, "-c", code], env=self.env, cwd=ROOT)
        # Generous: on a loaded two-core machine a Django start-up can take a while.
        wait_until(self._answers, 120, "CXM to start")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/admin/login/", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL: no chance to finish a request or a transaction."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def start_worker(self) -> None:
        """The task worker, as `cxm demo` starts it."""
        command = [PY, "-m", "cxm", "db_worker", "--interval", "1", "--no-startup-delay"]
        with (self.workdir / "worker.log").open("ab") as log:  # it logs every task it runs
            self.worker = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )

    def kill_worker(self) -> None:
        """SIGKILL, in the middle of whatever task it runs."""
        if self.worker is not None:
            self.worker.kill()
            self.worker.wait()
            self.worker = None

    def receipt_keys(self) -> list[tuple[str, int]]:
        code = (
            "import json; from cxm.sales.models import Receipt; "
            "print(json.dumps(list(Receipt.objects.values_list("
            "'fiscal_drive_number', 'fiscal_document_number'))))"
        )
        out = self.cxm("shell", "-c", code).strip().splitlines()[-1]  # after shell's banner
        return [tuple(k) for k in json.loads(out)]

    def dump(self) -> str:
        """Everything in CXM's database, as text, for the secrecy test."""
        return self.cxm("dumpdata", "--indent", "0")

    def close(self) -> None:
        self.kill()
        self.kill_worker()
        _drop_database(self.database_url)


def _fresh_database(workdir: Path, tag: str) -> str:
    base = os.environ.get("CXM_DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{workdir / f'cxm-{tag}.sqlite3'}"
    import psycopg

    server, _, _ = base.rpartition("/")
    name = f"cxm_e2e_{tag}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def _drop_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    server, _, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class RecordingProxy:
    """A loopback HTTP proxy in front of CXM. It keeps every request it forwards (line,
    headers, body) and can answer nothing to the next N pushes after CXM has taken them:
    the replicator sees a dead connection although CXM committed."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.requests: list[bytes] = []
        self.swallow = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per request

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._forward()

            def do_POST(self) -> None:  # noqa: N802
                self._forward()

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                head = f"{self.command} {self.path}\n{self.headers}".encode()
                proxy.requests.append(head + body)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                try:
                    answer = httpx.request(
                        self.command,
                        proxy.target + self.path,
                        headers=headers,
                        content=body,
                        timeout=60,
                    )
                except httpx.HTTPError:
                    self.close_connection = True
                    return  # CXM is down: the replicator sees the connection drop
                if self.command == "POST" and "imports" in self.path and proxy.swallow > 0:
                    proxy.swallow -= 1
                    self.close_connection = True
                    return  # CXM committed the batch; its answer never arrives
                self.send_response(answer.status_code)
                for name in ("Content-Type",):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ReplicatorProcess:
    """`cxm-replicator` in its own home folder, configured through `init` itself."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = dict(os.environ, CXM_REPLICATOR_CREDENTIALS="file")
        self.process: subprocess.Popen | None = None

    def command(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [PY, "-m", "cxm_replicator", "--home", str(self.home), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
        )

    def init(self, answers: list[str], **tuning) -> None:
        done = self.command("init", stdin="\n".join(answers) + "\n")
        if done.returncode:
            raise RuntimeError(f"init failed: {done.stdout}\n{done.stderr}")
        path = self.home / "config.json"
        config = json.loads(path.read_text(encoding="utf-8"))
        config.update(tuning)
        path.write_text(json.dumps(config), encoding="utf-8")

    def start(self) -> None:
        # Whatever the process prints (a crash's traceback too) is kept beside its logs.
        with (self.home / "console.log").open("ab") as console:
            self.process = subprocess.Popen(
                [PY, "-m", "cxm_replicator", "--home", str(self.home), "run"],
                env=self.env,
                stdout=console,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
            self.process = None

    def outbox_counts(self) -> dict[str, int]:
        import sqlite3

        db = sqlite3.connect(self.home / "outbox.sqlite3", timeout=30)
        try:
            rows = db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        except sqlite3.OperationalError:
            rows = []
        finally:
            db.close()
        return {"pending": 0, "sent": 0, "rejected": 0, **dict(rows)}
