"""Load with faults: survey answers, terminal presses, consultations and receipt batches driven
through the production server (waitress, as `cxm demo` serves it, with the django-tasks
worker beside it) on loopback as fast as the machine answers, while the web server and the
worker are killed (SIGKILL) and restarted mid-run. Then every request the server accepted
(2xx) must be in the database exactly once.

The client behaves as CXM's own clients do (the terminal's queue, the replicator's outbox): a
request that got no answer, a 5xx or a 429 is sent again, with the same ids, until it is
accepted; re-sending is idempotent by id (a survey answer by its receipt). Requests still being
retried when the load stops are finished before the count.

    .venv/bin/python bench/fault_load.py                      # SQLite, 60 s of load
    CXM_DATABASE_URL=postgres://…/cxm .venv/bin/python bench/fault_load.py   # PostgreSQL

Prints requests/s held, latency percentiles, errors by kind, the kills and how long the
server took to come back, and lost = 0, duplicated = 0 (the exit status is 1 otherwise).
Rate limits are off (CXM_RATE_LIMITS=off): one client on loopback is not a crowd of devices.
"""

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.replicator_stack import CxmServer  # noqa: E402

RETRY = frozenset({429, 500, 502, 503, 504})
PRESSES_A_REQUEST = 5
CONSULTATIONS_A_REQUEST = 2
RECEIPTS_A_REQUEST = 20
FIRST_LOAD_RECEIPT = 1_000_000  # the survey's receipts are numbered below

PREPARE = """
import json
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("migrate", verbosity=0)
from cxm.devices.tokens import issue_device_token
from cxm.feedback.survey import receipt_link
from cxm.imports.records import read_payload
from cxm.imports.registry import run_import
from cxm.org.models import Membership, Role, Store
from cxm.org.services import default_chain
from cxm.org.tokens import issue_token
from cxm.sales.models import Receipt
from tests.conftest import SELLERS, STORES
from tests.factories import receipt
chain = default_chain()
for kind, records in (("stores", STORES), ("sellers", SELLERS)):
    assert not run_import(kind, chain, read_payload(records)).rejected
sold = [receipt(n, when=f"2026-03-02T{10 + n % 10}:{n % 60:02d}:00") for n in range(1, ANSWERS + 1)]
assert not run_import("receipts", chain, read_payload(sold)).rejected
admin = get_user_model().objects.create_user("bench-admin")
Membership.objects.create(user=admin, chain=chain, role=Role.CHAIN_ADMIN)
store = Store.objects.get(code="MSK-1")
print(json.dumps({
    "api": issue_token(admin, "bench")[1],
    "terminal": issue_device_token(store, "bench terminal", "terminal")[1],
    "button": issue_device_token(store, "bench button", "button")[1],
    "sellers": [s["code"] for s in SELLERS if s["store"] == "MSK-1"],
    "links": [[r.fiscal_document_number, receipt_link(r)] for r in Receipt.objects.all()],
    "receipt": receipt(0, "0000000000000002"),
}))
"""

COUNT = """
import json
from django_tasks_db.models import DBTaskResult
from django.db.models import Count
from cxm.feedback.models import Press, SurveyResponse
from cxm.sales.models import Receipt
from cxm.staff.models import Consultation
print(json.dumps({
    "presses": list(Press.objects.values_list("external_id", flat=True)),
    "consultations": list(Consultation.objects.values_list("code", flat=True)),
    "receipts": list(Receipt.objects.filter(fiscal_document_number__gte=FIRST)
                     .values_list("fiscal_document_number", flat=True)),
    "answers": list(SurveyResponse.objects.values_list(
        "receipt__fiscal_document_number", flat=True)),
    "tasks": dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id"))),
}))
"""


@dataclass
class Tally:
    """What the client saw, shared by its threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)  # a 4xx that is no reason to retry
    accepted: dict[str, set] = field(
        default_factory=lambda: (
            {k: set() for k in ("presses", "consultations", "receipts")} | {"answers": set()}
        )
    )
    requests: int = 0

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.requests += 1

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class Load:
    """The work: an endless mix of the four kinds, each unit sent until accepted."""

    def __init__(self, server: CxmServer, prepared: dict, tally: Tally) -> None:
        self.server, self.tally = server, tally
        self.prepared = prepared
        self.links = [tuple(pair) for pair in prepared["links"]]
        self.lock = threading.Lock()
        self.counter = 0
        self.base = datetime.now(UTC) - timedelta(days=20)
        self.local = threading.local()

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(timeout=60)
        return self.local.client

    def next_unit(self):
        with self.lock:
            self.counter += 1
            n = self.counter
            if n % 10 < 3 and self.links:
                return self.answer, self.links.pop()
        kind = (self.press, self.consult, self.receipts)[n % 3]
        return kind, n

    def send(self, method: str, url: str, **kwargs) -> httpx.Response | None:
        """One attempt: the answer, or None when there was none worth keeping (retry)."""
        started = time.perf_counter()
        try:
            response = self.client().request(method, self.server.url + url, **kwargs)
        except httpx.TransportError as exc:
            self.tally.error(type(exc).__name__)
            return None
        if response.status_code in RETRY:
            self.tally.error(f"HTTP {response.status_code}")
            return None
        self.tally.ok(time.perf_counter() - started)
        return response

    def until_accepted(self, method: str, url: str, **kwargs) -> httpx.Response:
        pause = 0.05
        while True:
            response = self.send(method, url, **kwargs)
            if response is not None:
                return response
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def device(self, kind: str, token: str, records: list[dict], ids: list) -> None:
        response = self.until_accepted(
            "POST",
            f"/api/v1/devices/events/{kind}",
            json=records,
            headers={"Authorization": f"Bearer {token}"},
        )
        self.settle(kind, response, ids)

    def settle(self, kind: str, response: httpx.Response, ids: list) -> None:
        if response.status_code == 200:
            with self.tally.lock:
                self.tally.accepted[kind].update(ids)
        else:
            with self.tally.lock:
                self.tally.refused.append(f"{kind}: {response.status_code} {response.text[:200]}")

    def moment(self, seconds: float) -> str:
        return (self.base + timedelta(seconds=seconds)).isoformat()

    def press(self, n: int) -> None:
        ids = [f"fl-{n}-{i}" for i in range(PRESSES_A_REQUEST)]
        records = [
            {"id": i, "at": self.moment(n + k / 10), "button": "good", "terminal": "bench"}
            for k, i in enumerate(ids)
        ]
        self.device("presses", self.prepared["terminal"], records, ids)

    def consult(self, n: int) -> None:
        """Consultations of one seller 20 s apart: never a repeat press of the one before."""
        sellers = self.prepared["sellers"]
        ids, records = [], []
        for i in range(CONSULTATIONS_A_REQUEST):
            k = n * CONSULTATIONS_A_REQUEST + i
            seller = sellers[k % len(sellers)]
            started = self.moment(20 * (k // len(sellers)))
            ids.append(f"fl-{k}")
            records.append({"id": f"fl-{k}", "seller": seller, "started_at": started})
        self.device("consultations", self.prepared["button"], records, ids)

    def receipts(self, n: int) -> None:
        numbers = [
            FIRST_LOAD_RECEIPT + n * RECEIPTS_A_REQUEST + i for i in range(RECEIPTS_A_REQUEST)
        ]
        batch = [
            {
                **self.prepared["receipt"],
                "fiscalDocumentNumber": fd,
                "dateTime": "2026-03-03T12:00:00",
            }
            for fd in numbers
        ]
        response = self.until_accepted(
            "POST",
            "/api/v1/imports/receipts",
            json=batch,
            headers={"Authorization": f"Bearer {self.prepared['api']}"},
        )
        self.settle("receipts", response, numbers)

    def answer(self, unit: tuple[int, str]) -> None:
        """A phone opens the receipt's survey and answers it. With no answer to its POST it
        reloads the form and sends again; a form that says "already answered" means the
        POST was taken (its answer lost to a kill): accepted, and not answered twice."""
        number, link = unit
        client = self.client()
        while True:
            client.cookies.clear()  # one phone per answer
            form = self.until_accepted("GET", link)
            if form.status_code != 200 or 'name="nps"' not in form.text:
                return self.settle("answers", form, [number])
            token = client.cookies.get("csrftoken")
            done = self.send(
                "POST",
                link,
                data={"nps": "9", "csrfmiddlewaretoken": token},
                headers={"Referer": self.server.url + link},
            )
            if done is not None:
                return self.settle("answers", done, [number])
            time.sleep(0.05)


def chaos(server: CxmServer, seconds: float, started: float, stop: threading.Event, log: list):
    """Kills at set moments of the run: the server, the worker, both at once."""
    if seconds <= 0:
        return  # --no-kills: the baseline
    plan = [
        (0.2, "server"),
        (0.35, "worker"),
        (0.5, "both"),
        (0.7, "server"),
        (0.85, "worker"),
    ]
    if seconds < 20:  # a short run (the test): one kill of each
        plan = [(0.3, "server"), (0.6, "both")]
    for fraction, what in plan:
        while time.monotonic() < started + fraction * seconds:
            if stop.wait(0.05):
                return
        at = time.monotonic() - started
        if what in ("server", "both"):
            server.kill()
        if what in ("worker", "both"):
            server.kill_worker()
            server.start_worker()
        down = 0.0
        if what in ("server", "both"):
            began = time.monotonic()
            server.start()
            down = time.monotonic() - began
        log.append((at, what, down))


def run(seconds: float, answers: int, threads: int, server_threads: int, kill: bool) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="cxm-fault-"))
    server = CxmServer(workdir, "fault", threads=server_threads, CXM_RATE_LIMITS="off")
    try:
        began = time.monotonic()
        out = server.cxm("shell", "-c", PREPARE.replace("ANSWERS", str(answers)))
        prepared = json.loads(out.strip().splitlines()[-1])
        server.start()
        server.start_worker()
        ready = time.monotonic() - began
        tally = Tally()
        load = Load(server, prepared, tally)
        stop, kills = threading.Event(), []
        started = time.monotonic()
        deadline = started + seconds
        plan = seconds if kill else 0
        killer = threading.Thread(target=chaos, args=(server, plan, started, stop, kills))
        killer.start()

        def drive() -> None:
            while time.monotonic() < deadline:
                work, unit = load.next_unit()
                work(unit)

        workers = [threading.Thread(target=drive) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        stop.set()
        killer.join()
        stored = json.loads(
            server.cxm("shell", "-c", COUNT.replace("FIRST", str(FIRST_LOAD_RECEIPT)))
            .strip()
            .splitlines()[-1]
        )
    finally:
        server.close()
    return report(tally, stored, kills, elapsed, ready, server, threads, server_threads)


def report(tally, stored, kills, elapsed, ready, server, threads, server_threads) -> bool:
    database = "PostgreSQL" if server.database_url.startswith("postgres") else "SQLite"
    latencies = sorted(tally.latencies)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"database {database}; waitress {server_threads} threads + 1 worker; "
        f"{threads} client threads; prepared in {ready:.1f} s"
    )
    for at, what, down in kills:
        back = f", back in {down:.1f} s" if down else ""
        print(f"  {at:5.1f} s: SIGKILL {what}{back}")
    print(
        f"requests answered: {tally.requests} in {elapsed:.1f} s = "
        f"{tally.requests / elapsed:.0f} requests/s held (kills and restarts included)"
    )
    print(f"latency p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms")
    errors = ", ".join(f"{k} {n}" for k, n in tally.errors.most_common()) or "none"
    print(f"errors retried by the client: {sum(tally.errors.values())} ({errors})")
    lost = duplicated = 0
    for kind, accepted in tally.accepted.items():
        rows = stored[kind]
        missing = accepted - set(rows)
        doubled = len(rows) - len(set(rows))
        unasked = set(rows) - accepted
        lost += len(missing)
        duplicated += doubled
        print(
            f"  {kind:13} accepted {len(accepted):6}, in the database {len(rows):6}, "
            f"lost {len(missing)}, duplicated {doubled}, stored but never accepted {len(unasked)}"
        )
    print(f"refused (4xx, not retried): {len(tally.refused)} {tally.refused[:3]}")
    print(f"worker tasks by state: {stored['tasks']}")
    print(f"lost = {lost}, duplicated = {duplicated}")
    return lost == 0 and duplicated == 0 and not tally.refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60, help="of load (kills included)")
    parser.add_argument(
        "--answers", type=int, default=4000, help="receipts prepared for the survey"
    )
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--no-kills", action="store_true", help="the baseline: load alone")
    args = parser.parse_args()
    ok = run(args.seconds, args.answers, args.threads, args.server_threads, not args.no_kills)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
