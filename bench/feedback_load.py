"""Load benchmark: the feedback terminal's press push and the QR survey's submit through the
production server on loopback, counted against the database afterwards: every answer and
press sent must be there exactly once.

    .venv/bin/python bench/feedback_load.py --answers 2000 --presses 4000 --runs 3 --db sqlite

The server is the documented production start (docs/deployment.md): waitress, one process per
core (`--processes`, default: the number of cores), each on its own port; here the client
spreads its connections over the ports as nginx's upstream would. `--processes 1` is the
single process `cxm demo` runs. The public endpoints' rate limits (CXM_RATE_LIMITS) stay on —
their counting is part of every request's cost — but raised so one client from one address is
not throttled (`--no-rate-limits` turns them off, to see what the counting costs).

The client shares the machine's cores with the server, so it is kept light: raw HTTP/1.1 over
keep-alive connections from one asyncio loop (what a real phone or terminal sends: a survey
is GET of the form, its csrftoken cookie, POST of the answer). Its own CPU time is printed,
and the server processes' (from /proc): on a shared machine, CPU time a request is steadier
than requests a second.

After the load, the limit itself: the server again with the device limit lowered to 200 a
minute, one device flooding 1,000 presses over all processes — between 200 and
200 + processes × 20 must get through, the rest 429, and exactly those be stored.

Baseline in the same run and on the same server: GET of the terminal page (a template, no
database; rate-limited as a device page, so counted — in memory, written to the shared table
about once a second, cxm/trust/throttle.py) — the server's own ceiling for a request. Prints
requests/s for each; `--runs` repeats the measurements on fresh receipts and quotes the
median.
"""

import argparse
import asyncio
import itertools
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 32
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
# Limits far above the load of one client: counted (their cost is measured), never refused.
RATE_LIMITS = "survey=10000000/60,device=10000000/60,review=10000000/60"


def environment(db: str, workdir: Path, rate_limits: str = RATE_LIMITS) -> dict[str, str]:
    """A fresh, migrated database, made as the receipts benchmark makes its own."""
    sys.path.insert(0, str(ROOT / "bench"))
    from import_receipts import fresh_database

    env = fresh_database(db, workdir, "feedback-load")
    return {
        **env,
        "CXM_ALLOWED_HOSTS": "127.0.0.1",
        "CXM_RATE_LIMITS": rate_limits,
        # As docs/deployment.md configures production: connections kept between requests.
        "CXM_DB_CONN_MAX_AGE": "60",
    }


def prepare(env: dict[str, str], answers: int) -> tuple[str, list[str]]:
    """Migrate, import a chain with `answers` receipts (its store with public review links,
    so each promoter's thank-you page shows them as a real one does); returns a device token
    and the receipts' survey links."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cxm.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from cxm.devices.tokens import issue_device_token
    from cxm.feedback.survey import receipt_link
    from cxm.imports.records import read_payload
    from cxm.imports.registry import run_import
    from cxm.org.models import Store
    from cxm.org.services import default_chain
    from cxm.sales.models import Receipt
    from tests.conftest import SELLERS, STORES
    from tests.factories import receipt

    chain = default_chain()
    review_links = {
        "yandex": "https://yandex.ru/maps/org/cxm_msk_1/1234567890/reviews/",
        "2gis": "https://2gis.ru/moscow/firm/70000001234567890/tab/reviews",
    }
    stores = [dict(s, review_links=review_links) if s["code"] == "MSK-1" else s for s in STORES]
    for kind, records in (("stores", stores), ("sellers", SELLERS)):
        run_import(kind, chain, read_payload(records))
    sales = [
        receipt(n, when=f"2026-03-02T{10 + n % 10}:{n % 60:02d}:00") for n in range(1, answers + 1)
    ]
    run_import("receipts", chain, read_payload(sales))
    _, token = issue_device_token(Store.objects.get(code="MSK-1"), "bench", "terminal")
    links = [receipt_link(r) for r in Receipt.objects.order_by("pk")]
    return token, links


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    env: dict[str, str], processes: int, warm: str = "/feedback/terminal/"
) -> list[tuple[int, subprocess.Popen]]:
    """The production start of docs/deployment.md: waitress processes, each on its own port."""
    servers = []
    for _ in range(processes):
        port = free_port()
        command = [
            str(ROOT / ".venv/bin/waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            f"--threads={THREADS}",
            "cxm.wsgi:application",
        ]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        servers.append((port, subprocess.Popen(command, env=env, cwd=ROOT, **quiet)))
    for port, _ in servers:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("the server did not start")
    # A few requests each: Django's URL resolver and templates load on first use.
    asyncio.run(_warm([port for port, _ in servers], warm))
    return servers


async def _warm(ports: list[int], path: str) -> None:
    for port in ports:
        connection = Connection(port)
        status, _, _ = await connection.request("GET", path)
        assert status == 200, status
        await connection.close()


# The client ----------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to the server on loopback."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> tuple[int, dict[str, list[str]], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer: dict[str, list[str]] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                answer.setdefault(name.strip().lower(), []).append(value.strip())
        if "content-length" in answer:
            content = await self.reader.readexactly(int(answer["content-length"][0]))
        elif "chunked" in answer.get("transfer-encoding", [""])[0].lower():
            content = await self._chunks()
        else:
            content = await self.reader.read()
            answer["connection"] = ["close"]
        if "close" in answer.get("connection", [""])[0].lower():
            await self.close()
        return status, answer, content

    async def _chunks(self) -> bytes:
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readuntil(b"\r\n")
        await self.reader.readuntil(b"\r\n")
        return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _drive(ports: list[int], jobs: list, work) -> list[str]:
    """Run `work(connection, job)` for every job over CONNECTIONS connections; failures."""
    queue = iter(jobs)
    failures: list[str] = []

    async def worker(connection: Connection) -> None:
        for job in queue:
            problem = await work(connection, job)
            if problem:
                failures.append(problem)
        await connection.close()

    ports_cycle = itertools.cycle(ports)
    await asyncio.gather(*(worker(Connection(next(ports_cycle))) for _ in range(CONNECTIONS)))
    return failures


def timed(servers: list[subprocess.Popen], jobs: list, work) -> tuple[float, float, float]:
    """(jobs per second, the client's and the servers' CPU seconds per job)."""
    ports = [port for port, _ in servers]
    cpu, server_cpu = _cpu(), _server_cpu(servers)
    start = time.perf_counter()
    failures = asyncio.run(_drive(ports, jobs, work))
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    n = len(jobs)
    return n / elapsed, (_cpu() - cpu) / n, (_server_cpu(servers) - server_cpu) / n


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu(servers) -> float:
    """CPU seconds the server processes have used (user + system, from /proc)."""
    total = 0
    for _, process in servers:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def _get(connection: Connection, path: str) -> str | None:
    status, _, _ = await connection.request("GET", path)
    return None if status == 200 else f"GET {path}: {status}"


def _press_work(token: str, run: int):
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def work(connection: Connection, n: int) -> str | None:
        body = (
            f'[{{"id": "bench-{run}-{n}", "at": "2026-03-02T12:{n // 60 % 60:02d}:{n % 60:02d}'
            f'+03:00", "button": "excellent", "terminal": "till-{n}"}}]'
        ).encode()
        status, _, content = await connection.request(
            "POST", "/api/v1/devices/events/presses", auth, body
        )
        return None if status == 200 else f"press {n}: {status} {content[:200]!r}"

    return work


_CSRF = re.compile(r"csrftoken=([^;]+)")


async def _form(connection: Connection, link: str) -> tuple[str | None, str | None]:
    """A phone without cookies opens the survey: (its CSRF token, a problem)."""
    status, headers, _ = await connection.request("GET", link)
    if status != 200:
        return None, f"GET {link}: {status}"
    cookies = headers.get("set-cookie", [])
    token = next((m.group(1) for c in cookies if (m := _CSRF.search(c))), None)
    return token, None if token else f"GET {link}: no csrftoken cookie"


async def _post(connection: Connection, link: str, token: str) -> str | None:
    """…and answers 9: the thank-you page invites the promoter to a public review."""
    status, _, content = await connection.request(
        "POST",
        link,
        {
            "Cookie": f"csrftoken={token}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{connection.port}{link}",
        },
        urlencode({"nps": "9", "csrfmiddlewaretoken": token}).encode(),
    )
    if status != 200 or b'data-invite="promoter"' not in content:
        return f"POST {link}: {status}"
    return None


async def _answer(connection: Connection, link: str) -> str | None:
    """One customer: GET the form, POST the answer."""
    token, problem = await _form(connection, link)
    return problem or await _post(connection, link, token)  # type: ignore[arg-type]


def _forms_then_answers(servers, links: list[str]) -> tuple[float, float, float]:
    """The answers' POSTs alone, timed after their forms were fetched (untimed)."""
    tokens: dict[str, str] = {}

    async def fetch(connection: Connection, link: str) -> str | None:
        tokens[link], problem = await _form(connection, link)
        return problem

    timed(servers, links, fetch)
    return timed(servers, links, lambda c, link: _post(c, link, tokens[link]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--answers", type=int, default=2000, help="answers of each survey measurement in a run"
    )
    parser.add_argument("--presses", type=int, default=4000, help="presses in each run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="CXM_RATE_LIMITS=off: what the limits' counting costs each request",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cxm-bench-"))
    env = environment(args.db, workdir, "off" if args.no_rate_limits else RATE_LIMITS)
    token, links = prepare(env, 2 * args.answers * args.runs)
    servers = serve(env, args.processes)
    load = os.getloadavg()[0]
    rows: dict[str, list[tuple[float, float, float]]] = {k: [] for k in KINDS}
    links_left = iter(links)
    try:
        for run in range(args.runs):
            terminal_page = [0] * args.presses
            rows["baseline"].append(
                timed(servers, terminal_page, lambda c, _: _get(c, "/feedback/terminal/"))
            )
            presses = list(range(args.presses))
            rows["presses"].append(timed(servers, presses, _press_work(token, run)))
            batch = list(itertools.islice(links_left, args.answers))
            rows["answers"].append(timed(servers, batch, _answer))
            batch = list(itertools.islice(links_left, args.answers))
            rows["posts"].append(_forms_then_answers(servers, batch))
    finally:
        stop(servers)
    report(args, rows, load)
    count(args.presses * args.runs, len(links))
    if not args.no_rate_limits:
        flood(env, args.processes)


def stop(servers) -> None:
    for _, server in servers:
        server.terminate()
        server.wait()


FLOOD_LIMIT, FLOOD_PRESSES = 200, 1000


def flood(env: dict[str, str], processes: int) -> None:
    """The limit shared by the processes: the same server with the device limit lowered, one
    device sending FLOOD_PRESSES presses over all of them at once. Between the limit and
    limit + processes × limit // 10 get through (docs/security.md), the rest 429 — and exactly
    those are in the database."""
    from cxm.devices.tokens import issue_device_token
    from cxm.feedback.models import Press
    from cxm.org.models import Store

    # A device of its own: the load's terminal may have filled this minute's lowered limit.
    _, token = issue_device_token(Store.objects.get(code="MSK-1"), "flood", "terminal")
    # Warmed on the login form: the terminal page is a device page, and the load's requests
    # from this address may have filled the lowered limit already.
    limited = {**env, "CXM_RATE_LIMITS": f"device={FLOOD_LIMIT}/60"}
    servers = serve(limited, processes, warm="/accounts/login/")
    # The whole flood in one fixed window: wait while fewer than 20 s of it are left.
    while time.time() % 60 > 40:
        time.sleep(1)
    statuses: list[int] = []
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def work(connection: Connection, n: int) -> None:
        body = f'[{{"id": "flood-{n}", "at": "2026-03-03T12:00:00+03:00", "button": "good"}}]'
        status, _, _ = await connection.request(
            "POST", "/api/v1/devices/events/presses", auth, body.encode()
        )
        statuses.append(status)

    try:
        asyncio.run(_drive([port for port, _ in servers], list(range(FLOOD_PRESSES)), work))
    finally:
        stop(servers)
    passed, refused = statuses.count(200), statuses.count(429)
    stored = Press.objects.filter(external_id__startswith="flood-").count()
    bound = FLOOD_LIMIT + processes * (FLOOD_LIMIT // 10)
    print(
        f"flood of {FLOOD_PRESSES} presses from one device, limit {FLOOD_LIMIT}/60 s over "
        f"{processes} process(es): {passed} passed (bound {FLOOD_LIMIT}…{bound}), {refused} "
        f"refused with 429, {stored} stored"
    )
    if not (FLOOD_LIMIT <= passed <= bound and passed + refused == FLOOD_PRESSES == len(statuses)):
        raise SystemExit("the shared rate limit did not hold")
    if stored != passed:
        raise SystemExit("presses stored differ from presses let through")


KINDS = {
    "baseline": ("baseline GET /feedback/terminal/", 1),
    "presses": ("press push (1 press a request)", 1),
    "answers": ("survey: GET form + POST answer", 2),
    "posts": ("survey: the answer POSTs alone", 1),
}


def report(args, rows: dict[str, list[tuple[float, float, float]]], load: float) -> None:
    cores = len(os.sched_getaffinity(0))
    print(
        f"database: {args.db}, {cores} cores (load average at the start: {load:.1f}), "
        f"server: {args.processes} waitress process(es) × {THREADS} threads, client: one "
        f"asyncio loop, {CONNECTIONS} keep-alive connections; rate limits "
        f"{'off' if args.no_rate_limits else 'counted, raised'}; median of {args.runs} run(s) "
        "(each run)"
    )
    for key, (label, per) in KINDS.items():
        rates = [rate * per for rate, _, _ in rows[key]]
        client = statistics.median(c for _, c, _ in rows[key]) / per * 1000
        server = statistics.median(c for _, _, c in rows[key]) / per * 1000
        every = ", ".join(f"{r:.0f}" for r in rates)
        print(
            f"{label + ':':<40}{statistics.median(rates):5.0f} requests/s ({every}); CPU ms a "
            f"request: server {server:.2f}, client {client:.2f}"
        )


def count(presses: int, answers: int) -> None:
    """Every press and answer sent is in the database exactly once."""
    from cxm.feedback.models import Press, SurveyResponse

    stored_presses = Press.objects.count()
    distinct_presses = Press.objects.values("external_id").distinct().count()
    stored_answers = SurveyResponse.objects.count()
    distinct = SurveyResponse.objects.values("receipt").distinct().count()
    print(
        f"stored presses {stored_presses}/{presses} (distinct ids {distinct_presses}), "
        f"answers {stored_answers}/{answers}, receipts answered twice: {stored_answers - distinct}"
    )
    if (
        stored_presses != presses
        or distinct_presses != presses
        or stored_answers != answers
        or distinct != stored_answers
    ):
        raise SystemExit("lost or duplicated records")


if __name__ == "__main__":
    main()
