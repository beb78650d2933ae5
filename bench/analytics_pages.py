"""How long the analytics pages take on a database that holds a chain: each page's JSON twin
and its HTML page as the chain admin, median of three runs each, over the last N days of
data; and, as a same-run baseline, the analyses' series read through the reports' rows
(each report asked once, grouped by the grain — the pages' reading until column-wise)
against the column-wise reading the pages now make (the two frames must be exactly equal).

    # the demo's chain (`CXM_DATA_DIR=/path cxm demo --no-serve`), or any loaded one:
    CXM_DATA_DIR=/tmp/cxmdemo python bench/analytics_pages.py --days 30
    # build a chain with the simulator first, here 200 stores × 365 days at 4 % of the
    # demo's visitors per store (a full-size year of 200 stores does not fit a 2-core box):
    CXM_DATA_DIR=/tmp/cxm200 python bench/analytics_pages.py --build 200 365 0.04 --days 30
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
django.setup()

import pandas as pd  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from cxm.analytics.series import report_frame, series_frame  # noqa: E402
from cxm.demo.loading import load_simulation  # noqa: E402
from cxm.demo.simulator import SimulationConfig  # noqa: E402
from cxm.metrics.periods import Period  # noqa: E402
from cxm.org.cli import operator_scope  # noqa: E402
from cxm.org.models import Membership, Role  # noqa: E402
from cxm.org.services import default_chain  # noqa: E402
from cxm.reports.filters import ReportFilter  # noqa: E402
from cxm.sales.models import Receipt  # noqa: E402

PAGES = {
    "correlations (units ~ traffic, store × day)": "/analytics/correlations/",
    "correlations (seller × month)": "/analytics/correlations/?x=revenue&y=consultations"
    "&points=seller-month",
    "correlations (coverage ~ revenue, seller × month)": "/analytics/correlations/"
    "?x=coverage&y=revenue&points=seller-month",
    "drivers (conversion ~ coverage, compliance, like-index)": "/analytics/drivers/",
    "factors (checklist items)": "/analytics/factors/",
    "revenue factors by store": "/analytics/revenue/",
    "sources of revenue": "/analytics/sources/",
    "KPI map (conversion)": "/analytics/map/?kpi=conversion",
}
# The series the baseline reads: the drivers page's default and the seller × month question.
BASELINE = {
    "store-day": ["conversion", "coverage", "compliance", "like_index"],
    "seller-month": ["revenue", "consultations"],
}


def build(stores: int, days: int, intensity: float) -> None:
    call_command("migrate", verbosity=0)
    config = SimulationConfig(stores=stores, sellers_per_store=3, days=days, intensity=intensity)
    start = time.perf_counter()
    _, simulated, results = load_simulation(config, progress=print)
    print(
        f"built {stores} stores × {days} days at intensity {intensity} in "
        f"{time.perf_counter() - start:.0f} s: {results['receipts'].accepted} receipts, "
        f"{results['consultations'].accepted} consultations, "
        f"{simulated.start_date} … {simulated.end_date}"
    )


def median_seconds(run: Callable[[], object], times: int = 3) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `run` (the page runs in this process, SQLite
    too, so CPU time is what the page costs whatever else the machine is doing)."""
    wall, cpu = [], []
    for _ in range(times):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def pages(days: int) -> None:
    chain = default_chain()
    user, _ = get_user_model().objects.get_or_create(username="bench-analytics")
    Membership.objects.get_or_create(user=user, chain=chain, role=Role.CHAIN_ADMIN)
    last = Receipt.objects.filter(store__chain=chain).latest("day").day
    period = f"from={last - timedelta(days=days - 1)}&to={last}"
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    load = os.getloadavg()[0]
    print(f"{chain.stores.count()} stores, {days} days to {last}; load average {load:.1f}")
    print("JSON twin: wall, CPU   HTML page: wall, CPU")
    for name, path in PAGES.items():
        url = f"{path}{'&' if '?' in path else '?'}{period}"

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.content[:300])

        # The first call may link or match new data and sum the rollups its readers keep
        # (the import's and the worker's work): timed apart.
        first = median_seconds(partial(get, url + "&format=json"), 1)
        twin = median_seconds(partial(get, url + "&format=json"))
        page = median_seconds(partial(get, url))
        print(
            f"{twin[0]:6.2f} s {twin[1]:6.2f} s  {page[0]:6.2f} s {page[1]:6.2f} s  {name}"
            f" (first call {first[0]:.2f} s)"
        )


def baseline(days: int) -> None:
    """The series read through the reports' rows, as the pages did before, against the
    column-wise reading: exactly the same frame, and how long each takes."""
    chain = default_chain()
    last = Receipt.objects.filter(store__chain=chain).latest("day").day
    period = Period(last - timedelta(days=days - 1), last)

    def fresh() -> ReportFilter:  # a filter keeps what it has read: one per reading
        return ReportFilter(operator_scope(chain), period)

    for grain, names in BASELINE.items():
        columns = series_frame(fresh(), names, grain)
        pd.testing.assert_frame_equal(
            columns, report_frame(fresh(), names, grain), check_exact=True
        )
        old = median_seconds(lambda: report_frame(fresh(), names, grain), 1)  # noqa: B023
        new = median_seconds(lambda: series_frame(fresh(), names, grain))  # noqa: B023
        print(
            f"series {grain} ({', '.join(names)}), {len(columns)} points, equal frames: "
            f"reports' rows {old[0]:.2f} s (CPU {old[1]:.2f} s), "
            f"column-wise {new[0]:.2f} s (CPU {new[1]:.2f} s)"
        )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="the pages' period: last N days")
    parser.add_argument(
        "--build",
        nargs=3,
        metavar=("STORES", "DAYS", "INTENSITY"),
        help="first simulate and import a chain into the (empty) database",
    )
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    if args.build:
        build(int(args.build[0]), int(args.build[1]), float(args.build[2]))
    pages(args.days)
    if not args.no_baseline:
        baseline(args.days)


if __name__ == "__main__":
    main(sys.argv[1:])
