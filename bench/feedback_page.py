"""Benchmark: the customer-voice page (`/feedback/?format=json`: NPS, ИЭЛ, CSI, reviews and
the segments) and its segments API (`/api/v1/reports/segments`) on a database that holds a
chain, for the last 30 days of data and the whole year before them; and the same page summed
from the raw facts once (cxm.rollups.sources.RAW_FACTS), whose body must be byte-identical.

    # the full-size database bench/scale.py leaves (--build-only), migrated forward:
    .venv/bin/python bench/feedback_page.py --url postgres://postgres@127.0.0.1:55540/bench_scale_1x

Server time is the Django handler's (in-process test client, no network). The data's year
may lie ahead of the machine's clock (bench/scale.py fills 2026 onwards): the periods end at
the last day with receipts, not today. `--sum-segments` first sums the segment rollup of
every store-day whose facts changed since it was last summed (all of them, on a database
filled before the rollup existed), store by store, and prints how long that took; otherwise
the first request does it. `--raw` names the periods also asked from the raw facts (the
year's facts do not fit a small machine's memory in one frame: 30 days by default).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/scale.py's timing helpers
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scale import _percentile, _timed  # noqa: E402

PERIODS = ("30 days", "year")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the database, as CXM_DATABASE_URL")
    parser.add_argument("--user", default="bench-director", help="a chain-wide user")
    parser.add_argument("--requests", type=int, default=10, help="per URL and period")
    parser.add_argument("--raw", nargs="*", default=["30 days"], choices=PERIODS)
    parser.add_argument("--sum-segments", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile one page request")
    args = parser.parse_args()
    os.environ["CXM_DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
    os.environ.setdefault("CXM_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from cxm.org.models import Store
    from cxm.rollups.sources import RAW_FACTS, reading
    from cxm.rollups.voice import refresh_voice_days
    from cxm.sales.models import Receipt

    if args.sum_segments:
        started, days = time.perf_counter(), 0
        for store in Store.objects.order_by("pk").values_list("pk", flat=True):
            days += refresh_voice_days([store])  # a store a transaction: imports wait for one
        print(f"segment rollup: {days} store-days summed in {time.perf_counter() - started:.0f} s")
    last = Receipt.objects.order_by("-day").values_list("day", flat=True).first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=args.user))
    periods = {"30 days": last - timedelta(days=29), "year": last - timedelta(days=364)}
    for name, start in periods.items():
        query = f"from={start}&to={last}"
        for what, url in (
            ("page", f"/feedback/?format=json&{query}"),
            ("segments API", f"/api/v1/reports/segments?{query}"),
        ):
            client.get(url)  # warm: the session, the plan cache, changed store-days summed
            timed = [_timed(client, url) for _ in range(args.requests)]
            times = [t for t, _ in timed]
            same = all(body == timed[0][1] for _, body in timed)
            line = (
                f"{what}, {name} ({start} – {last}): p50 {_percentile(times, 50):.0f} ms, "
                f"p95 {_percentile(times, 95):.0f} ms over {len(times)}"
            )
            if name in args.raw and what == "page":
                with reading(RAW_FACTS):
                    raw_ms, raw_body = _timed(client, url)
                same &= raw_body == timed[0][1]
                line += f"; raw facts {raw_ms / 1000:.1f} s"
            print(f"{line}; identical: {same}", flush=True)
        if args.profile:
            _profile(client, f"/feedback/?format=json&{query}")


def _profile(client, url: str) -> None:
    profile = cProfile.Profile()
    profile.enable()
    client.get(url)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    print(out.getvalue())


if __name__ == "__main__":
    main()
