"""Load benchmark: the feedback terminal's press push and the QR survey's submit through the
production server (waitress, as `cxm demo` runs it) on loopback, counted against the database
afterwards: every answer and press sent must be there exactly once.

    .venv/bin/python bench/feedback_load.py --answers 2000 --presses 4000 --db sqlite

Baseline in the same run and on the same server: GET of the terminal page (a template, no
database) — the server's own ceiling for a request. Prints requests/s for each.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 16


def environment(db: str, workdir: Path) -> dict[str, str]:
    """A fresh, migrated database, made as the receipts benchmark makes its own."""
    sys.path.insert(0, str(ROOT / "bench"))
    from import_receipts import fresh_database

    env = fresh_database(db, workdir, "feedback-load")
    return {**env, "CXM_ALLOWED_HOSTS": "127.0.0.1"}


def prepare(env: dict[str, str], answers: int) -> tuple[str, list[str]]:
    """Migrate, import a chain with `answers` receipts; returns a device token and the
    receipts' survey links."""
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
    for kind, records in (("stores", STORES), ("sellers", SELLERS)):
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


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            "--threads=8",
            "cxm.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/feedback/terminal/", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def timed(jobs: list, work) -> float:
    """Requests per second of `work` over `jobs`, CLIENT_THREADS at a time."""
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        failures = [r for r in pool.map(work, jobs) if r]
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return len(jobs) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--presses", type=int, default=4000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cxm-bench-"))
    env = environment(args.db, workdir)
    token, links = prepare(env, args.answers)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port)
    local = threading.local()
    try:
        baseline = timed(
            list(range(args.presses)), lambda _: _get(local, base + "/feedback/terminal/")
        )
        presses = timed(list(range(args.presses)), lambda n: _press(local, base, token, n))
        answers = timed(links, lambda link: _answer(local, base + link))
    finally:
        server.terminate()
        server.wait()
    from cxm.feedback.models import Press, SurveyResponse

    stored_presses = Press.objects.count()
    stored_answers = SurveyResponse.objects.count()
    distinct = SurveyResponse.objects.values("receipt").distinct().count()
    print(f"database: {args.db}, client threads: {CLIENT_THREADS}, server: waitress 8 threads")
    print(f"baseline GET /feedback/terminal/: {baseline:8.0f} requests/s")
    print(f"press push (1 press a request):  {presses:8.0f} requests/s")
    print(
        f"survey submit (GET form + POST):  {answers:8.0f} answers/s ({2 * answers:.0f} requests/s)"
    )
    print(
        f"stored presses {stored_presses}/{args.presses}, answers {stored_answers}/{len(links)}, "
        f"receipts answered twice: {stored_answers - distinct}"
    )
    if stored_presses != args.presses or stored_answers != len(links) or distinct != stored_answers:
        raise SystemExit("lost or duplicated records")


def _client(local) -> httpx.Client:
    if not hasattr(local, "client"):
        local.client = httpx.Client(timeout=30)
    return local.client


def _get(local, url: str) -> str | None:
    response = _client(local).get(url)
    return None if response.status_code == 200 else f"GET {url}: {response.status_code}"


def _press(local, base: str, token: str, n: int) -> str | None:
    record = {
        "id": f"bench-{n}",
        "at": f"2026-03-02T12:{n // 60 % 60:02d}:{n % 60:02d}+03:00",
        "button": "excellent",
        "terminal": f"till-{n}",
    }
    response = _client(local).post(
        base + "/api/v1/devices/events/presses",
        json=[record],
        headers={"Authorization": f"Bearer {token}"},
    )
    return None if response.status_code == 200 else f"press {n}: {response.status_code}"


def _answer(local, url: str) -> str | None:
    client = _client(local)
    form = client.get(url)
    if form.status_code != 200:
        return f"GET {url}: {form.status_code}"
    csrf = client.cookies.get("csrftoken")
    client.cookies.delete("cxm_survey_answered")  # one phone per answer, not one per thread
    done = client.post(
        url, data={"nps": "9", "csrfmiddlewaretoken": csrf}, headers={"Referer": url}
    )
    client.cookies.delete("cxm_survey_answered")
    return None if done.status_code == 200 else f"POST {url}: {done.status_code}"


if __name__ == "__main__":
    main()
