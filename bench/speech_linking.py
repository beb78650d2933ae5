"""Speech linking runs incrementally per store-day as data arrives, never as a full
recomputation: the time per new store-day, next to relinking everything.

A simulated chain is imported through the contract day by day minus its last day; then the
last day arrives as an integrator sends it — sales, feedback and staff data first (the
worker's `link_chain` job relinks the store-days that data touches: the day before, whose
consultations may end in the new day's sales), then the day's transcripts (their import
links their store-days). Printed: the store-days each step linked and the time per new
store-day; what a report pays when nothing changed (the fingerprint check); a full
relinking of every store-day for comparison; and the speech page's answer time.

Runs on a fresh SQLite database in a temporary folder, or on CXM_DATABASE_URL (an empty
database: it is migrated and filled).

    .venv/bin/python bench/speech_linking.py [--stores 6] [--days 14] [--transcribed 0.1]
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CXM_DATA_DIR", tempfile.mkdtemp(prefix="cxm-bench-speech-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from cxm.demo.simulator import SimulationConfig, simulate_chain  # noqa: E402
from cxm.demo.simulator.feedback import simulate_voice  # noqa: E402
from cxm.demo.simulator.speech import SpeechSimulation  # noqa: E402
from cxm.demo.simulator.staff import (  # noqa: E402
    STANDARD_ITEMS,
    TEMPLATE_CODE,
    TEMPLATE_NAME,
)
from cxm.imports.records import Record  # noqa: E402
from cxm.imports.registry import run_import  # noqa: E402
from cxm.org.models import Membership, Role, Store  # noqa: E402
from cxm.org.services import default_chain  # noqa: E402
from cxm.speech.linking import link_recent, link_stale  # noqa: E402
from cxm.speech.models import LinkState, Transcript  # noqa: E402
from cxm.staff.services import define_template  # noqa: E402

# The order an integrator's files arrive in within a day; transcripts come last (recordings
# are transcribed after the fact).
KINDS = ("receipts", "presses", "survey_responses", "consultations", "checklists", "transcripts")
TIME_FIELD = {
    "receipts": "dateTime",
    "presses": "at",
    "survey_responses": "at",
    "consultations": "started_at",
    "checklists": "at",
    "transcripts": "started_at",
}


class LinkLog(logging.Handler):
    """What the transcripts import says it linked: (store-days, transcripts, seconds, of
    which failure matching)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.runs: list[tuple[int, int, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.runs.append(record.args)  # type: ignore[arg-type]


def records_by_day(config: SimulationConfig, transcribed: float) -> dict[str, dict]:
    """kind → local day → records, of the whole simulated chain."""
    simulated = simulate_chain(config)
    speech = SpeechSimulation(simulated, transcribed=transcribed, observed=0.0)
    staff = speech.staff
    voice, _ = simulate_voice(simulated)
    sources = {
        "receipts": simulated.iter_receipts(),
        "presses": voice["presses"],
        "survey_responses": voice["survey_responses"],
        "consultations": staff.iter_consultations(),
        "checklists": staff.iter_checklists(),
        "transcripts": (r for kind, r in speech.iter_records() if kind == "transcripts"),
    }
    days: dict[str, dict] = {kind: defaultdict(list) for kind in KINDS}
    for kind, items in sources.items():
        for item in items:
            days[kind][date.fromisoformat(item[TIME_FIELD[kind]][:10])].append(item)
    return {"chain": simulated, **days}


def put(kind: str, chain, items: list[dict]) -> float:
    started = time.perf_counter()
    result = run_import(kind, chain, [Record(f"{kind} {n}", r) for n, r in enumerate(items, 1)])
    if result.rejected:
        raise SystemExit(f"{kind}: {result.rejected[:3]}")
    return time.perf_counter() - started


def page_time(url: str) -> float:
    user, _ = get_user_model().objects.get_or_create(username="bench-speech")
    Membership.objects.get_or_create(user=user, chain=default_chain(), role=Role.CHAIN_ADMIN)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    client.get(url)  # the process's first page: templates, imports
    times = []
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", type=int, default=6)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--transcribed", type=float, default=0.1)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    chain = default_chain()
    log = LinkLog()
    logger = logging.getLogger("cxm.speech.importers")
    logger.addHandler(log)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    config = SimulationConfig(
        stores=args.stores, days=args.days, seed=11, end_date=date.today() - timedelta(days=1)
    )
    data = records_by_day(config, args.transcribed)
    simulated = data["chain"]
    put("stores", chain, simulated.stores)
    put("sellers", chain, simulated.sellers)
    define_template(chain, TEMPLATE_CODE, TEMPLATE_NAME, STANDARD_ITEMS)
    last = simulated.end_date
    stores = list(Store.objects.filter(chain=chain).values_list("pk", flat=True))
    print(
        f"{len(stores)} stores × {args.days} days, {args.transcribed:.0%} of consultations "
        f"transcribed; database: {django.db.connection.vendor}"
    )

    # The days before the last, kind by kind in the order a day's files arrive.
    started = time.perf_counter()
    for kind in KINDS:
        earlier = [r for day, rows in sorted(data[kind].items()) if day < last for r in rows]
        put(kind, chain, earlier)
    history = Transcript.objects.count()
    days, _, seconds, matching = log.runs[-1]
    print(
        f"history: {history} transcripts on {LinkState.objects.count()} store-days, loaded in "
        f"{time.perf_counter() - started:.1f} s; their import linked {days} store-days in "
        f"{seconds:.2f} s ({seconds / max(days, 1) * 1000:.0f} ms a store-day, of which "
        f"{matching / max(days, 1) * 1000:.0f} ms the failure matching of its consultations)"
    )

    # The new day arrives: sales, feedback and staff data, then the worker's link job.
    for kind in KINDS[:-1]:
        put(kind, chain, data[kind].get(last, []))
    worker = link_recent(stores)
    # Then the day's transcripts; their import links their store-days.
    log.runs.clear()
    put("transcripts", chain, data["transcripts"].get(last, []))
    new = LinkState.objects.filter(day=last).count()
    days, transcripts, seconds, matching = log.runs[-1] if log.runs else (0, 0, 0.0, 0.0)
    total = worker.seconds + seconds
    matching += worker.matching_seconds
    print(
        f"\nthe new day ({last}): {Transcript.objects.count() - history} transcripts\n"
        f"  after its sales, feedback and staff data the worker relinked "
        f"{worker.store_days} store-days ({worker.transcripts} transcripts) in "
        f"{worker.seconds:.3f} s\n"
        f"  its transcripts' import linked {days} store-days ({transcripts} transcripts) in "
        f"{seconds:.3f} s\n"
        f"  time per new store-day: {total / max(new, 1) * 1000:.0f} ms "
        f"({new} new store-days, {total:.3f} s in all, of which {matching:.3f} s the failure "
        f"matching of the consultations the links read)"
    )

    first = last - timedelta(days=args.days - 1)
    check = link_stale(stores, first, last)
    print(
        f"\nnothing changed: a report's check over {args.days} days relinks "
        f"{check.store_days} store-days, {check.seconds * 1000:.0f} ms"
    )
    LinkState.objects.all().delete()
    Transcript.objects.update(
        consultation=None, receipt=None, failed=None, press=None, survey=None, checklist=None
    )
    full = link_stale(stores, first, last)
    print(
        f"full relinking for comparison (links cleared): {full.store_days} store-days "
        f"({full.transcripts} transcripts) in {full.seconds:.2f} s, "
        f"{full.seconds / max(full.store_days, 1) * 1000:.0f} ms a store-day"
    )
    period = f"from={max(first, last - timedelta(days=29))}&to={last}"
    for name, url in (
        ("speech page (JSON)", f"/speech/?{period}&format=json"),
        ("speech page", f"/speech/?{period}"),
        ("leave-reasons page", f"/speech/leave-reasons/?{period}"),
    ):
        print(f"{name}: {page_time(url):.2f} s (median of 3, warm process)")


if __name__ == "__main__":
    main()
